/** The extender's decisions (pure): demand, fit, score, reasons, and the reservation ledger. */
export type { Alignment, Shortfall } from './align.js';
export { indexReport, type NodeCapacity, type PoolCapacity } from './capacity.js';
export {
  type ContainerDemand,
  type ContainerKind,
  containerDemand,
  type Demand,
  demandRecord,
  EMPTY_DEMAND,
  MAX_DEVICE_COUNT,
  type PodDemand,
  podDemand,
} from './demand.js';
export {
  align,
  DEFAULT_FIT_OPTIONS,
  type Fit,
  type FitOptions,
  fitNode,
  fitNodes,
  type MissingReportPolicy,
  type NodeFitInput,
} from './fit.js';
export { applyHeld, emptyHeld, type Held, type HeldCounts, heldAt, heldOf, NOTHING_HELD } from './held.js';
export { Ledger, type LedgerOptions, type Reservation, type ReserveOutcome } from './ledger.js';
export { NO_REPORT, poolAbsent, STALE_REPORT, shortfallReason } from './reasons.js';
export { alignedScore, SCORE_UNALIGNED, SCORE_UNKNOWN, type ScoreStrategy } from './score.js';
