/**
 * What the policies were told on this node, turned into the report's `syncStatus`/`syncMessage` and the
 * generations of the policies applied. A policy that does not select the node, or finds no matching NIC here,
 * is not a failure (heterogeneous clusters); an invalid spec, a conflict, or numVfs beyond every matching PF's
 * `sriov_totalvfs` is. Pure.
 */
import type { SyncStatus } from '../api/wirespeed-v1alpha1.js';
import type { PolicyCondition, PolicyOutcome } from '../core/pools/outcomes.js';

/** syncMessage stays readable in `kubectl get -o yaml`; the log has every message. */
const MAX_MESSAGE = 1024;

export interface PolicySync {
  syncStatus: SyncStatus;
  syncMessage?: string;
  /** `namespace/name` → generation, of the policies applied on this node. */
  policyGenerations: Record<string, number>;
}

export function isPolicyProblem(c: PolicyCondition): boolean {
  if (c.type === 'Valid') return c.status !== 'True';
  if (c.type === 'Conflict') return c.status === 'True';
  return c.type === 'Applicable' && c.status === 'False' && c.reason === 'NumVfsAboveTotalVfs';
}

export function policySync(outcomes: readonly PolicyOutcome[]): PolicySync {
  const policyGenerations: Record<string, number> = {};
  const problems: string[] = [];
  for (const outcome of outcomes) {
    if (outcome.applied && outcome.generation !== undefined)
      policyGenerations[outcome.policy] = outcome.generation;
    for (const c of outcome.conditions.filter(isPolicyProblem)) {
      problems.push(`policy ${outcome.policy} ${c.reason}: ${c.message}`);
    }
  }
  if (problems.length === 0) return { syncStatus: 'Succeeded', policyGenerations };
  const message = problems.join('; ');
  return {
    syncStatus: 'Failed',
    syncMessage: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message,
    policyGenerations,
  };
}
