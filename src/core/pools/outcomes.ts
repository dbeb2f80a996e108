/**
 * What each policy is told: its conditions on this node, with messages that name the PFs, the VF ranges and
 * the other policy involved, and say what to do. Condition types: `Valid` (the spec on its own), `Applicable`
 * (does it select this node and usable PFs), `Conflict` (does another policy take or share its VFs).
 */
import type { Condition } from '../../api/wirespeed-v1alpha1.js';
import type { PolicyClaims, VfConflict } from './assign.js';
import type { ValidPolicy } from './policy.js';
import { formatVfIndices, pfLabel } from './select.js';

/** A status condition without its time: the shell stamps `lastTransitionTime` when the status changes. */
export type PolicyCondition = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

export interface PolicyOutcome {
  /** `namespace/name`. */
  policy: string;
  generation?: number;
  /** Whether the policy contributes VFs to a pool on this node. */
  applied: boolean;
  conditions: PolicyCondition[];
}

const MAX_LISTED = 4;
const VALID: PolicyCondition = {
  type: 'Valid',
  status: 'True',
  reason: 'Valid',
  message: 'the spec is valid',
};
const NO_CONFLICT: PolicyCondition = {
  type: 'Conflict',
  status: 'False',
  reason: 'NoConflict',
  message: 'no other policy claims its VFs',
};

export function invalidOutcome(policy: string, message: string): PolicyOutcome {
  return {
    policy,
    applied: false,
    conditions: [{ type: 'Valid', status: 'False', reason: 'InvalidSpec', message }],
  };
}

const withGeneration = (p: ValidPolicy) => (p.generation === undefined ? {} : { generation: p.generation });

export function notSelectedOutcome(policy: ValidPolicy): PolicyOutcome {
  const selector = Object.entries(policy.nodeSelector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return {
    policy: policy.key,
    ...withGeneration(policy),
    applied: false,
    conditions: [
      VALID,
      {
        type: 'Applicable',
        status: 'False',
        reason: 'NodeNotSelected',
        message: `nodeSelector ${selector} does not match this node's labels`,
      },
    ],
  };
}

export function deviceTypeOutcome(policy: ValidPolicy, owner: ValidPolicy): PolicyOutcome {
  return {
    policy: policy.key,
    ...withGeneration(policy),
    applied: false,
    conditions: [
      VALID,
      {
        type: 'Conflict',
        status: 'True',
        reason: 'ConflictingDeviceType',
        message: `pool ${policy.resourceName} is ${owner.deviceType} by policy ${owner.key} (priority ${owner.priority}); this policy asks for ${policy.deviceType}. A pool has one device type: use another resourceName`,
      },
    ],
  };
}

export function claimOutcome(
  policy: ValidPolicy,
  claim: PolicyClaims,
  conflicts: readonly VfConflict[],
): PolicyOutcome {
  const applicable = applicableCondition(policy, claim);
  const mine = conflicts.filter((c) => c.loser === policy || (c.kind === 'overlap' && c.winner === policy));
  return {
    policy: policy.key,
    ...withGeneration(policy),
    applied: applicable.status === 'True',
    conditions: [VALID, applicable, mine.length === 0 ? NO_CONFLICT : conflictCondition(mine)],
  };
}

function applicableCondition(policy: ValidPolicy, claim: PolicyClaims): PolicyCondition {
  if (claim.matched.length === 0)
    return {
      type: 'Applicable',
      status: 'False',
      reason: 'NoMatchingNic',
      message: 'no SR-IOV PF on this node matches the nicSelector',
    };
  const tooMany = claim.tooMany.map(
    (pf) => `numVfs ${policy.numVfs} is more than PF ${pfLabel(pf)} supports (sriov_totalvfs ${pf.totalVfs})`,
  );
  const usable = claim.matched.filter((pf) => !claim.tooMany.includes(pf));
  if (usable.length === 0)
    return {
      type: 'Applicable',
      status: 'False',
      reason: 'NumVfsAboveTotalVfs',
      message: `${listed(tooMany)}; lower numVfs`,
    };
  const claimed = usable.map((pf) => {
    const won = claim.won.get(pf.pciAddress) ?? [];
    return won.length === 0 ? `no VFs of ${pfLabel(pf)}` : `VFs ${formatVfIndices(won)} of ${pfLabel(pf)}`;
  });
  return {
    type: 'Applicable',
    status: 'True',
    reason: tooMany.length === 0 ? 'Matched' : 'PartlyMatched',
    message: `pool ${policy.resourceName} gets ${listed(claimed)}${tooMany.length === 0 ? '' : `; skipped: ${listed(tooMany)}`}`,
  };
}

function conflictCondition(conflicts: readonly VfConflict[]): PolicyCondition {
  const overlap = conflicts.some((c) => c.kind === 'overlap');
  const sentences = conflicts.map((c) => {
    const vfs = `VFs ${formatVfIndices(c.vfs)} of PF ${pfLabel(c.pf)}`;
    return c.kind === 'overlap'
      ? `${vfs} are claimed by both ${c.winner.key} and ${c.loser.key} at priority ${c.winner.priority}; ${c.winner.key} keeps them (first by name). Make the VF ranges disjoint or give the policies different priorities`
      : `${vfs} go to ${c.winner.key} (priority ${c.winner.priority}), which outranks this policy (priority ${c.loser.priority})`;
  });
  return {
    type: 'Conflict',
    status: 'True',
    reason: overlap ? 'OverlappingVfRange' : 'OverriddenByPriority',
    message: listed(sentences, '; '),
  };
}

function listed(items: readonly string[], separator = ', '): string {
  const shown = items.slice(0, MAX_LISTED).join(separator);
  return items.length > MAX_LISTED ? `${shown}${separator}and ${items.length - MAX_LISTED} more` : shown;
}
