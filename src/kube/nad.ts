/** The NetworkAttachmentDefinition API (Multus / NPWG): group, version and resource, in one place. */
export const NAD_GROUP = 'k8s.cni.cncf.io';
export const NAD_VERSION = 'v1';
export const NAD_PLURAL = 'network-attachment-definitions';
export const NAD_API_VERSION = `${NAD_GROUP}/${NAD_VERSION}`;
export const NAD_KIND = 'NetworkAttachmentDefinition';
