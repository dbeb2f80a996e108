/**
 * `single-numa-node` alignment, as the kubelet's Topology Manager and device manager decide it.
 *
 * Pod scope: one NUMA node must hold the pod's whole demand of every aligned pool at once; pools without topology
 * (see capacity.ts) only need enough devices in their shared bucket. The kubelet picks the narrowest preferred
 * hint and, among single NUMA nodes, the lowest-numbered one: so do we.
 *
 * Container scope: each container is aligned on its own, init containers first, then app containers, each taking
 * devices from the NUMA node predicted for it (lowest feasible). The device manager's reuse rule is modelled: a
 * plain init container's devices are handed to the containers after it (taken first), and while a pool has
 * reusable devices a container asking for that pool can only be aligned to the NUMA node those devices are on.
 * Restartable init containers (sidecars) and app containers keep their devices.
 */
import type { NodeCapacity, PoolCapacity } from './capacity.js';
import type { ContainerDemand, Demand } from './demand.js';
import { type Held, heldAt } from './held.js';

/** Devices a fit may take, per pool: by NUMA node for aligned pools, one bucket for pools without topology. */
export interface PoolAvail {
  readonly aligned: boolean;
  readonly perNuma: Map<number, number>;
  bucket: number;
  /** Container scope: devices of finished plain init containers, by NUMA node (aligned) or in `reuseAny`. */
  readonly reuse: Map<number, number>;
  reuseAny: number;
}

export type Avail = Map<string, PoolAvail>;

/** What could not be met: `numa` when no NUMA node holds `needs` (all at once), `total` when the node lacks it. */
export interface Shortfall {
  readonly kind: 'numa' | 'total';
  readonly needs: ReadonlyArray<readonly [pool: string, count: number]>;
  readonly container?: string;
  /** `restricted`: how many NUMA nodes the kubelet lets the devices span (1 when absent; Infinity: none do). */
  readonly width?: number;
}

export type Alignment =
  | { readonly ok: true; readonly numaNode: number | null; readonly before: number; readonly after: number }
  | { readonly ok: false; readonly shortfall: Shortfall };

/** The devices usable for `pools`: `free` minus held reservations (clamped at 0), or `allocatable` alone. */
export function availability(
  cap: NodeCapacity,
  held: Held | undefined,
  pools: Iterable<string>,
  basis: 'free' | 'allocatable',
): Avail {
  const out: Avail = new Map();
  for (const pool of pools) {
    const p = cap.pools.get(pool);
    const perNuma = new Map<number, number>();
    let bucket = 0;
    if (p?.aligned) {
      const source = basis === 'free' ? p.free : p.allocatable;
      for (const [k, n] of source) perNuma.set(k, Math.max(0, n - (held ? heldAt(held, pool, k) : 0)));
    } else if (p) {
      const total = basis === 'free' ? p.totalFree : p.totalAllocatable;
      bucket = Math.max(0, total - (held?.total.get(pool) ?? 0));
    }
    out.set(pool, { aligned: p?.aligned ?? false, perNuma, bucket, reuse: new Map(), reuseAny: 0 });
  }
  return out;
}

/**
 * Pod scope (and container scope with one container): the lowest NUMA node holding all of `demand`, or why none
 * does. The hot path of every filter call: it reads the report's dense arrays and allocates three short arrays.
 */
export function alignPod(
  cap: NodeCapacity,
  demand: Demand,
  held: Held | undefined,
  basis: 'free' | 'allocatable',
): Alignment {
  const withHeld = basis === 'free' && held !== undefined && held.total.size > 0 ? held : undefined;
  // The aligned pools of the demand, resolved once: the NUMA loop below then reads arrays only.
  const pools: PoolCapacity[] = [];
  const names: string[] = [];
  const counts: number[] = [];
  let buckets = 0;
  let total = 0;
  // Without reservations, a pool no NUMA node holds alone is known before any NUMA loop.
  let hopeless: readonly [string, number] | undefined;
  for (const [pool, n] of demand) {
    const p = cap.pools.get(pool)!;
    total += n;
    if (p.aligned) {
      if (!withHeld && !hopeless && (basis === 'free' ? p.maxFree : p.maxAllocatable) < n)
        hopeless = [pool, n];
      pools.push(p);
      names.push(pool);
      counts.push(n);
      continue;
    }
    const bucket = (basis === 'free' ? p.totalFree : p.totalAllocatable) - (withHeld?.total.get(pool) ?? 0);
    if (bucket < n) return { ok: false, shortfall: { kind: 'total', needs: [[pool, n]] } };
    buckets += bucket;
  }
  if (pools.length === 0) return { ok: true, numaNode: null, before: buckets, after: buckets - total };
  if (hopeless) return { ok: false, shortfall: { kind: 'numa', needs: [hopeless] } };
  const numaNodes = cap.numaNodes;
  for (let i = 0; i < numaNodes.length; i++) {
    let usable = buckets;
    for (let j = 0; j < pools.length && usable >= 0; j++) {
      const v = usableAt(cap, pools[j]!, names[j]!, withHeld, basis, i);
      usable = v < counts[j]! ? -1 : usable + v;
    }
    if (usable >= 0) return { ok: true, numaNode: numaNodes[i]!, before: usable, after: usable - total };
  }
  // None holds them all: name the first pool no NUMA node holds alone, else all of them at once.
  for (let j = 0; j < pools.length; j++) {
    let somewhere = false;
    for (let i = 0; i < numaNodes.length && !somewhere; i++)
      somewhere = usableAt(cap, pools[j]!, names[j]!, withHeld, basis, i) >= counts[j]!;
    if (!somewhere) return { ok: false, shortfall: { kind: 'numa', needs: [[names[j]!, counts[j]!]] } };
  }
  return {
    ok: false,
    shortfall: { kind: 'numa', needs: names.map((name, j) => [name, counts[j]!] as const) },
  };
}

/** Usable devices of one aligned pool on the i-th NUMA node (a plain function: no closure on the hot path). */
function usableAt(
  cap: NodeCapacity,
  p: PoolCapacity,
  pool: string,
  held: Held | undefined,
  basis: 'free' | 'allocatable',
  i: number,
): number {
  const v = basis === 'free' ? p.freeAt[i]! : p.allocatableAt[i]!;
  return held ? Math.max(0, v - heldAt(held, pool, cap.numaNodes[i]!)) : v;
}

/** Container scope: aligns the containers in order, taking their devices from `avail` (which it changes). */
export function alignContainers(
  numaNodes: readonly number[],
  containers: readonly ContainerDemand[],
  avail: Avail,
): Alignment {
  const initial = snapshot(avail);
  const chosen = new Set<number>();
  for (const c of containers) {
    const short = unalignedShortfall(c.demand, avail);
    if (short) return { ok: false, shortfall: { ...short, container: c.name } };
    const k = lowestFeasible(numaNodes, c.demand, avail);
    if (k === undefined)
      return { ok: false, shortfall: { ...numaShortfall(numaNodes, c.demand, avail), container: c.name } };
    if (k !== null) chosen.add(k);
    take(c, k, avail);
  }
  const after = snapshot(avail);
  let before = 0;
  let left = 0;
  for (const [key, n] of initial) {
    if (after.get(key) === n) continue;
    before += n;
    left += after.get(key) ?? 0;
  }
  const numaNode = chosen.size === 1 ? [...chosen][0]! : null;
  return { ok: true, numaNode, before, after: left };
}

/** `null`: no aligned pool asked for, any NUMA node will do; `undefined`: none fits. */
function lowestFeasible(
  numaNodes: readonly number[],
  demand: Demand,
  avail: Avail,
): number | null | undefined {
  let anyAligned = false;
  for (const pool of demand.keys()) if (avail.get(pool)?.aligned) anyAligned = true;
  if (!anyAligned) return null;
  for (const k of numaNodes) {
    let fits = true;
    for (const [pool, n] of demand) {
      const p = avail.get(pool)!;
      if (p.aligned && !fitsOn(p, k, n)) {
        fits = false;
        break;
      }
    }
    if (fits) return k;
  }
  return undefined;
}

function fitsOn(p: PoolAvail, k: number, n: number): boolean {
  for (const [r, m] of p.reuse) if (r !== k && m > 0) return false;
  return (p.perNuma.get(k) ?? 0) + (p.reuse.get(k) ?? 0) >= n;
}

function unalignedShortfall(demand: Demand, avail: Avail): Shortfall | undefined {
  for (const [pool, n] of demand) {
    const p = avail.get(pool)!;
    if (!p.aligned && p.bucket + p.reuseAny < n) return { kind: 'total', needs: [[pool, n]] };
  }
  return undefined;
}

/** The first aligned pool no NUMA node holds alone; or, when each fits somewhere, all of them at once. */
function numaShortfall(numaNodes: readonly number[], demand: Demand, avail: Avail): Shortfall {
  const aligned = [...demand].filter(([pool]) => avail.get(pool)!.aligned);
  for (const [pool, n] of aligned) {
    const p = avail.get(pool)!;
    if (!numaNodes.some((k) => fitsOn(p, k, n))) return { kind: 'numa', needs: [[pool, n]] };
  }
  return { kind: 'numa', needs: aligned };
}

function take(c: ContainerDemand, k: number | null, avail: Avail): void {
  for (const [pool, n] of c.demand) {
    const p = avail.get(pool)!;
    if (p.aligned && k !== null) {
      const reused = Math.min(n, p.reuse.get(k) ?? 0);
      p.perNuma.set(k, (p.perNuma.get(k) ?? 0) - (n - reused));
      const kept = (p.reuse.get(k) ?? 0) - reused + (c.kind === 'init' ? n : 0);
      if (kept > 0) p.reuse.set(k, kept);
      else p.reuse.delete(k);
    } else {
      const reused = Math.min(n, p.reuseAny);
      p.bucket -= n - reused;
      p.reuseAny += (c.kind === 'init' ? n : 0) - reused;
    }
  }
}

/** Devices not yet taken, per pool and NUMA node (`pool\u0000k`, `pool\u0000*` for buckets). */
function snapshot(avail: Avail): Map<string, number> {
  const out = new Map<string, number>();
  for (const [pool, p] of avail) {
    if (p.aligned) for (const [k, n] of p.perNuma) out.set(`${pool}\u0000${k}`, n);
    else out.set(`${pool}\u0000*`, p.bucket);
  }
  return out;
}
