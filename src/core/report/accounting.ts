/**
 * The per-NUMA accounting of a node's device pools: what the agent writes to NodeNetworkState `status` and the
 * extender decides on. Pure: the inputs are what discovery (pools), the kubelet's pod-resources API
 * (GetAllocatableResources, List) and the pods bound to the node say; nothing here reads the world.
 *
 * Counting is by sets of device IDs, never by subtracting counts, so a device ID repeated across List entries
 * or containers is counted once, and an ID that is not a device of the pool never changes a count.
 */
import type {
  AppliedHugepages,
  AppliedPf,
  InterfaceStatus,
  KubeletTopology,
  NodeNetworkStateStatus,
  PodAllocation,
  PodDeviceAllocation,
  PoolNumaCount,
  PoolStatus,
  SyncStatus,
} from '../../api/wirespeed-v1alpha1.js';
import { objectKey } from '../names.js';
import type { Pool } from '../pools/types.js';

/** One `ContainerDevices` entry of pod-resources (List or GetAllocatableResources): a resource and its IDs. */
export interface KubeletDevices {
  resourceName: string;
  deviceIds: readonly string[];
}

/** One `PodResources` entry of pod-resources List. */
export interface PodResources {
  namespace: string;
  name: string;
  containers: readonly { name: string; devices: readonly KubeletDevices[] }[];
}

/** What the API server says of a pod bound to this node. */
export interface NodePod {
  uid: string;
  /** `status.phase`; `Succeeded` and `Failed` pods hold no devices. */
  phase?: string;
}

export interface ReportInput {
  pools: readonly Pool[];
  /**
   * GetAllocatableResources `devices`: what the kubelet can hand out (it leaves out devices the plugin marked
   * unhealthy). `null` when the kubelet has not answered yet: then the pool's own health alone decides.
   */
  allocatable: readonly KubeletDevices[] | null;
  /** pod-resources List. */
  podResources: readonly PodResources[];
  /** `podKey(namespace, name)` → the pod, for the pods the API server has bound to this node. */
  pods: ReadonlyMap<string, NodePod>;
  kubelet: KubeletTopology;
  /** The host's NUMA nodes: each pool lists every one of them, with zeros where it has no device. */
  numaNodes?: readonly number[];
  reportTime: Date;
  interfaces?: readonly InterfaceStatus[];
  syncStatus?: SyncStatus;
  syncMessage?: string;
  policyGenerations?: Readonly<Record<string, number>>;
  /** Device setup per PF and hugepages (src/core/reconcile), when the agent sets devices up. */
  appliedPfs?: readonly AppliedPf[];
  appliedHugepages?: readonly AppliedHugepages[];
}

/**
 * Device IDs the report could not attribute: `unknown-pod`, a pod List names that the API server has not
 * shown on this node (yet): its devices count as allocated, but it is not listed in `pods` until its UID is
 * known; `unknown-device`, an ID of one of our resources that is not a device of that pool: counted nowhere.
 */
export interface UnaccountedDevice {
  reason: 'unknown-pod' | 'unknown-device';
  namespace: string;
  name: string;
  resourceName: string;
  id: string;
}

export interface NodeReport {
  status: NodeNetworkStateStatus;
  unaccounted: UnaccountedDevice[];
}

const TERMINAL_PHASES: ReadonlySet<string> = new Set(['Succeeded', 'Failed']);

export const podKey = objectKey;

/** Plain code-unit order: the same everywhere, unlike locale order. */
export const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** RFC 3339 to the second, as Kubernetes writes `metav1.Time`. */
export const formatTime = (time: Date): string => time.toISOString().replace(/\.\d{3}Z$/, 'Z');

interface PoolIndex {
  resourceName: string;
  deviceType: Pool['deviceType'];
  /** Device ID → its NUMA node and health; the first occurrence of a repeated ID wins. */
  devices: Map<string, { numaNode: number; healthy: boolean }>;
}

/** Pools by resource name; two pools with one name (a selection bug upstream) are merged, the first type wins. */
function indexPools(pools: readonly Pool[]): Map<string, PoolIndex> {
  const index = new Map<string, PoolIndex>();
  for (const pool of pools) {
    let entry = index.get(pool.resourceName);
    if (!entry) {
      entry = { resourceName: pool.resourceName, deviceType: pool.deviceType, devices: new Map() };
      index.set(pool.resourceName, entry);
    }
    for (const device of pool.devices) {
      if (!entry.devices.has(device.id)) {
        entry.devices.set(device.id, { numaNode: device.numaNode, healthy: device.healthy });
      }
    }
  }
  return index;
}

function idsByResource(entries: readonly KubeletDevices[]): Map<string, Set<string>> {
  const byResource = new Map<string, Set<string>>();
  for (const entry of entries) {
    let ids = byResource.get(entry.resourceName);
    if (!ids) {
      ids = new Set();
      byResource.set(entry.resourceName, ids);
    }
    for (const id of entry.deviceIds) ids.add(id);
  }
  return byResource;
}

interface Holdings {
  /** Resource → device IDs of the pool held by any non-terminal pod (known or not). */
  held: Map<string, Set<string>>;
  /** Known, non-terminal pods with their held pool devices, resource → IDs. */
  pods: { key: string; namespace: string; name: string; uid: string; devices: Map<string, Set<string>> }[];
  unaccounted: UnaccountedDevice[];
}

function collectHoldings(
  podResources: readonly PodResources[],
  pods: ReadonlyMap<string, NodePod>,
  index: ReadonlyMap<string, PoolIndex>,
): Holdings {
  const held = new Map<string, Set<string>>();
  const known = new Map<string, Holdings['pods'][number]>();
  const unaccounted = new Map<string, UnaccountedDevice>();
  for (const entry of podResources) {
    const key = podKey(entry.namespace, entry.name);
    const pod = pods.get(key);
    if (pod?.phase !== undefined && TERMINAL_PHASES.has(pod.phase)) continue;
    const devices = idsByResource(entry.containers.flatMap((c) => c.devices));
    for (const [resourceName, ids] of devices) {
      const pool = index.get(resourceName);
      if (!pool) continue; // not one of our resources (a GPU, another plugin's pool)
      for (const id of ids) {
        const where = { namespace: entry.namespace, name: entry.name, resourceName, id };
        if (!pool.devices.has(id)) {
          unaccounted.set(`${key} ${resourceName} ${id}`, { reason: 'unknown-device', ...where });
          continue;
        }
        addTo(held, resourceName, id);
        if (!pod) {
          unaccounted.set(`${key} ${resourceName} ${id}`, { reason: 'unknown-pod', ...where });
          continue;
        }
        let record = known.get(key);
        if (!record) {
          record = { key, namespace: entry.namespace, name: entry.name, uid: pod.uid, devices: new Map() };
          known.set(key, record);
        }
        addTo(record.devices, resourceName, id);
      }
    }
  }
  return { held, pods: [...known.values()], unaccounted: [...unaccounted.values()] };
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(value);
}

/**
 * One pool's counts per NUMA node. `capacity`: the pool's devices; `allocatable`: those healthy and offered by
 * the kubelet; `allocated`: those any non-terminal pod holds, healthy or not (the pod still holds it);
 * `free`: allocatable and not held, so free = allocatable − |allocated ∩ allocatable| ≥ 0 always.
 */
function poolStatus(
  pool: PoolIndex,
  kubeletIds: Set<string> | null,
  held: ReadonlySet<string>,
  hostNuma: readonly number[],
): PoolStatus {
  const counts = new Map<number, PoolNumaCount>();
  const at = (numaNode: number): PoolNumaCount => {
    let count = counts.get(numaNode);
    if (!count) {
      count = { numaNode, capacity: 0, allocatable: 0, allocated: 0, free: 0 };
      counts.set(numaNode, count);
    }
    return count;
  };
  for (const numaNode of hostNuma) at(numaNode);
  for (const [id, device] of pool.devices) {
    const count = at(device.numaNode);
    const allocatable = device.healthy && (kubeletIds === null || kubeletIds.has(id));
    const isHeld = held.has(id);
    count.capacity += 1;
    if (allocatable) count.allocatable += 1;
    if (isHeld) count.allocated += 1;
    if (allocatable && !isHeld) count.free += 1;
  }
  const numaNodes = [...counts.values()].sort((a, b) => a.numaNode - b.numaNode);
  return { resourceName: pool.resourceName, deviceType: pool.deviceType, numaNodes };
}

function podAllocation(pod: Holdings['pods'][number], index: ReadonlyMap<string, PoolIndex>): PodAllocation {
  const devices: PodDeviceAllocation[] = [];
  for (const resourceName of [...pod.devices.keys()].sort(byString)) {
    const pool = index.get(resourceName);
    const byNuma = new Map<number, string[]>();
    for (const id of pod.devices.get(resourceName) ?? []) {
      const numaNode = pool?.devices.get(id)?.numaNode ?? -1;
      byNuma.set(numaNode, [...(byNuma.get(numaNode) ?? []), id]);
    }
    for (const numaNode of [...byNuma.keys()].sort((a, b) => a - b)) {
      devices.push({ resourceName, numaNode, ids: (byNuma.get(numaNode) ?? []).sort(byString) });
    }
  }
  return { uid: pod.uid, namespace: pod.namespace, name: pod.name, devices };
}

/** The node's report: counts per pool per NUMA node, the pods accounted for, and what could not be placed. */
export function accountNode(input: ReportInput): NodeReport {
  const index = indexPools(input.pools);
  const kubelet = input.allocatable === null ? null : idsByResource(input.allocatable);
  const holdings = collectHoldings(input.podResources, input.pods, index);
  const hostNuma = [...new Set(input.numaNodes ?? [])];
  const pools = [...index.values()]
    .sort((a, b) => byString(a.resourceName, b.resourceName))
    .map((pool) =>
      poolStatus(
        pool,
        kubelet === null ? null : (kubelet.get(pool.resourceName) ?? new Set()),
        holdings.held.get(pool.resourceName) ?? new Set(),
        hostNuma,
      ),
    );
  const pods = holdings.pods
    .sort((a, b) => byString(a.namespace, b.namespace) || byString(a.name, b.name))
    .map((pod) => podAllocation(pod, index));
  const status: NodeNetworkStateStatus = {
    kubelet: {
      topologyManagerPolicy: input.kubelet.topologyManagerPolicy,
      topologyManagerScope: input.kubelet.topologyManagerScope,
    },
    pools,
    pods,
    reportTime: formatTime(input.reportTime),
    ...(input.interfaces ? { interfaces: [...input.interfaces] } : {}),
    ...(input.syncStatus ? { syncStatus: input.syncStatus } : {}),
    ...(input.syncMessage !== undefined ? { syncMessage: input.syncMessage } : {}),
    ...(input.policyGenerations ? { policyGenerations: { ...input.policyGenerations } } : {}),
    ...(input.appliedPfs ? { appliedPfs: [...input.appliedPfs] } : {}),
    ...(input.appliedHugepages ? { appliedHugepages: [...input.appliedHugepages] } : {}),
  };
  const unaccounted = holdings.unaccounted.sort(
    (a, b) =>
      byString(a.namespace, b.namespace) ||
      byString(a.name, b.name) ||
      byString(a.resourceName, b.resourceName) ||
      byString(a.id, b.id),
  );
  return { status, unaccounted };
}
