/** Builders for NodeNetworkState reports and pods asking for device pools (fit, extender, fit command). */

import type { Container, Pod } from '../../src/api/core-v1.js';
import type {
  NodeNetworkState,
  NodeNetworkStateStatus,
  TopologyManagerPolicy,
  TopologyManagerScope,
} from '../../src/api/wirespeed-v1alpha1.js';

/** Per NUMA node: a free count (allocatable = capacity = free), or the three counts. */
export type NumaCounts = Record<number, number | { free: number; allocatable?: number; capacity?: number }>;

export interface StateSpec {
  policy?: TopologyManagerPolicy;
  scope?: TopologyManagerScope;
  pools: Record<string, NumaCounts>;
  pods?: string[];
}

export function reportStatus(spec: StateSpec): NodeNetworkStateStatus {
  return {
    kubelet: {
      topologyManagerPolicy: spec.policy ?? 'single-numa-node',
      topologyManagerScope: spec.scope ?? 'pod',
    },
    pools: Object.entries(spec.pools).map(([resourceName, numa]) => ({
      resourceName,
      deviceType: 'vfio-pci',
      numaNodes: Object.entries(numa).map(([k, c]) => {
        const free = typeof c === 'number' ? c : c.free;
        const allocatable = typeof c === 'number' ? c : (c.allocatable ?? c.free);
        const capacity = typeof c === 'number' ? c : (c.capacity ?? allocatable);
        return { numaNode: Number(k), capacity, allocatable, allocated: allocatable - free, free };
      }),
    })),
    pods: (spec.pods ?? []).map((uid) => ({ uid, namespace: 'default', name: uid, devices: [] })),
    reportTime: '2026-12-01T09:00:00Z',
  };
}

export function nodeState(name: string, spec: StateSpec): NodeNetworkState {
  return {
    apiVersion: 'wirespeed.io/v1alpha1',
    kind: 'NodeNetworkState',
    metadata: { name },
    status: reportStatus(spec),
  };
}

/** A container asking for `requests` (pool → count) as both requests and limits. */
export function container(
  name: string,
  requests: Record<string, number>,
  extra: Partial<Container> = {},
): Container {
  const amounts = Object.fromEntries(Object.entries(requests).map(([k, v]) => [k, String(v)]));
  return { name, image: 'app', resources: { requests: amounts, limits: { ...amounts } }, ...extra };
}

export function podOf(
  name: string,
  containers: Container[],
  initContainers: Container[] = [],
  namespace = 'default',
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, uid: `uid-${name}` },
    spec: { containers, ...(initContainers.length > 0 ? { initContainers } : {}) },
  };
}
