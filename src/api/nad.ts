/** The NetworkAttachmentDefinition API (Multus / NPWG): its type, group, version and resource, in one place. */
import type { ObjectMeta } from './core-v1.js';

export const NAD_GROUP = 'k8s.cni.cncf.io';
export const NAD_VERSION = 'v1';
export const NAD_PLURAL = 'network-attachment-definitions';
export const NAD_API_VERSION = `${NAD_GROUP}/${NAD_VERSION}`;
export const NAD_KIND = 'NetworkAttachmentDefinition';

export interface NetworkAttachmentDefinition {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta & { name: string };
  spec?: { config?: string };
}
