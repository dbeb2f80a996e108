/**
 * `restricted`, as the kubelet decides it: the pod is admitted only when the Topology Manager's merged hint is
 * *preferred*. For a device pool a hint is preferred when its NUMA mask is as narrow as any mask could be given
 * all the pool's devices (healthy or not, free or not): the narrowest width `m` whose `m` largest NUMA nodes
 * hold the request. So a pool whose request one NUMA node could ever hold must find it on one NUMA node now,
 * exactly as under `single-numa-node`; a larger request may span `m` NUMA nodes, but no more. Hints of several
 * pools merge by intersecting their masks, so the preferred masks must share a NUMA node.
 *
 * Checked for pod scope and for container scope when one container asks for devices (the same thing). With
 * several containers under container scope the devices of a multi-NUMA mask are picked by the device plugin,
 * which a scheduler cannot predict, so that case is checked on the node's total free devices only.
 */
import type { Alignment } from './align.js';
import type { NodeCapacity, PoolCapacity } from './capacity.js';
import type { Demand } from './demand.js';
import { type Held, heldAt } from './held.js';

interface Need {
  readonly pool: string;
  readonly n: number;
  /** The preferred mask width; Infinity when even all NUMA nodes together never held enough. */
  readonly width: number;
  /** Usable devices by NUMA node position. */
  readonly usable: Int32Array;
}

/** Whether the preferred hints of every pool can share a NUMA node; which (lowest), and whether it is alone. */
export function alignRestricted(
  cap: NodeCapacity,
  demand: Demand,
  held: Held | undefined,
  basis: 'free' | 'allocatable',
): Alignment & { narrow?: boolean } {
  const withHeld = basis === 'free' ? held : undefined;
  const needs: Need[] = [];
  let buckets = 0;
  let total = 0;
  for (const [pool, n] of demand) {
    const p = cap.pools.get(pool)!;
    total += n;
    // The kubelet's first check, for every pool: enough devices at all, wherever they are.
    const bucket = (basis === 'free' ? p.totalFree : p.totalAllocatable) - (withHeld?.total.get(pool) ?? 0);
    if (bucket < n) return { ok: false, shortfall: { kind: 'total', needs: [[pool, n]] } };
    if (!p.aligned) {
      buckets += bucket;
      continue;
    }
    needs.push({ pool, n, width: narrowest(p, n), usable: usableOf(cap, p, pool, withHeld, basis) });
  }
  if (needs.length === 0) return { ok: true, numaNode: null, before: buckets, after: buckets - total };
  for (let i = 0; i < cap.numaNodes.length; i++) {
    if (needs.every((need) => bestWith(need, i) >= need.n)) {
      const narrow = needs.every((need) => need.width === 1);
      let before = buckets;
      for (const need of needs) before += need.usable[i]!;
      return { ok: true, numaNode: cap.numaNodes[i]!, before, after: before - total, narrow };
    }
  }
  const alone = needs.find((need) => !cap.numaNodes.some((_, i) => bestWith(need, i) >= need.n));
  const failing = alone ? [alone] : needs;
  return {
    ok: false,
    shortfall: {
      kind: 'numa',
      needs: failing.map((need) => [need.pool, need.n] as const),
      width: Math.max(...failing.map((need) => need.width)),
    },
  };
}

/** The smallest number of NUMA nodes whose devices could ever hold `n` (the kubelet's `minAffinitySize`). */
function narrowest(p: PoolCapacity, n: number): number {
  const sorted = [...p.capacityAt].sort((a, b) => b - a);
  let sum = 0;
  for (let m = 0; m < sorted.length; m++) {
    sum += sorted[m]!;
    if (sum >= n) return m + 1;
  }
  return Number.POSITIVE_INFINITY;
}

function usableOf(
  cap: NodeCapacity,
  p: PoolCapacity,
  pool: string,
  held: Held | undefined,
  basis: 'free' | 'allocatable',
): Int32Array {
  const source = basis === 'free' ? p.freeAt : p.allocatableAt;
  if (!held) return source;
  return source.map((v, i) => Math.max(0, v - heldAt(held, pool, cap.numaNodes[i]!)));
}

/** The most devices a preferred mask containing NUMA node position `i` can offer: `i` and the best others. */
function bestWith(need: Need, i: number): number {
  if (!Number.isFinite(need.width)) return -1;
  let sum = need.usable[i]!;
  if (need.width > 1) {
    const others = [...need.usable].filter((_, j) => j !== i).sort((a, b) => b - a);
    for (let j = 0; j < need.width - 1 && j < others.length; j++) sum += others[j]!;
  }
  return sum;
}
