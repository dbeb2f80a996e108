/**
 * Every API path Wirespeed's processes, commands and harness call, built one way: `/api/v1` for the core
 * group, `/apis/<group>/<version>` otherwise, then `namespaces/<ns>/` for a namespaced object, the
 * resource's plural, the name and a subresource. Names are URI-encoded, so a name from input can only ever
 * be one path segment.
 */
import { NAD_GROUP, NAD_PLURAL, NAD_VERSION } from '../api/nad.js';
import { NRT_GROUP, NRT_PLURAL, NRT_VERSION } from '../api/nrt-v1alpha2.js';
import {
  NETWORK_NODE_POLICY_PLURAL,
  NODE_NETWORK_STATE_PLURAL,
  WIRESPEED_GROUP,
  WIRESPEED_VERSION,
} from '../api/wirespeed-v1alpha1.js';

export interface ApiResource {
  /** '' for the core group (pods, nodes, configmaps, namespaces). */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

const resource = (group: string, version: string, plural: string): ApiResource => ({
  group,
  version,
  plural,
});

export const PODS = resource('', 'v1', 'pods');
export const NODES = resource('', 'v1', 'nodes');
export const NAMESPACES = resource('', 'v1', 'namespaces');
export const CONFIG_MAPS = resource('', 'v1', 'configmaps');
export const LEASES = resource('coordination.k8s.io', 'v1', 'leases');
export const CRDS = resource('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
export const NADS = resource(NAD_GROUP, NAD_VERSION, NAD_PLURAL);
export const NODE_NETWORK_STATES = resource(WIRESPEED_GROUP, WIRESPEED_VERSION, NODE_NETWORK_STATE_PLURAL);
export const NETWORK_NODE_POLICIES = resource(WIRESPEED_GROUP, WIRESPEED_VERSION, NETWORK_NODE_POLICY_PLURAL);
export const NODE_RESOURCE_TOPOLOGIES = resource(NRT_GROUP, NRT_VERSION, NRT_PLURAL);

/** The collection: every namespace's objects when `namespace` is undefined (or the resource is cluster-scoped). */
export function collectionPath(of: ApiResource, namespace?: string): string {
  const base = of.group === '' ? `/api/${of.version}` : `/apis/${of.group}/${of.version}`;
  const scope = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${base}${scope}/${of.plural}`;
}

/** One object, or one of its subresources (`status`, `binding`, `eviction`). */
export function objectPath(
  of: ApiResource,
  namespace: string | undefined,
  name: string,
  subresource?: string,
): string {
  const path = `${collectionPath(of, namespace)}/${encodeURIComponent(name)}`;
  return subresource === undefined ? path : `${path}/${subresource}`;
}
