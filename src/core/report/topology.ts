/**
 * The NodeResourceTopology (topology.node.k8s.io/v1alpha2) the agent publishes beside NodeNetworkState, so the
 * upstream NodeResourceTopologyMatch plugin can place pods on the same counts. Built from the report, never
 * counted separately, so the two objects cannot disagree.
 *
 * Mapping: one zone `node-<N>` of type `Node` per NUMA node N ≥ 0 of the report; per pool a resource with
 * capacity, allocatable and available = the report's free. Devices whose NUMA node is unknown (−1) have no zone:
 * the plugin treats a non-native resource no zone reports as host-level and does not align it.
 */
import {
  type NodeResourceTopology,
  NRT_API_VERSION,
  NRT_ZONE_TYPE_NUMA_NODE,
  type NrtResourceInfo,
  type NrtTopologyPolicy,
  type NrtZone,
} from '../../api/nrt-v1alpha2.js';
import type { KubeletTopology, NodeNetworkStateStatus } from '../../api/wirespeed-v1alpha1.js';
import { byString } from './accounting.js';
import { canonicalJson } from './same-report.js';

/** The zone name the upstream plugin parses back to a NUMA ID. */
export const nrtZoneName = (numaNode: number): string => `node-${numaNode}`;

/** The deprecated `topologyPolicies` value for a policy and scope, as resource-topology-exporter writes it. */
export function nrtTopologyPolicy(kubelet: KubeletTopology): NrtTopologyPolicy {
  const pod = kubelet.topologyManagerScope === 'pod';
  switch (kubelet.topologyManagerPolicy) {
    case 'single-numa-node':
      return pod ? 'SingleNUMANodePodLevel' : 'SingleNUMANodeContainerLevel';
    case 'restricted':
      return pod ? 'RestrictedPodLevel' : 'RestrictedContainerLevel';
    case 'best-effort':
      return pod ? 'BestEffortPodLevel' : 'BestEffortContainerLevel';
    case 'none':
      return 'None';
  }
}

export interface NrtOwner {
  /** The Node's uid: the object is garbage-collected with its Node. */
  uid: string;
}

/** The NodeResourceTopology of `nodeName` for a report; `numaNodes` adds zones for NUMA nodes with no pool. */
export function buildNodeResourceTopology(
  nodeName: string,
  status: NodeNetworkStateStatus,
  opts: { owner?: NrtOwner; numaNodes?: readonly number[] } = {},
): NodeResourceTopology {
  const zones = new Map<number, NrtResourceInfo[]>();
  for (const numaNode of opts.numaNodes ?? []) if (numaNode >= 0) zones.set(numaNode, []);
  for (const pool of [...status.pools].sort((a, b) => byString(a.resourceName, b.resourceName))) {
    for (const count of pool.numaNodes) {
      if (count.numaNode < 0) continue;
      const resources = zones.get(count.numaNode) ?? [];
      resources.push({
        name: pool.resourceName,
        capacity: String(count.capacity),
        allocatable: String(count.allocatable),
        available: String(count.free),
      });
      zones.set(count.numaNode, resources);
    }
  }
  const zoneList: NrtZone[] = [...zones.keys()]
    .sort((a, b) => a - b)
    .map((numaNode) => ({
      name: nrtZoneName(numaNode),
      type: NRT_ZONE_TYPE_NUMA_NODE,
      resources: zones.get(numaNode) ?? [],
    }));
  return {
    apiVersion: NRT_API_VERSION,
    kind: 'NodeResourceTopology',
    metadata: {
      name: nodeName,
      labels: { 'app.kubernetes.io/managed-by': 'wirespeed-agent' },
      ...(opts.owner
        ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: opts.owner.uid }] }
        : {}),
    },
    topologyPolicies: [nrtTopologyPolicy(status.kubelet)],
    zones: zoneList,
    attributes: [
      { name: 'topologyManagerPolicy', value: status.kubelet.topologyManagerPolicy },
      { name: 'topologyManagerScope', value: status.kubelet.topologyManagerScope },
    ],
  };
}

/** Equal in what the agent writes (policies, zones, attributes); metadata is the server's business. */
export function sameTopology(
  a: Pick<NodeResourceTopology, 'topologyPolicies' | 'zones' | 'attributes'> | undefined | null,
  b: Pick<NodeResourceTopology, 'topologyPolicies' | 'zones' | 'attributes'> | undefined | null,
): boolean {
  if (!a || !b) return !a && !b;
  const body = (t: typeof a) => ({
    topologyPolicies: t.topologyPolicies ?? [],
    zones: t.zones ?? [],
    attributes: t.attributes ?? [],
  });
  return canonicalJson(body(a)) === canonicalJson(body(b));
}
