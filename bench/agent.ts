/**
 * `npm run bench:agent`: the node agent's figures, each printed against its target (figures, not timed tests).
 * Each figure is an entry of `FIGURES`; add one by appending `{ name, target, unit, run }`. Run one with
 * `npm run bench:agent -- <name>`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootedHost } from '../src/agent/host/rooted-host.js';
import { simulatedLayout } from '../src/agent/host/simulated/layout.js';
import { createSimulatedHost } from '../src/agent/host/simulated/simulated-host.js';
import { observeHost } from '../src/agent/observe.js';
import { kubeletFigures } from './agent-kubelet.js';
import { setupFigures } from './agent-setup.js';
import { recordFigure } from './summary.js';

export interface Figure {
  name: string;
  /** What the figure measures, in one line. */
  what: string;
  /** The target: the figure passes when `value <= target`. */
  target: number;
  unit: string;
  /** Measures and returns the value, with any detail worth printing. */
  run(): Promise<{ value: number; detail?: string }>;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;

const discovery: Figure = {
  name: 'discovery',
  what: 'observeHost on a simulated host with 8 PFs × 128 VFs (p99 of 30 runs after 3 warm-ups)',
  target: 300,
  unit: 'ms',
  async run() {
    const dir = await mkdtemp(join(tmpdir(), 'wirespeed-bench-agent-'));
    try {
      await createSimulatedHost(dir, simulatedLayout({ pfs: 8, vfs: 128, numVfs: 128, numa: 2 }));
      const host = rootedHost(dir);
      for (let i = 0; i < 3; i++) await observeHost(host);
      const times: number[] = [];
      const cpu: number[] = [];
      let vfs = 0;
      for (let i = 0; i < 30; i++) {
        const cpuStart = process.cpuUsage();
        const start = performance.now();
        const observed = await observeHost(host);
        times.push(performance.now() - start);
        const used = process.cpuUsage(cpuStart);
        cpu.push((used.user + used.system) / 1000);
        vfs = observed.pfs.reduce((n, pf) => n + pf.vfs.length, 0);
      }
      times.sort((a, b) => a - b);
      cpu.sort((a, b) => a - b);
      const f = (n: number) => n.toFixed(1);
      return {
        value: quantile(times, 0.99),
        detail:
          `${vfs} VFs found; wall median ${f(quantile(times, 0.5))} ms, min ${f(times[0] as number)} ms; ` +
          `CPU (user+system, all threads) median ${f(quantile(cpu, 0.5))} ms; load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPUs`,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

export const FIGURES: Figure[] = [discovery, ...kubeletFigures(), ...setupFigures()];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const unknown = only.filter((n) => !FIGURES.some((f) => f.name === n));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown figure ${unknown.join(', ')}; figures: ${FIGURES.map((f) => f.name).join(', ')}\n`,
    );
    process.exitCode = 2;
    return;
  }
  let missed = 0;
  for (const figure of FIGURES.filter((f) => only.length === 0 || only.includes(f.name))) {
    const { value, detail } = await figure.run();
    const met = value <= figure.target;
    if (!met) missed++;
    recordFigure({
      bench: 'agent',
      figure: figure.name,
      value,
      unit: figure.unit,
      target: figure.target,
      kind: 'max',
    });
    process.stdout.write(
      `${figure.name}: ${value.toFixed(1)} ${figure.unit} (target ≤ ${figure.target} ${figure.unit}) ${met ? 'met' : 'MISSED'}\n` +
        `  ${figure.what}${detail ? `\n  ${detail}` : ''}\n`,
    );
  }
  if (missed > 0) process.stdout.write(`${missed} figure(s) missed their target\n`);
}

await main();
