/**
 * `npm run bench`: every benchmark in turn, then one table of every figure against its target. Each benchmark's
 * own output is shown as it runs; a benchmark that fails is named in the table and the run goes on.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { table } from '../src/cli/table.js';
import { passes, SUMMARY_ENV, type SummaryFigure } from './summary.js';

const BENCHES = ['bench:webhook', 'bench:plan-limits', 'bench:extender', 'bench:agent'];

const dir = mkdtempSync(join(tmpdir(), 'wirespeed-bench-'));
const file = join(dir, 'figures.jsonl');
const failed: string[] = [];
for (const bench of BENCHES) {
  process.stdout.write(`\n===== npm run ${bench} =====\n`);
  const run = spawnSync('npm', ['run', '--silent', bench], {
    stdio: 'inherit',
    env: { ...process.env, [SUMMARY_ENV]: file },
  });
  if (run.status !== 0) failed.push(`${bench} (exit ${run.status ?? run.signal})`);
}
let figures: SummaryFigure[] = [];
try {
  figures = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as SummaryFigure);
} catch {
  // no benchmark recorded anything
}
rmSync(dir, { recursive: true, force: true });

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));
process.stdout.write('\n===== summary =====\n');
process.stdout.write(
  table([
    ['BENCH', 'FIGURE', 'VALUE', 'TARGET', 'RESULT'],
    ...figures.map((f) => [
      f.bench,
      f.figure,
      `${fmt(f.value)} ${f.unit}`,
      `${f.kind === 'max' ? '≤' : '≥'} ${f.target} ${f.unit}`,
      passes(f) ? 'pass' : 'short',
    ]),
  ]),
);
const short = figures.filter((f) => !passes(f)).length;
process.stdout.write(`${figures.length} figures, ${figures.length - short} pass, ${short} short\n`);
if (failed.length > 0) {
  process.stdout.write(`failed to run: ${failed.join(', ')}\n`);
  process.exitCode = 1;
}
