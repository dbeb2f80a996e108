/**
 * Does a pod fit a node, and how well: the extender's filter and prioritize decision for one node.
 *
 * - No managed demand: fits everywhere (the scheduler would not even ask).
 * - No report, or a stale one: rejected (`FailedNodes`) unless `missingReport: 'allow'` (fail open, score 0).
 * - `single-numa-node`: one NUMA node must hold the demand (align.ts), counting free devices minus held
 *   reservations; the chosen NUMA node is the one the kubelet would pick.
 * - `restricted`: the kubelet's preferred-hint rule (restricted.ts): devices on as few NUMA nodes as they could
 *   ever be, sharing a NUMA node across pools; `numaNode` is null (the kubelet may span NUMA nodes).
 * - `best-effort`, `none` (and `restricted` with several device containers in container scope): the node's
 *   total free devices must cover the demand; the score still prefers nodes where one NUMA node would hold it.
 * `unresolvable` (→ `FailedAndUnresolvableNodes`) says that even with every device free (allocatable, no
 * reservation) the node could not take the pod, so preempting pods there cannot help.
 */
import { type Alignment, alignContainers, alignPod, availability, type Shortfall } from './align.js';
import type { NodeCapacity } from './capacity.js';
import type { PodDemand } from './demand.js';
import type { Held } from './held.js';
import { NO_REPORT, poolAbsent, STALE_REPORT, shortfallReason } from './reasons.js';
import { alignRestricted } from './restricted.js';
import { alignedScore, SCORE_UNALIGNED, SCORE_UNKNOWN, type ScoreStrategy } from './score.js';

export type MissingReportPolicy = 'reject' | 'allow';

export interface FitOptions {
  readonly score: ScoreStrategy;
  /** What a node without a report, or with a stale one, gets: rejected, or admitted with score 0. */
  readonly missingReport: MissingReportPolicy;
}

export const DEFAULT_FIT_OPTIONS: FitOptions = { score: 'tight', missingReport: 'reject' };

export interface NodeFitInput {
  /** The node's report, indexed by `indexReport`; undefined when the node has none. */
  readonly capacity: NodeCapacity | undefined;
  /** The report is not to be trusted: the agent's Lease lapsed, or the report is older than allowed. */
  readonly stale?: boolean;
  /** Devices held by open reservations on this node (`Ledger.heldOn`), already settled against this report. */
  readonly held?: Held;
}

export interface Fit {
  readonly fits: boolean;
  /** Under `single-numa-node`, the NUMA node the kubelet will choose; null otherwise or when it does not fit. */
  readonly numaNode: number | null;
  /** 0–10, integer. 0 when it does not fit. */
  readonly score: number;
  /** Why it does not fit; null when it fits. */
  readonly reason: string | null;
  /** It would not fit even on an empty node: `FailedAndUnresolvableNodes`. */
  readonly unresolvable: boolean;
}

const FITS_BLIND: Fit = {
  fits: true,
  numaNode: null,
  score: SCORE_UNKNOWN,
  reason: null,
  unresolvable: false,
};

const reject = (reason: string, unresolvable: boolean): Fit => ({
  fits: false,
  numaNode: null,
  score: 0,
  reason,
  unresolvable,
});

export function fitNode(
  demand: PodDemand,
  node: NodeFitInput,
  options: FitOptions = DEFAULT_FIT_OPTIONS,
): Fit {
  if (demand.pod.size === 0) return FITS_BLIND;
  const cap = node.capacity;
  if (cap === undefined || node.stale) {
    if (options.missingReport === 'allow') return FITS_BLIND;
    return reject(cap === undefined ? NO_REPORT : STALE_REPORT, false);
  }
  for (const pool of demand.pod.keys()) if (!cap.pools.has(pool)) return reject(poolAbsent(pool), true);
  if (cap.policy === 'single-numa-node') return alignedFit(demand, cap, node.held, options);
  if (cap.policy === 'restricted' && (cap.scope === 'pod' || demand.containers.length === 1))
    return restrictedFit(demand, cap, node.held, options);
  return totalFit(demand, cap, node.held, options);
}

/** Fits every node in `nodes`, in their order. */
export function fitNodes(
  demand: PodDemand,
  nodes: Iterable<readonly [name: string, node: NodeFitInput]>,
  options: FitOptions = DEFAULT_FIT_OPTIONS,
): Map<string, Fit> {
  const out = new Map<string, Fit>();
  for (const [name, node] of nodes) out.set(name, fitNode(demand, node, options));
  return out;
}

/** The single-numa-node alignment of `demand` in the node's scope, against free−held or against allocatable. */
export function align(
  demand: PodDemand,
  cap: NodeCapacity,
  held: Held | undefined,
  basis: 'free' | 'allocatable',
): Alignment {
  if (cap.scope === 'pod') return alignPod(cap, demand.pod, held, basis);
  const [only, ...more] = demand.containers;
  if (only && more.length === 0) {
    // One container asks for devices: container scope aligns exactly what pod scope would.
    const a = alignPod(cap, only.demand, held, basis);
    return a.ok ? a : { ok: false, shortfall: { ...a.shortfall, container: only.name } };
  }
  const avail = availability(cap, basis === 'free' ? held : undefined, demand.pod.keys(), basis);
  return alignContainers(cap.numaNodes, demand.containers, avail);
}

function alignedFit(demand: PodDemand, cap: NodeCapacity, held: Held | undefined, options: FitOptions): Fit {
  const now = align(demand, cap, held, 'free');
  if (now.ok) {
    const score = alignedScore(options.score, now.before, now.after);
    return { fits: true, numaNode: now.numaNode, score, reason: null, unresolvable: false };
  }
  const ever = align(demand, cap, undefined, 'allocatable');
  if (!ever.ok) return reject(shortfallReason(ever.shortfall, 'allocatable'), true);
  return reject(shortfallReason(now.shortfall, 'free'), false);
}

function restrictedFit(
  demand: PodDemand,
  cap: NodeCapacity,
  held: Held | undefined,
  options: FitOptions,
): Fit {
  const [only] = demand.containers;
  const container = cap.scope === 'pod' ? undefined : only?.name;
  const wanted = container === undefined || !only ? demand.pod : only.demand;
  const why = (s: Shortfall): Shortfall => (container === undefined ? s : { ...s, container });
  const now = alignRestricted(cap, wanted, held, 'free');
  if (now.ok) {
    const score = now.narrow === false ? SCORE_UNALIGNED : alignedScore(options.score, now.before, now.after);
    return { fits: true, numaNode: null, score, reason: null, unresolvable: false };
  }
  const ever = alignRestricted(cap, wanted, undefined, 'allocatable');
  if (!ever.ok) return reject(shortfallReason(why(ever.shortfall), 'allocatable'), true);
  return reject(shortfallReason(why(now.shortfall), 'free'), false);
}

function totalFit(demand: PodDemand, cap: NodeCapacity, held: Held | undefined, options: FitOptions): Fit {
  for (const [pool, n] of demand.pod) {
    const p = cap.pools.get(pool)!;
    if (p.totalAllocatable < n)
      return reject(shortfallReason({ kind: 'total', needs: [[pool, n]] }, 'allocatable'), true);
  }
  for (const [pool, n] of demand.pod) {
    const p = cap.pools.get(pool)!;
    if (p.totalFree - (held?.total.get(pool) ?? 0) < n)
      return reject(shortfallReason({ kind: 'total', needs: [[pool, n]] }, 'free'), false);
  }
  const aligned = align(demand, cap, held, 'free');
  const score = aligned.ok ? alignedScore(options.score, aligned.before, aligned.after) : SCORE_UNALIGNED;
  return { fits: true, numaNode: null, score, reason: null, unresolvable: false };
}
