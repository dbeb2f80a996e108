/**
 * One line per figure for `npm run bench`'s summary table. Each benchmark calls `recordFigure` beside what it
 * prints; when `WIRESPEED_BENCH_SUMMARY` names a file (the runner in bench/all.ts sets it), the figure is
 * appended there as a JSON line. Run alone, a benchmark records nothing.
 */
import { appendFileSync } from 'node:fs';

export interface SummaryFigure {
  bench: string;
  figure: string;
  value: number;
  unit: string;
  target: number;
  /** `max`: passes when value ≤ target (latency, memory); `min`: when value ≥ target (throughput ratios). */
  kind: 'max' | 'min';
}

export const SUMMARY_ENV = 'WIRESPEED_BENCH_SUMMARY';

export function passes(f: Pick<SummaryFigure, 'value' | 'target' | 'kind'>): boolean {
  return f.kind === 'max' ? f.value <= f.target : f.value >= f.target;
}

export function recordFigure(figure: SummaryFigure): void {
  const file = process.env[SUMMARY_ENV];
  if (file) appendFileSync(file, `${JSON.stringify(figure)}\n`);
}
