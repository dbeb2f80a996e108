/**
 * Pool selection: NetworkNodePolicies × the observed host → the pools the agent serves, and what each policy
 * is told. Steps: validate each policy; keep those whose nodeSelector matches the node; give each pool the
 * device type of its highest-priority policy (a policy asking another type for the same pool is refused);
 * merge VF claims by priority (`assign.ts`); put each discovered VF in the pool owning its slot, with its
 * health. Pure and total: any input gives an answer, never an exception.
 */
import type { ObservedHost, ObservedPf } from '../host/observed.js';
import { assignVfs, byPriority } from './assign.js';
import { deviceHealth, goneReason } from './health.js';
import {
  claimOutcome,
  deviceTypeOutcome,
  invalidOutcome,
  notSelectedOutcome,
  type PolicyOutcome,
} from './outcomes.js';
import { DEFAULT_RESOURCE_PREFIX, looseKey, type ValidPolicy } from './policy.js';
import { nodeSelected } from './select.js';
import type { Pool, PoolDevice } from './types.js';
import { validatePolicy } from './validate.js';

export interface PoolSelectionInput {
  observed: ObservedHost;
  /** NetworkNodePolicy objects as read (from the API or a file); anything else is reported invalid. */
  policies: readonly unknown[];
  /** The node's labels; undefined: every policy applies (`wirespeed discover` without --node-labels). */
  nodeLabels?: Readonly<Record<string, string>>;
  /** The prefix of a resourceName without one (default `wirespeed.io`). */
  resourcePrefix?: string;
  /** The pools of the previous selection: a device whose VF has vanished stays, unhealthy, while its slot does. */
  previous?: readonly Pool[];
}

export interface PoolSelection {
  /** Sorted by resourceName. */
  pools: Pool[];
  /** One per input policy, sorted by `namespace/name`. */
  policies: PolicyOutcome[];
}

export function selectPools(input: PoolSelectionInput): PoolSelection {
  const outcomes: PolicyOutcome[] = [];
  const candidates = validPolicies(input, outcomes);
  const applicable: ValidPolicy[] = [];
  const poolOwner = new Map<string, ValidPolicy>();
  for (const policy of candidates.sort(byPriority)) {
    if (input.nodeLabels !== undefined && !nodeSelected(policy, input.nodeLabels)) {
      outcomes.push(notSelectedOutcome(policy));
      continue;
    }
    const owner = poolOwner.get(policy.resourceName);
    if (owner && owner.deviceType !== policy.deviceType) {
      outcomes.push(deviceTypeOutcome(policy, owner));
      continue;
    }
    if (!owner) poolOwner.set(policy.resourceName, policy);
    applicable.push(policy);
  }
  const assignment = assignVfs(applicable, input.observed.pfs);
  const applied = applicable.filter((policy) => {
    const outcome = claimOutcome(policy, assignment.claims.get(policy.key)!, assignment.conflicts);
    outcomes.push(outcome);
    return outcome.applied;
  });
  const pools = buildPools(input, applied, assignment.owners);
  outcomes.sort((a, b) => (a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0));
  return { pools, policies: outcomes };
}

/** Valid policies with unique keys; the others get their outcome now (two policies sharing a key both fail). */
function validPolicies(input: PoolSelectionInput, outcomes: PolicyOutcome[]): ValidPolicy[] {
  const counts = new Map<string, number>();
  for (const p of input.policies) counts.set(looseKey(p), (counts.get(looseKey(p)) ?? 0) + 1);
  const out: ValidPolicy[] = [];
  const reported = new Set<string>();
  for (const p of input.policies) {
    const key = looseKey(p);
    if ((counts.get(key) ?? 0) > 1) {
      if (!reported.has(key))
        outcomes.push(
          invalidOutcome(
            key,
            `NetworkNodePolicy ${key} is given ${counts.get(key)} times; give each policy its own name`,
          ),
        );
      reported.add(key);
      continue;
    }
    const valid = validatePolicy(p, input.resourcePrefix ?? DEFAULT_RESOURCE_PREFIX);
    if (valid.ok) out.push(valid.value);
    else outcomes.push(invalidOutcome(key, valid.problem.message));
  }
  return out;
}

function buildPools(
  input: PoolSelectionInput,
  applied: readonly ValidPolicy[],
  owners: ReadonlyMap<string, ReadonlyMap<number, ValidPolicy>>,
): Pool[] {
  const pools = new Map<string, Pool>();
  for (const policy of applied)
    if (!pools.has(policy.resourceName))
      pools.set(policy.resourceName, {
        resourceName: policy.resourceName,
        deviceType: policy.deviceType,
        devices: [],
      });
  const previous = previousDevices(input.previous ?? []);
  for (const pf of input.observed.pfs) {
    const slots = owners.get(pf.pciAddress);
    if (!slots) continue;
    const seen = new Set<number>();
    for (const vf of pf.vfs) {
      seen.add(vf.vfID);
      const pool = pools.get(slots.get(vf.vfID)?.resourceName ?? '');
      if (!pool) continue;
      const health = deviceHealth(pf, vf, pool.deviceType);
      pool.devices.push({
        ...deviceOf(pf, vf.vfID),
        id: vf.pciAddress,
        iommuGroup: vf.iommuGroup,
        driver: vf.driver,
        netdev: vf.netdev,
        healthy: health.healthy,
        ...(health.healthy ? {} : { unhealthyReason: health.reason }),
      });
    }
    for (const [vfID, policy] of slots) {
      const gone = previous.get(`${policy.resourceName}\n${pf.pciAddress}\n${vfID}`);
      if (seen.has(vfID) || !gone) continue;
      pools.get(policy.resourceName)?.devices.push({
        ...gone,
        ...deviceOf(pf, vfID),
        healthy: false,
        unhealthyReason: goneReason(pf, vfID),
      });
    }
  }
  const sorted = [...pools.values()].sort((a, b) => (a.resourceName < b.resourceName ? -1 : 1));
  for (const pool of sorted) pool.devices.sort(byPfThenVf);
  return sorted;
}

function deviceOf(pf: ObservedPf, vfID: number) {
  return { numaNode: pf.numaNode, pfPciAddress: pf.pciAddress, pfName: pf.name, vfID };
}

function previousDevices(pools: readonly Pool[]): Map<string, PoolDevice> {
  const out = new Map<string, PoolDevice>();
  for (const pool of pools)
    for (const d of pool.devices) out.set(`${pool.resourceName}\n${d.pfPciAddress}\n${d.vfID}`, d);
  return out;
}

function byPfThenVf(a: PoolDevice, b: PoolDevice): number {
  if (a.pfPciAddress !== b.pfPciAddress) return a.pfPciAddress < b.pfPciAddress ? -1 : 1;
  return a.vfID - b.vfID;
}
