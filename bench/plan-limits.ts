/**
 * How long planning blocks the event loop for hostile pods: one mount NAD named N times, with the shipped cap
 * (denied before any lookup) and without it (to show planning stays linear). Figures are printed, never
 * asserted; the unit tests count work instead (src/core/inject/plan.limits.test.ts).
 *
 *   npm run bench:plan-limits
 */

import type { Pod } from '../src/api/core-v1.js';
import { defaultInjectionConfig } from '../src/core/inject/config.js';
import { planInjection } from '../src/core/inject/plan.js';
import { nadIndex, vhostNad } from '../test/support/builders.js';
import { recordFigure } from './summary.js';

const nads = nadIndex(vhostNad());

function pod(elements: number): Pod {
  return {
    metadata: {
      name: 'p',
      namespace: 'default',
      annotations: { 'k8s.v1.cni.cncf.io/networks': Array(elements).fill('vhost').join(',') },
    },
    spec: { containers: [{ name: 'app' }, { name: 'side' }] },
  };
}

function millis(elements: number, maxNetworks: number): { ms: number; outcome: string } {
  const p = pod(elements);
  const config = defaultInjectionConfig({ maxNetworks });
  const runs = 5;
  let best = Number.POSITIVE_INFINITY;
  let outcome = '';
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const decision = planInjection(p, nads, config);
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
    outcome = decision.ok ? `${decision.value.ops.length} ops` : `denied ${decision.problem.code}`;
  }
  return { ms: best, outcome };
}

console.log('elements  cap      best of 5   outcome');
for (const [elements, cap] of [
  [64, 64],
  [40_000, 64],
  [10_000, 1_000_000],
  [20_000, 1_000_000],
  [40_000, 1_000_000],
] as const) {
  const { ms, outcome } = millis(elements, cap);
  if (elements === 40_000 && cap === 64) {
    // The attack of issue 7 (30 s blocked before): denied by the cap before any work that grows with it.
    recordFigure({
      bench: 'plan-limits',
      figure: 'hostile 40,000-network pod',
      value: ms,
      unit: 'ms',
      target: 5,
      kind: 'max',
    });
  }
  console.log(
    `${String(elements).padStart(8)}  ${String(cap).padEnd(7)}  ${ms.toFixed(2).padStart(8)} ms   ${outcome}`,
  );
}
