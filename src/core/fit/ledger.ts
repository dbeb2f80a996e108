/**
 * The reservation ledger: devices of pods that are placed on a node but not yet in that node's report, so the
 * next fit does not hand the same devices out twice. Pure data: the extender drives it from its informers and
 * clock (time is passed in, in ms), tests drive it directly.
 *
 * Lifecycle, per pod UID, never all-or-nothing per node:
 * - `reserve` when the pod is seen bound (any scheduler's, so pods placed by others are covered the same way) or
 *   when we bind it. A pod its node's last report already lists is not reserved: the report counts it.
 * - `observeReport` with each new report of a node: the reservations of the pods it lists are dropped.
 * - `release` when the pod is deleted or reaches a terminal phase (Succeeded, Failed) before being reported.
 * - `expire` after `ttlMs`, for reports that never come (an agent that lists the pod late or never).
 *
 * Bounded: at `maxReservations` the oldest reservation is evicted to make room (`evictions` counts them; an
 * evicted reservation under-counts its node until the report catches up, which a metric should make visible).
 * Reservations are kept in creation order and `createdAt` never decreases (a clock step back is clamped), so
 * expiry and eviction look only at the oldest entries.
 */
import type { Demand, PodDemand } from './demand.js';
import { applyHeld, emptyHeld, type Held, type HeldCounts, NOTHING_HELD } from './held.js';

export interface Reservation {
  readonly podUid: string;
  readonly node: string;
  /** The NUMA node predicted for the pod's devices; null when unknown (then held against every NUMA node). */
  readonly numaNode: number | null;
  readonly demand: Demand;
  /** The demand per container, when known: what a new prediction of `numaNode` aligns. */
  readonly podDemand?: PodDemand;
  /** ms, from the clock passed in. */
  readonly createdAt: number;
}

export interface LedgerOptions {
  /** How long a reservation waits for its node's report before it is dropped. */
  readonly ttlMs: number;
  readonly maxReservations: number;
}

export type ReserveOutcome = 'added' | 'kept' | 'reported';

export class Ledger {
  readonly #byPod = new Map<string, Reservation>();
  readonly #byNode = new Map<string, Map<string, Reservation>>();
  readonly #held = new Map<string, HeldCounts>();
  readonly #reported = new Map<string, ReadonlySet<string>>();
  #newest = Number.NEGATIVE_INFINITY;
  #evictions = 0;

  constructor(readonly options: LedgerOptions) {}

  /**
   * Reserves the pod's devices on its node. A pod already reserved keeps its first reservation (its age and
   * prediction: pod updates must not extend it); a pod the node's last report lists is not reserved.
   */
  reserve(r: Omit<Reservation, 'createdAt'>, now: number): ReserveOutcome {
    if (this.#byPod.has(r.podUid)) return 'kept';
    if (this.#reported.get(r.node)?.has(r.podUid)) return 'reported';
    while (this.#byPod.size >= Math.max(1, this.options.maxReservations)) {
      const oldest = this.#byPod.keys().next().value!;
      this.#drop(oldest);
      this.#evictions++;
    }
    this.#newest = Math.max(this.#newest, now);
    const reservation: Reservation = { ...r, demand: new Map(r.demand), createdAt: this.#newest };
    this.#byPod.set(r.podUid, reservation);
    let onNode = this.#byNode.get(r.node);
    if (!onNode) {
      onNode = new Map();
      this.#byNode.set(r.node, onNode);
      this.#held.set(r.node, emptyHeld());
    }
    onNode.set(r.podUid, reservation);
    applyHeld(this.#held.get(r.node)!, r.numaNode, reservation.demand, 1);
    return 'added';
  }

  /** Drops the pod's reservation (pod deleted, or terminal and not reported). True when there was one. */
  release(podUid: string): boolean {
    return this.#drop(podUid);
  }

  /**
   * A new report of `node` (undefined: the report is gone): drops the reservations of the pods it lists and
   * remembers the list, so a pod seen bound after its report is not reserved. Returns how many were dropped.
   */
  observeReport(node: string, reportedPods: ReadonlySet<string> | undefined): number {
    if (reportedPods === undefined) {
      this.#reported.delete(node);
      return 0;
    }
    this.#reported.set(node, reportedPods);
    const onNode = this.#byNode.get(node);
    if (!onNode) return 0;
    let dropped = 0;
    for (const uid of [...onNode.keys()]) if (reportedPods.has(uid) && this.#drop(uid)) dropped++;
    return dropped;
  }

  /**
   * Predicts anew, oldest first, the NUMA node of every reservation on `node`: `predict` is told the devices
   * held by the reservations before it, as the kubelet admits pods one by one in the order they were bound.
   * Called whenever the node's report or its reservations change: a prediction made against an older report
   * (or around pods since reported elsewhere than predicted) would hold the wrong NUMA node. Returns how many
   * predictions changed.
   */
  replan(node: string, predict: (r: Reservation, before: Held) => number | null): number {
    const onNode = this.#byNode.get(node);
    if (!onNode) return 0;
    const held = emptyHeld();
    let changed = 0;
    for (const [uid, r] of onNode) {
      const numaNode = predict(r, held);
      if (numaNode !== r.numaNode) {
        const moved: Reservation = { ...r, numaNode };
        onNode.set(uid, moved);
        this.#byPod.set(uid, moved);
        changed++;
      }
      applyHeld(held, numaNode, r.demand, 1);
    }
    this.#held.set(node, held);
    return changed;
  }

  /** Nodes with open reservations. */
  nodes(): IterableIterator<string> {
    return this.#byNode.keys();
  }

  /** Drops reservations older than the TTL at `now`; returns how many. */
  expire(now: number): number {
    let dropped = 0;
    for (const r of this.#byPod.values()) {
      if (r.createdAt + this.options.ttlMs > now) break;
      this.#drop(r.podUid);
      dropped++;
    }
    return dropped;
  }

  /** Devices held on `node`; O(1), kept up to date as reservations come and go. Do not keep it across changes. */
  heldOn(node: string): Held {
    return this.#held.get(node) ?? NOTHING_HELD;
  }

  /** The open reservations on `node`, oldest first: O(reservations on that node). */
  reservationsOn(node: string): Reservation[] {
    return [...(this.#byNode.get(node)?.values() ?? [])];
  }

  get(podUid: string): Reservation | undefined {
    return this.#byPod.get(podUid);
  }

  get size(): number {
    return this.#byPod.size;
  }

  /** Reservations dropped to stay within `maxReservations`, since creation. */
  get evictions(): number {
    return this.#evictions;
  }

  #drop(podUid: string): boolean {
    const r = this.#byPod.get(podUid);
    if (!r) return false;
    this.#byPod.delete(podUid);
    const onNode = this.#byNode.get(r.node)!;
    onNode.delete(podUid);
    applyHeld(this.#held.get(r.node)!, r.numaNode, r.demand, -1);
    if (onNode.size === 0) {
      this.#byNode.delete(r.node);
      this.#held.delete(r.node);
    }
    return true;
  }
}
