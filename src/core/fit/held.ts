/**
 * Devices held on one node by open reservations (pods placed but not yet in the node's report), as the fit
 * subtracts them. The ledger keeps one per node up to date; tests build them with `heldOf`.
 */
import type { Demand } from './demand.js';

export interface Held {
  /** Predicted NUMA node (≥ 0) → pool → devices. */
  readonly byNuma: ReadonlyMap<number, ReadonlyMap<string, number>>;
  /**
   * Pool → devices of reservations whose NUMA node is not known (no prediction, or containers predicted on
   * different NUMA nodes). They could sit on any NUMA node, so the fit subtracts them from every one.
   */
  readonly anyNuma: ReadonlyMap<string, number>;
  /** Pool → devices of all reservations on the node. */
  readonly total: ReadonlyMap<string, number>;
}

export const NOTHING_HELD: Held = { byNuma: new Map(), anyNuma: new Map(), total: new Map() };

/** What the fit must take away from the free devices of `pool` on NUMA node `numaNode`. */
export function heldAt(held: Held, pool: string, numaNode: number): number {
  return (held.byNuma.get(numaNode)?.get(pool) ?? 0) + (held.anyNuma.get(pool) ?? 0);
}

/** Mutable form, changed in place by the ledger as reservations come and go. */
export interface HeldCounts extends Held {
  readonly byNuma: Map<number, Map<string, number>>;
  readonly anyNuma: Map<string, number>;
  readonly total: Map<string, number>;
}

export function emptyHeld(): HeldCounts {
  return { byNuma: new Map(), anyNuma: new Map(), total: new Map() };
}

/** Adds (`sign` 1) or removes (`sign` −1) one reservation's devices; entries that reach 0 are deleted. */
export function applyHeld(held: HeldCounts, numaNode: number | null, demand: Demand, sign: 1 | -1): void {
  let target: Map<string, number>;
  if (numaNode === null || numaNode < 0) target = held.anyNuma;
  else {
    let m = held.byNuma.get(numaNode);
    if (!m) {
      m = new Map();
      held.byNuma.set(numaNode, m);
    }
    target = m;
  }
  for (const [pool, n] of demand) {
    bump(target, pool, sign * n);
    bump(held.total, pool, sign * n);
  }
  if (numaNode !== null && numaNode >= 0 && target.size === 0) held.byNuma.delete(numaNode);
}

function bump(m: Map<string, number>, key: string, delta: number): void {
  const v = (m.get(key) ?? 0) + delta;
  if (v > 0) m.set(key, v);
  else m.delete(key);
}

/** Held devices of a list of reservations (tests, offline use). */
export function heldOf(reservations: Iterable<{ numaNode: number | null; demand: Demand }>): Held {
  const held = emptyHeld();
  for (const r of reservations) applyHeld(held, r.numaNode, r.demand, 1);
  return held;
}
