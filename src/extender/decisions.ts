/**
 * Filter and prioritize: the core fit (src/core/fit) over the in-memory report index and the ledger. Runs
 * inside the scheduler's serial cycle, so it is synchronous: map reads and arithmetic, no await, no API call.
 */

import type { Pod } from '../api/core-v1.js';
import {
  type Fit,
  type FitOptions,
  fitNode,
  type Held,
  type Ledger,
  NO_REPORT,
  NOTHING_HELD,
  type NodeFitInput,
  type PodDemand,
  podDemand,
  STALE_REPORT,
} from '../core/fit/index.js';
import type { InflightHolds } from './inflight.js';
import type { ExtenderMetrics } from './metrics.js';
import type { NodeReports } from './node-reports.js';
import type { ExtenderVerbs } from './routes.js';
import type { FilterDecision, NodesRequest } from './wire.js';

export interface DecisionDeps {
  reports: NodeReports;
  /** Undefined: trust the reports alone (for comparison only: pods placed since a report are not counted). */
  ledger: Ledger | undefined;
  /** Pools the extender decides on: the configured ones and every pool a report names. */
  managed: ReadonlySet<string>;
  options: FitOptions;
  now: () => number;
  metrics: ExtenderMetrics;
  /** Holds for pods between our answer and their binding being seen; undefined without the ledger. */
  inflight?: InflightHolds;
  /** Told each filtered pod's demand (bind mode remembers it for the bind call). */
  onFiltered?: (pod: Pod, demand: PodDemand) => void;
}

/** The low-cardinality metric label of a rejection. */
export function reasonKind(fit: Fit): string {
  if (fit.reason === NO_REPORT) return 'no-report';
  if (fit.reason === STALE_REPORT) return 'stale-report';
  if (fit.reason?.startsWith('node has no ')) return 'pool-absent';
  if (fit.reason === null) return 'none';
  return fit.unresolvable ? 'never-fits' : 'full';
}

export interface Decisions extends Pick<ExtenderVerbs, 'filter' | 'prioritize'> {
  /** The demand of a pod for the managed pools, or the message why it cannot be read. */
  demandOf(pod: Pod): { ok: true; value: PodDemand } | { ok: false; message: string };
  /** The fit of a pod on one node now, under the ledger and the in-flight holds. */
  fitOn(demand: PodDemand, node: string): Fit;
  /**
   * Re-predicts where the kubelet puts the node's reserved pods (bound order) and then its held ones (filter
   * order), against its latest report: after the report or the node's reservations changed. Returns how many
   * reservations' predictions changed.
   */
  replan(node: string): number;
  /**
   * The same, deferred to the next fit on `node`: for the many nodes a bound pod had passed, where only the
   * order of the holds changed, so a bound event costs no fit per node passed.
   */
  replanLater(node: string): void;
}

export function createDecisions(deps: DecisionDeps): Decisions {
  const { reports, ledger, managed, options, metrics } = deps;

  const demandOf: Decisions['demandOf'] = (pod) => {
    const demand = podDemand(pod, managed);
    return demand.ok ? demand : { ok: false, message: demand.problem.message };
  };

  /** Nodes whose holds are to be predicted anew before their next fit. */
  const stale = new Set<string>();

  const fitOn = (demand: PodDemand, node: string, nowMs = deps.now()): Fit => {
    if (stale.size > 0 && stale.has(node)) replan(node);
    const report = reports.lookup(node, nowMs);
    return fitNode(
      demand,
      {
        capacity: report.kind === 'missing' ? undefined : report.capacity,
        stale: report.kind === 'stale',
        held: deps.inflight
          ? deps.inflight.heldOn(node, ledger?.heldOn(node) ?? NOTHING_HELD)
          : (ledger?.heldOn(node) ?? NOTHING_HELD),
      },
      options,
    );
  };

  /** The NUMA node the kubelet would pick for `demand` on a report with `held` taken; null: unknown or none. */
  const predictOn =
    (capacity: NodeFitInput['capacity']) =>
    (demand: PodDemand, held: Held): number | null => {
      const f = fitNode(demand, { capacity, held }, options);
      return f.fits ? f.numaNode : null;
    };

  function replan(node: string): number {
    stale.delete(node);
    const capacity = reports.capacity(node);
    if (!ledger || capacity === undefined) return 0;
    const predict = predictOn(capacity);
    const moved = ledger.replan(node, (r, before) =>
      r.podDemand ? predict(r.podDemand, before) : r.numaNode,
    );
    deps.inflight?.replan(node, ledger.heldOn(node), predict);
    return moved;
  }

  const replanLater = (node: string): void => {
    // Bounded by the nodes with reports: a node without one has nothing to replan.
    if (reports.capacity(node) !== undefined) stale.add(node);
  };

  /**
   * The scheduler calls prioritize right after filter, for the same pod and the nodes that passed: the
   * filter's scores are reused for a moment rather than computed twice. Scores only rank nodes the filter
   * already admitted, so a report that changed within that moment costs nothing but a slightly older rank.
   */
  let lastFilter: { uid: string; at: number; fits: Map<string, Fit> } | undefined;
  const REUSE_MS = 1000;

  const filter = (request: NodesRequest): FilterDecision => {
    const decision: FilterDecision = { fits: [], failed: {}, unresolvable: {} };
    const demand = demandOf(request.pod);
    if (!demand.ok) {
      // The pod itself is unreadable (e.g. "1.5" devices): no node can ever take it as written.
      for (const node of request.nodeNames) decision.unresolvable[node] = demand.message;
      metrics.rejected.inc({ reason: 'invalid-pod' }, request.nodeNames.length);
      return decision;
    }
    deps.onFiltered?.(request.pod, demand.value);
    const nowMs = deps.now();
    const uid = request.pod.metadata?.uid;
    const inflight = uid ? deps.inflight : undefined;
    inflight?.expire(nowMs);
    // The pod's own holds from an earlier attempt must not count against it.
    if (uid) inflight?.clear(uid);
    const passed = new Map<string, Fit>();
    const rejected = new Map<string, number>();
    for (const node of request.nodeNames) {
      const f = fitOn(demand.value, node, nowMs);
      if (f.fits) {
        decision.fits.push(node);
        passed.set(node, f);
        continue;
      }
      const reason = f.reason ?? 'does not fit';
      if (f.unresolvable) decision.unresolvable[node] = reason;
      else decision.failed[node] = reason;
      const kind = reasonKind(f);
      rejected.set(kind, (rejected.get(kind) ?? 0) + 1);
    }
    for (const [reason, n] of rejected) metrics.rejected.inc({ reason }, n);
    if (uid) {
      inflight?.hold(uid, demand.value, passed, nowMs);
      lastFilter = { uid, at: nowMs, fits: passed };
    }
    return decision;
  };

  const prioritize = (request: NodesRequest): { node: string; score: number }[] => {
    const nowMs = deps.now();
    const uid = request.pod.metadata?.uid;
    const reuse = uid !== undefined && lastFilter?.uid === uid && nowMs - lastFilter.at < REUSE_MS;
    if (reuse) {
      const cached = lastFilter!.fits;
      return request.nodeNames.map((node) => ({ node, score: cached.get(node)?.score ?? 0 }));
    }
    const demand = demandOf(request.pod);
    if (!demand.ok) return request.nodeNames.map((node) => ({ node, score: 0 }));
    const inflight = uid ? deps.inflight : undefined;
    if (uid) inflight?.clear(uid);
    const passed = new Map<string, Fit>();
    const scores = request.nodeNames.map((node) => {
      const f = fitOn(demand.value, node, nowMs);
      if (f.fits) passed.set(node, f);
      return { node, score: f.score };
    });
    if (uid) inflight?.hold(uid, demand.value, passed, nowMs);
    return scores;
  };

  return { filter, prioritize, demandOf, fitOn, replan, replanLater };
}
