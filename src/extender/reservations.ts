/**
 * Keeps the ledger in step with the cluster: a pod seen bound to a node reserves its devices there (whoever
 * scheduled it), a report that lists the pod settles the reservation, a pod deleted or terminal releases it,
 * and a TTL drops reservations whose report never comes. The handlers are synchronous and cheap, so a relist
 * of thousands of pods does not hold the event loop for long.
 */

import type { Pod } from '../api/core-v1.js';
import type { Ledger, NodeCapacity, PodDemand } from '../core/fit/index.js';
import type { Logger } from '../telemetry/logger.js';
import type { Decisions } from './decisions.js';
import type { InflightHolds } from './inflight.js';
import type { ExtenderMetrics } from './metrics.js';

export interface BoundPod extends Pod {
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
  spec?: Pod['spec'] & { nodeName?: string };
  status?: { phase?: string };
}

const TERMINAL = new Set(['Succeeded', 'Failed']);

export class ReservationFeed {
  /**
   * UIDs already seen bound: a pod is reserved once, when first seen on its node, so later updates of the
   * same pod (status changes) neither extend nor re-create a reservation the TTL or a report has dropped.
   * Keyed to the node: a bind-mode reservation on one node is moved if the pod turns up bound to another.
   */
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly ledger: Ledger,
    private readonly decisions: Decisions,
    private readonly deps: {
      now: () => number;
      metrics: ExtenderMetrics;
      log: Logger;
      inflight?: InflightHolds;
    },
  ) {}

  /**
   * Drops the pod's in-flight holds: it is bound (or being bound) to one node now. The other holds on the
   * nodes it had passed were predicted around it, so they are predicted again before those nodes' next fit.
   */
  clearInflight(uid: string): void {
    for (const node of [...(this.deps.inflight?.clear(uid) ?? [])]) this.decisions.replanLater(node);
  }

  /** A pod added or modified (from the informer of pods with spec.nodeName set). */
  onPod(pod: BoundPod): void {
    const uid = pod.metadata?.uid;
    const node = pod.spec?.nodeName;
    if (!uid || !node) return;
    if (TERMINAL.has(pod.status?.phase ?? '')) {
      // The kubelet frees a terminal pod's devices; its report may still list them until the next write,
      // which then drops nothing, so only an unreported reservation needs releasing here.
      this.drop(uid, 'released');
      return;
    }
    if (this.seen.get(uid) === node) return;
    this.seen.set(uid, node);
    this.clearInflight(uid);
    const held = this.ledger.get(uid);
    if (held && held.node !== node) this.drop(uid, 'released');
    this.reserve(uid, node, pod);
  }

  /** The node the pod holds a reservation on (bound, or being bound by us), if any. */
  reservedNode(uid: string): string | undefined {
    return this.ledger.get(uid)?.node;
  }

  /** Reserves a pod we are about to bind (bind mode); the informer's later sighting keeps this one. */
  reserveBinding(uid: string, node: string, demand: PodDemand, numaNode: number | null): void {
    this.seen.set(uid, node);
    this.clearInflight(uid);
    const outcome = this.ledger.reserve(
      { podUid: uid, node, numaNode, demand: demand.pod, podDemand: demand },
      this.deps.now(),
    );
    if (outcome === 'added') this.deps.metrics.reservationEvents.inc({ event: 'reserved' });
    this.decisions.replan(node);
    this.sync();
  }

  /** A bind to `node` that failed: the pod goes back to the scheduler and is not on that node. */
  cancelBinding(uid: string, node: string): void {
    if (this.ledger.get(uid)?.node !== node) return;
    this.seen.delete(uid);
    this.drop(uid, 'released');
  }

  onPodDeleted(pod: BoundPod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    this.seen.delete(uid);
    this.clearInflight(uid);
    this.drop(uid, 'released');
  }

  /** A node's report changed (undefined: deleted): reservations of the pods it lists are settled. */
  onReport(node: string, capacity: NodeCapacity | undefined): void {
    const settled = this.ledger.observeReport(node, capacity?.reportedPods);
    if (settled > 0) this.deps.metrics.reservationEvents.inc({ event: 'settled' }, settled);
    // Where the kubelet puts the pods still to come depends on where it put those just reported.
    const moved = this.decisions.replan(node);
    if (moved > 0) this.deps.metrics.reservationEvents.inc({ event: 'moved' }, moved);
    this.sync();
  }

  /** Drops reservations past their TTL; called on a timer. */
  expire(): void {
    const nodes = [...this.ledger.nodes()];
    const expired = this.ledger.expire(this.deps.now());
    if (expired > 0) {
      for (const node of nodes) this.decisions.replan(node);
      this.deps.metrics.reservationEvents.inc({ event: 'expired' }, expired);
      this.deps.log.warn({ expired }, 'reservations expired before their node reported the pods');
    }
    this.sync();
  }

  private reserve(uid: string, node: string, pod: BoundPod): void {
    const demand = this.decisions.demandOf(pod);
    if (!demand.ok || demand.value.pod.size === 0) return;
    // The NUMA node the kubelet will pick is predicted by `replan`, against the report and the pods bound
    // before this one only: the kubelet knows nothing of pods still in flight (null until then).
    const outcome = this.ledger.reserve(
      { podUid: uid, node, numaNode: null, demand: demand.value.pod, podDemand: demand.value },
      this.deps.now(),
    );
    if (outcome === 'added') this.deps.metrics.reservationEvents.inc({ event: 'reserved' });
    this.decisions.replan(node);
    this.sync();
  }

  private drop(uid: string, event: 'released'): void {
    const node = this.ledger.get(uid)?.node;
    if (this.ledger.release(uid)) this.deps.metrics.reservationEvents.inc({ event });
    if (node !== undefined) this.decisions.replan(node);
    this.sync();
  }

  private sync(): void {
    this.deps.metrics.reservations.set(this.ledger.size);
  }
}
