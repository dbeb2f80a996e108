/**
 * What the policies ask of each PF and NUMA node, merged exactly as pool selection merges them (src/core/pools):
 * the policies pool selection applies claim VF slots by priority (`assignVfs`), so the VFs set up are the VFs
 * served. Per PF: the largest numVfs of the policies selecting it, the largest MTU, and each claimed slot's
 * pool and device type. Hugepages: per NUMA node and page size, the largest count any policy selecting the
 * node asks.
 */
import type { ObservedPf } from '../host/observed.js';
import { assignVfs } from '../pools/assign.js';
import { DEFAULT_RESOURCE_PREFIX, type ValidPolicy } from '../pools/policy.js';
import { nodeSelected, pfLabel } from '../pools/select.js';
import { selectPools } from '../pools/select-pools.js';
import { validatePolicy } from '../pools/validate.js';
import type { PlanInput, VfSlot } from './types.js';

export interface DesiredPf {
  pf: ObservedPf;
  numVfs: number;
  mtu: number | null;
  /** Sorted by vfID; only slots below numVfs. */
  slots: VfSlot[];
  /** Why the PF cannot be set up (every policy selecting it asks more VFs than it has). */
  failure?: string;
}

export interface DesiredHost {
  pfs: DesiredPf[];
  /** `numaNode/sizeKiB` → pages. */
  hugepages: Map<string, { numaNode: number; sizeKiB: number; pages: number; size: string }>;
  generations: Record<string, number>;
}

const PAGE_UNITS: Record<string, number> = { Ki: 1, Mi: 1024, Gi: 1024 * 1024 };

/** `2Mi` → 2048, `1Gi` → 1048576 (KiB). */
export function pageSizeKiB(size: string): number | null {
  const m = /^(\d+)(Ki|Mi|Gi)$/.exec(size);
  return m ? Number(m[1]) * (PAGE_UNITS[m[2] as string] as number) : null;
}

export function desiredHost(input: PlanInput): DesiredHost {
  const prefix = input.resourcePrefix ?? DEFAULT_RESOURCE_PREFIX;
  const selection = selectPools({
    observed: input.observed,
    policies: input.policies,
    ...(input.nodeLabels ? { nodeLabels: input.nodeLabels } : {}),
    resourcePrefix: prefix,
  });
  const applied = new Set(selection.policies.filter((o) => o.applied).map((o) => o.policy));
  const generations: Record<string, number> = {};
  for (const o of selection.policies)
    if (o.applied && o.generation !== undefined) generations[o.policy] = o.generation;
  const valid: ValidPolicy[] = [];
  for (const raw of input.policies) {
    const v = validatePolicy(raw, prefix);
    if (v.ok) valid.push(v.value);
  }
  const policies = valid.filter((p) => applied.has(p.key));
  const assignment = assignVfs(policies, input.observed.pfs);
  // Policies refused for this host (numVfs above sriov_totalvfs) make their PFs fail rather than vanish.
  const selected = valid.filter((p) => input.nodeLabels === undefined || nodeSelected(p, input.nodeLabels));
  const candidates = assignVfs(selected, input.observed.pfs);
  const pfs: DesiredPf[] = [];
  for (const pf of input.observed.pfs) {
    const on = policies.filter((p) => {
      const claim = assignment.claims.get(p.key);
      return claim?.matched.includes(pf) && !claim.tooMany.includes(pf);
    });
    if (on.length === 0) {
      const tooMany = selected.filter((p) => candidates.claims.get(p.key)?.tooMany.includes(pf));
      if (tooMany.length > 0)
        pfs.push({
          pf,
          numVfs: pf.numVfs,
          mtu: null,
          slots: [],
          failure: `PF ${pfLabel(pf)} has sriov_totalvfs ${pf.totalVfs}; ${tooMany.map((p) => `${p.key} asks ${p.numVfs}`).join(', ')}. Lower numVfs`,
        });
      continue;
    }
    const numVfs = Math.max(...on.map((p) => p.numVfs));
    const mtus = on.flatMap((p) => (p.mtu === undefined ? [] : [p.mtu]));
    const slots: VfSlot[] = [];
    for (const [vfID, owner] of assignment.owners.get(pf.pciAddress) ?? [])
      if (vfID < numVfs)
        slots.push({
          vfID,
          resourceName: owner.resourceName,
          deviceType: owner.deviceType,
          mtu: owner.mtu ?? null,
        });
    slots.sort((a, b) => a.vfID - b.vfID);
    pfs.push({ pf, numVfs, mtu: mtus.length > 0 ? Math.max(...mtus) : null, slots });
  }
  return { pfs, hugepages: desiredHugepages(valid, input), generations };
}

function desiredHugepages(valid: readonly ValidPolicy[], input: PlanInput): DesiredHost['hugepages'] {
  const out: DesiredHost['hugepages'] = new Map();
  for (const policy of valid) {
    if (input.nodeLabels !== undefined && !nodeSelected(policy, input.nodeLabels)) continue;
    for (const [size, nodes] of Object.entries(policy.hugepages ?? {})) {
      const sizeKiB = pageSizeKiB(size);
      if (sizeKiB === null) continue;
      for (const [node, pages] of Object.entries(nodes)) {
        const key = `${node}/${sizeKiB}`;
        const known = out.get(key);
        if (!known || known.pages < pages) out.set(key, { numaNode: Number(node), sizeKiB, pages, size });
      }
    }
  }
  return out;
}
