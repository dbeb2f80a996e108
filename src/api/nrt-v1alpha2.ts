/**
 * NodeResourceTopology, `topology.node.k8s.io/v1alpha2`: the object the upstream NodeResourceTopologyMatch
 * scheduler plugin (scheduler-plugins) and resource-topology-exporter share. Types only, written from the
 * upstream CRD schema (noderesourcetopology-api `manifests/crd.yaml`); the agent publishes one per node, named
 * after the node, so the upstream plugin can place pods on our data.
 */

export const NRT_GROUP = 'topology.node.k8s.io';
export const NRT_VERSION = 'v1alpha2';
export const NRT_API_VERSION = `${NRT_GROUP}/${NRT_VERSION}`;
export const NRT_PLURAL = 'noderesourcetopologies';

/** The zone type of a NUMA node; the upstream plugin ignores every other zone type. */
export const NRT_ZONE_TYPE_NUMA_NODE = 'Node';

/** The deprecated `topologyPolicies` values (policy × scope), still read by the upstream plugin as a fallback. */
export type NrtTopologyPolicy =
  | 'None'
  | 'BestEffort'
  | 'BestEffortContainerLevel'
  | 'BestEffortPodLevel'
  | 'Restricted'
  | 'RestrictedContainerLevel'
  | 'RestrictedPodLevel'
  | 'SingleNUMANodeContainerLevel'
  | 'SingleNUMANodePodLevel';

export interface NrtAttribute {
  name: string;
  value: string;
}

export interface NrtCost {
  /** The other zone, e.g. `node-1`. */
  name: string;
  /** The NUMA distance (10 to itself); 255 is unknown. */
  value: number;
}

export interface NrtResourceInfo {
  /** A Kubernetes resource name, e.g. `intel.com/sriov_a`. */
  name: string;
  /** Quantities: an integer or a Kubernetes quantity string; we write decimal strings as the Go types do. */
  capacity: string | number;
  allocatable: string | number;
  /** Allocatable minus what running pods hold: the value the upstream plugin compares. */
  available: string | number;
}

export interface NrtZone {
  /** NUMA zones are named `node-<N>`; the upstream plugin parses this name to get the NUMA ID. */
  name: string;
  type: string;
  parent?: string;
  costs?: NrtCost[];
  attributes?: NrtAttribute[];
  resources?: NrtResourceInfo[];
}

export interface NodeResourceTopology {
  apiVersion: typeof NRT_API_VERSION;
  kind: 'NodeResourceTopology';
  metadata: {
    name: string;
    resourceVersion?: string;
    uid?: string;
    labels?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  };
  /** Deprecated upstream ("to be removed in v1beta1") but still the plugin's fallback; we write both forms. */
  topologyPolicies?: NrtTopologyPolicy[];
  zones: NrtZone[];
  /** Top-level attributes: `topologyManagerPolicy`, `topologyManagerScope` override `topologyPolicies`. */
  attributes?: NrtAttribute[];
}
