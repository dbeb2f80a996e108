/**
 * A node's report indexed for fitting: per pool, free and allocatable devices per NUMA node. Built once per
 * report (the extender does it when the informer delivers one), read on every filter call.
 *
 * Devices of unknown NUMA node (−1), precisely as the kubelet's device manager treats them (topology_hints.go):
 * the agent sends no TopologyInfo for them, and
 * - when *some* device of the pool has a NUMA node, the pool is "aligned": a NUMA node's hint counts only the
 *   devices on that NUMA node, so unknown-NUMA devices never help a single-NUMA fit (they still count in the
 *   node's total, which is what non-enforcing policies check);
 * - when *no* device of the pool has one, the pool has no topology preference: its devices satisfy any NUMA node,
 *   from one shared bucket (a device taken for one container is gone for every NUMA node).
 * A device belongs to exactly one pool, so buckets are never shared between pools.
 */
import type {
  NodeNetworkStateStatus,
  TopologyManagerPolicy,
  TopologyManagerScope,
} from '../../api/wirespeed-v1alpha1.js';

export interface PoolCapacity {
  /** Some device has a NUMA node: the kubelet aligns this pool and counts only `free`/`allocatable` by NUMA node. */
  readonly aligned: boolean;
  /** NUMA node (≥ 0) → free devices. */
  readonly free: ReadonlyMap<number, number>;
  /** NUMA node (≥ 0) → healthy devices (free + allocated): what preemption could at most make free. */
  readonly allocatable: ReadonlyMap<number, number>;
  /** Free devices on every NUMA node, unknown included. */
  readonly totalFree: number;
  readonly totalAllocatable: number;
  /** `free` and `allocatable` by position in `NodeCapacity.numaNodes` (the hot path reads these). */
  readonly freeAt: Int32Array;
  readonly allocatableAt: Int32Array;
  /** Devices by position in `numaNodes`, healthy or not: what the kubelet's hint widths are computed from. */
  readonly capacityAt: Int32Array;
  /** The most free (allocatable) devices on any one NUMA node: rejects a full node without a NUMA loop. */
  readonly maxFree: number;
  readonly maxAllocatable: number;
}

export interface NodeCapacity {
  readonly policy: TopologyManagerPolicy;
  readonly scope: TopologyManagerScope;
  /** The node's NUMA nodes (≥ 0) named by any pool, ascending. */
  readonly numaNodes: readonly number[];
  readonly pools: ReadonlyMap<string, PoolCapacity>;
  /** UIDs of the pods whose devices the report accounts for (settles ledger reservations). */
  readonly reportedPods: ReadonlySet<string>;
}

const POLICIES: readonly TopologyManagerPolicy[] = ['none', 'best-effort', 'restricted', 'single-numa-node'];

/**
 * Indexes a report. Tolerant by design: a count that is not a non-negative integer counts as 0, duplicate
 * entries add up, an unknown policy is treated as the strictest (`single-numa-node`) and a missing scope as the
 * kubelet's default (`container`). The agent writes these, so this only guards against a broken one.
 */
export function indexReport(status: NodeNetworkStateStatus): NodeCapacity {
  const policy = POLICIES.includes(status?.kubelet?.topologyManagerPolicy)
    ? status.kubelet.topologyManagerPolicy
    : 'single-numa-node';
  const scope = status?.kubelet?.topologyManagerScope === 'pod' ? 'pod' : 'container';
  const pools = new Map<string, MutablePool>();
  const numa = new Set<number>();
  for (const pool of Array.isArray(status?.pools) ? status.pools : []) {
    if (typeof pool?.resourceName !== 'string') continue;
    const entry = poolCapacity(pools.get(pool.resourceName), pool.numaNodes);
    pools.set(pool.resourceName, entry);
    for (const k of entry.allocatable.keys()) numa.add(k);
    for (const k of entry.free.keys()) numa.add(k);
  }
  const reportedPods = new Set<string>();
  for (const pod of Array.isArray(status?.pods) ? status.pods : [])
    if (typeof pod?.uid === 'string') reportedPods.add(pod.uid);
  const numaNodes = [...numa].sort((a, b) => a - b);
  for (const pool of pools.values()) {
    pool.freeAt = Int32Array.from(numaNodes, (k) => Math.min(MAX_COUNT, pool.free.get(k) ?? 0));
    pool.allocatableAt = Int32Array.from(numaNodes, (k) => Math.min(MAX_COUNT, pool.allocatable.get(k) ?? 0));
    pool.capacityAt = Int32Array.from(numaNodes, (k) => Math.min(MAX_COUNT, pool.capacity.get(k) ?? 0));
    pool.maxFree = pool.freeAt.reduce((a, b) => Math.max(a, b), 0);
    pool.maxAllocatable = pool.allocatableAt.reduce((a, b) => Math.max(a, b), 0);
  }
  return { policy, scope, numaNodes, pools, reportedPods };
}

interface MutablePool extends PoolCapacity {
  aligned: boolean;
  free: Map<number, number>;
  allocatable: Map<number, number>;
  totalFree: number;
  totalAllocatable: number;
  freeAt: Int32Array;
  allocatableAt: Int32Array;
  capacityAt: Int32Array;
  capacity: Map<number, number>;
  maxFree: number;
  maxAllocatable: number;
}

/** Counts above this are a broken report; clamping keeps the Int32Array arithmetic exact. */
const MAX_COUNT = 1 << 30;
/** Linux's largest NUMA node number (MAX_NUMNODES is at most 1024); a larger one is a broken report, ignored. */
const MAX_NUMA_NODE = 1023;

function poolCapacity(previous: MutablePool | undefined, entries: unknown): MutablePool {
  const out: MutablePool = {
    aligned: previous?.aligned ?? false,
    free: new Map(previous?.free),
    allocatable: new Map(previous?.allocatable),
    totalFree: previous?.totalFree ?? 0,
    totalAllocatable: previous?.totalAllocatable ?? 0,
    freeAt: new Int32Array(0),
    allocatableAt: new Int32Array(0),
    capacityAt: new Int32Array(0),
    capacity: new Map(previous?.capacity),
    maxFree: 0,
    maxAllocatable: 0,
  };
  for (const e of Array.isArray(entries) ? (entries as Record<string, unknown>[]) : []) {
    const k = e?.numaNode;
    if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < -1 || k > MAX_NUMA_NODE) continue;
    const free = count(e.free);
    const allocatable = Math.max(count(e.allocatable), free);
    out.totalFree += free;
    out.totalAllocatable += allocatable;
    if (k < 0) continue;
    const capacity = Math.max(count(e.capacity), allocatable);
    if (capacity > 0) out.aligned = true;
    out.capacity.set(k, (out.capacity.get(k) ?? 0) + capacity);
    out.free.set(k, (out.free.get(k) ?? 0) + free);
    out.allocatable.set(k, (out.allocatable.get(k) ?? 0) + allocatable);
  }
  return out;
}

const count = (x: unknown): number =>
  typeof x === 'number' && Number.isSafeInteger(x) && x > 0 ? Math.min(x, MAX_COUNT) : 0;
