/**
 * Scores 0–10 (the extender protocol's range; the scheduler multiplies by the extender's weight).
 *
 * - 2–10: the pod fits on one NUMA node. `tight` (default) is best-fit: the less of the chosen NUMA node's
 *   usable devices (in the pools the pod asks for) the pod leaves over, the higher the score, which keeps whole
 *   NUMA nodes free for large pods. `spread` is the reverse: the most left over wins.
 * - 1: fits only across NUMA nodes (allowed by `restricted`, `best-effort` and `none`).
 * - 0: fits because nothing is known or needed (fail-open on a missing report, or no managed demand).
 */
export type ScoreStrategy = 'tight' | 'spread';

export const SCORE_UNALIGNED = 1;
export const SCORE_UNKNOWN = 0;

/** `before`: usable devices on the chosen NUMA node(s) before placement; `after`: left over after it. */
export function alignedScore(strategy: ScoreStrategy, before: number, after: number): number {
  const leftover = before > 0 ? Math.min(1, Math.max(0, after / before)) : 0;
  const goodness = strategy === 'tight' ? 1 - leftover : leftover;
  return 2 + Math.round(8 * goodness);
}
