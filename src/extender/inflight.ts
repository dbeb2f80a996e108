/**
 * Holds for pods in flight: between our filter answer and the moment the pod is seen bound, the scheduler has
 * already moved on to the next pod (binding is asynchronous: the Binding POST and its watch event take tens of
 * milliseconds, far longer than a scheduling cycle). Without a hold, the next pod's filter sees the devices the
 * first one is about to take as free, and the two can land on the same NUMA node: the race the ledger alone
 * leaves open. So the filter holds the pod's demand on every node it passed, each on the NUMA node the fit
 * chose, until the pod is seen bound (the ledger's own reservation on the chosen node replaces them), filtered
 * again, deleted, or `ttlMs` passes (the scheduler gave up on it). Pessimistic only for that short window and
 * only where the two pods would not both fit.
 */
import type { Demand, Ledger } from '../core/fit/index.js';

const SEPARATOR = '\u0000';

export class InflightHolds {
  /** Pod UID → when its holds lapse; insertion order is expiry order (the TTL is fixed). */
  private readonly holds = new Map<string, { nodes: string[]; expiresAt: number }>();

  constructor(
    private readonly ledger: Ledger,
    private readonly ttlMs: number,
  ) {}

  /** Replaces the pod's holds with one per node that passed, on the NUMA node predicted there. */
  hold(
    uid: string,
    demand: Demand,
    passed: ReadonlyArray<readonly [node: string, numaNode: number | null]>,
    now: number,
  ): void {
    this.clear(uid);
    if (demand.size === 0 || passed.length === 0) return;
    for (const [node, numaNode] of passed) {
      this.ledger.reserve({ podUid: `${uid}${SEPARATOR}${node}`, node, numaNode, demand }, now);
    }
    this.holds.set(uid, { nodes: passed.map(([node]) => node), expiresAt: now + this.ttlMs });
  }

  clear(uid: string): void {
    const held = this.holds.get(uid);
    if (!held) return;
    this.holds.delete(uid);
    for (const node of held.nodes) this.ledger.release(`${uid}${SEPARATOR}${node}`);
  }

  expire(now: number): void {
    for (const [uid, held] of this.holds) {
      if (held.expiresAt > now) break;
      this.clear(uid);
    }
  }

  get size(): number {
    return this.holds.size;
  }
}
