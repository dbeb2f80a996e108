/**
 * Holds for pods in flight: between our filter answer and the moment the pod is seen bound, the scheduler has
 * already moved on to the next pod (binding is asynchronous: the Binding POST and its watch event take tens of
 * milliseconds, far longer than a scheduling cycle). Without a hold, the next pod's filter sees the devices the
 * first one is about to take as free, and the two can land on the same NUMA node: the race the ledger alone
 * leaves open. So the filter holds the pod's demand on every node it passed, each on the NUMA node the fit
 * chose there, until the pod is seen bound (the ledger's reservation on the chosen node replaces them), is
 * filtered again, is deleted, or `ttlMs` passes (the scheduler gave up on it). Pessimistic only for that short
 * window and only where the two pods would not both fit; the binding that ends the window is a cluster event,
 * which requeues a pod rejected meanwhile.
 *
 * Kept apart from the ledger and cheap on the hot path: a hold is one map of node → NUMA node; a node no pod in
 * flight passed reads the ledger's own counts, and one that some did is summed into a scratch object reused
 * from call to call (the fit reads it and keeps nothing).
 */
import { applyHeld, emptyHeld, type Held, type PodDemand } from '../core/fit/index.js';

interface Hold {
  demand: PodDemand;
  /** Node → the NUMA node predicted there (null: any), for every node it passed; re-predicted by `replan`. */
  numaByNode: Map<string, number | null>;
  expiresAt: number;
}

interface Scratch {
  byNuma: Map<number, Map<string, number>>;
  anyNuma: Map<string, number>;
  total: Map<string, number>;
}

function add(m: Map<string, number>, pool: string, n: number): void {
  m.set(pool, (m.get(pool) ?? 0) + n);
}

export class InflightHolds {
  /** Pod UID → its holds; insertion order is expiry order (the TTL is fixed). */
  private readonly holds = new Map<string, Hold>();
  private readonly scratch: Scratch = { byNuma: new Map(), anyNuma: new Map(), total: new Map() };
  /** Inner per-NUMA maps of the scratch, kept for reuse. */
  private readonly spare: Map<string, number>[] = [];

  constructor(private readonly ttlMs: number) {}

  /** Replaces the pod's holds with one per node that passed (node → its fit), on the NUMA node predicted there. */
  hold(
    uid: string,
    demand: PodDemand,
    passed: ReadonlyMap<string, { readonly numaNode: number | null }>,
    now: number,
  ): void {
    this.holds.delete(uid);
    if (demand.pod.size === 0 || passed.size === 0) return;
    const numaByNode = new Map<string, number | null>();
    for (const [node, fit] of passed) numaByNode.set(node, fit.numaNode);
    this.holds.set(uid, { demand, numaByNode, expiresAt: now + this.ttlMs });
  }

  /**
   * Predicts anew, in the order the pods were filtered, the NUMA node of every hold on `node`, on top of
   * `base` (the ledger's reservations there, which the kubelet admits first: those pods are bound already).
   * `predict` is told what is held before each; null when it no longer fits there (held on every NUMA node:
   * the scheduler may still send it). Called when the node's report or reservations change, since a NUMA
   * node predicted against the old picture is not where the kubelet would put the pod now.
   */
  replan(node: string, base: Held, predict: (demand: PodDemand, before: Held) => number | null): void {
    let held: ReturnType<typeof emptyHeld> | undefined;
    for (const hold of this.holds.values()) {
      if (!hold.numaByNode.has(node)) continue;
      held ??= copyHeld(base);
      const numaNode = predict(hold.demand, held);
      hold.numaByNode.set(node, numaNode);
      applyHeld(held, numaNode, hold.demand.pod, 1);
    }
  }

  /** Drops the pod's holds; returns the nodes they were on (their other holds may be predicted anew). */
  clear(uid: string): Iterable<string> {
    const hold = this.holds.get(uid);
    if (!hold) return [];
    this.holds.delete(uid);
    return hold.numaByNode.keys();
  }

  expire(now: number): void {
    for (const [uid, held] of this.holds) {
      if (held.expiresAt > now) break;
      this.holds.delete(uid);
    }
  }

  get size(): number {
    return this.holds.size;
  }

  /**
   * What the fit must take away on `node`: the ledger's `held` plus every hold there. Returns `held` itself when
   * nothing in flight passed the node; otherwise the scratch object, valid until the next call.
   */
  heldOn(node: string, held: Held): Held {
    if (this.holds.size === 0) return held;
    let scratch: Scratch | undefined;
    for (const hold of this.holds.values()) {
      const numaNode = hold.numaByNode.get(node);
      if (numaNode === undefined) continue;
      scratch ??= this.reset(held);
      let target = scratch.anyNuma;
      if (numaNode !== null && numaNode >= 0) {
        let inner = scratch.byNuma.get(numaNode);
        if (!inner) {
          inner = this.spare.pop() ?? new Map();
          scratch.byNuma.set(numaNode, inner);
        }
        target = inner;
      }
      for (const [pool, n] of hold.demand.pod) {
        add(target, pool, n);
        add(scratch.total, pool, n);
      }
    }
    return scratch ?? held;
  }

  private reset(held: Held): Scratch {
    const s = this.scratch;
    for (const inner of s.byNuma.values()) {
      inner.clear();
      this.spare.push(inner);
    }
    s.byNuma.clear();
    s.anyNuma.clear();
    s.total.clear();
    for (const [numaNode, pools] of held.byNuma) {
      const inner = this.spare.pop() ?? new Map();
      for (const [pool, n] of pools) inner.set(pool, n);
      s.byNuma.set(numaNode, inner);
    }
    for (const [pool, n] of held.anyNuma) s.anyNuma.set(pool, n);
    for (const [pool, n] of held.total) s.total.set(pool, n);
    return s;
  }
}

function copyHeld(held: Held): ReturnType<typeof emptyHeld> {
  const out = emptyHeld();
  for (const [numaNode, pools] of held.byNuma) out.byNuma.set(numaNode, new Map(pools));
  for (const [pool, n] of held.anyNuma) out.anyNuma.set(pool, n);
  for (const [pool, n] of held.total) out.total.set(pool, n);
  return out;
}
