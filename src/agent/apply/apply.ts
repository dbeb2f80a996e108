/**
 * Runs a plan: PFs in parallel (at most `parallelism` at once), each PF's steps in order, then hugepages.
 * A write that fails gives the PF `Failed` with the kernel's errno; a write that does not return in time
 * (ETIMEDOUT from the writer) gives it `Stuck`, and the other PFs go on. Any error that is not the host's
 * (a crash played by a test, a bug) ends the apply at once, as a killed agent would stop.
 */
import type { HostPlan, PfPlan } from '../../core/reconcile/types.js';
import { HostError } from '../host/host.js';
import { runHugepages, runStep, type StepContext } from './steps.js';

export interface PfApplied {
  pciAddress: string;
  result: 'done' | 'failed' | 'stuck';
  message?: string;
  /** Steps run to completion. */
  steps: number;
}

export interface HugepagesApplied {
  numaNode: number;
  sizeKiB: number;
  requested: number;
  granted: number;
}

export interface Applied {
  pfs: PfApplied[];
  hugepages: HugepagesApplied[];
  hugepageErrors: string[];
}

export async function applyPlan(plan: HostPlan, c: StepContext, parallelism: number): Promise<Applied> {
  const work = plan.pfs.filter((pf) => pf.outcome !== 'Failed' && pf.steps.length > 0);
  const pfs: PfApplied[] = [];
  let next = 0;
  const worker = async () => {
    while (next < work.length) pfs.push(await applyPf(work[next++] as PfPlan, c));
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallelism, work.length)) }, worker));
  const hugepages: HugepagesApplied[] = [];
  const hugepageErrors: string[] = [];
  for (const step of plan.hugepages) {
    try {
      hugepages.push({ ...step, requested: step.pages, granted: await runHugepages(c, step) });
    } catch (err) {
      if (!(err instanceof HostError)) throw err;
      hugepageErrors.push(err.message);
    }
  }
  pfs.sort((a, b) => (a.pciAddress < b.pciAddress ? -1 : 1));
  return { pfs, hugepages, hugepageErrors };
}

async function applyPf(pf: PfPlan, c: StepContext): Promise<PfApplied> {
  let done = 0;
  try {
    for (const step of pf.steps) {
      await runStep(c, step);
      done++;
    }
    return { pciAddress: pf.pciAddress, result: 'done', steps: done };
  } catch (err) {
    if (!(err instanceof HostError)) throw err;
    const stuck = err.code === 'ETIMEDOUT';
    const label = pf.name ? `${pf.name} (${pf.pciAddress})` : pf.pciAddress;
    return {
      pciAddress: pf.pciAddress,
      result: stuck ? 'stuck' : 'failed',
      message: `PF ${label}: ${err.message}${stuck ? '; the PF is left alone until the agent restarts' : ''}`,
      steps: done,
    };
  }
}
