/**
 * The merge: policies in priority order (lower number first, ties by `namespace/name`) claim VF slots of the
 * PFs their nicSelector matches; a slot goes to the first policy that claims it. A later claim on a taken
 * slot is a conflict: an overlap when the priorities are equal (both policies are told), overridden when the
 * earlier policy outranks the later one. Deterministic: the result does not depend on the input order.
 */
import type { ObservedPf } from '../host/observed.js';
import type { ValidPolicy } from './policy.js';
import { claimedRanges } from './select.js';

export interface VfConflict {
  kind: 'overlap' | 'overridden';
  pf: ObservedPf;
  /** The policy that keeps the VFs. */
  winner: ValidPolicy;
  loser: ValidPolicy;
  vfs: number[];
}

export interface PolicyClaims {
  /** PFs the nicSelector matched. */
  matched: ObservedPf[];
  /** Matched PFs with fewer `sriov_totalvfs` than the policy's numVfs: skipped. */
  tooMany: ObservedPf[];
  /** The VFs the policy won, per PF address. */
  won: Map<string, number[]>;
}

export interface Assignment {
  /** PF address → VF index → the policy that owns the slot. */
  owners: Map<string, Map<number, ValidPolicy>>;
  claims: Map<string, PolicyClaims>;
  conflicts: VfConflict[];
}

export function byPriority(a: ValidPolicy, b: ValidPolicy): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

export function assignVfs(policies: readonly ValidPolicy[], pfs: readonly ObservedPf[]): Assignment {
  const owners = new Map<string, Map<number, ValidPolicy>>(pfs.map((pf) => [pf.pciAddress, new Map()]));
  const claims = new Map<string, PolicyClaims>();
  const conflicts = new Map<string, VfConflict>();
  for (const policy of [...policies].sort(byPriority)) {
    const claim: PolicyClaims = { matched: [], tooMany: [], won: new Map() };
    claims.set(policy.key, claim);
    for (const pf of pfs) {
      const ranges = claimedRanges(policy, pf);
      if (ranges === null) continue;
      claim.matched.push(pf);
      if (policy.numVfs > pf.totalVfs) {
        claim.tooMany.push(pf);
        continue;
      }
      const slots = owners.get(pf.pciAddress) as Map<number, ValidPolicy>;
      const won: number[] = [];
      for (const { first, last } of ranges) {
        for (let vf = first; vf <= last; vf++) {
          const owner = slots.get(vf);
          if (owner === undefined) {
            slots.set(vf, policy);
            won.push(vf);
          } else if (owner !== policy) noteConflict(conflicts, pf, owner, policy, vf);
        }
      }
      claim.won.set(pf.pciAddress, won);
    }
  }
  return { owners, claims, conflicts: [...conflicts.values()] };
}

function noteConflict(
  conflicts: Map<string, VfConflict>,
  pf: ObservedPf,
  winner: ValidPolicy,
  loser: ValidPolicy,
  vf: number,
): void {
  const id = `${pf.pciAddress}\n${winner.key}\n${loser.key}`;
  const known = conflicts.get(id);
  if (known) known.vfs.push(vf);
  else
    conflicts.set(id, {
      kind: winner.priority === loser.priority ? 'overlap' : 'overridden',
      pf,
      winner,
      loser,
      vfs: [vf],
    });
}
