/**
 * GetPreferredAllocation: which of the devices the kubelet offers (already narrowed to the Topology Manager's
 * NUMA choice) a container should get. Advice only; the kubelet keeps the final say. Pure.
 *
 * - `pack` (default): fill the PFs that already hold must-include devices, then the PF that fits the rest most
 *   tightly (the smallest PF with enough offered devices, keeping larger free blocks for larger requests); when
 *   no PF fits, the PF with the most offered devices, and so on.
 * - `spread`: one device per PF in turn, the PF holding the fewest chosen devices first, then the one with
 *   more devices left to offer, then the lower PCI address.
 * Within a PF devices go in VF index order; ties between PFs go to the lower PF address. Offered IDs the pool
 * does not know are used last.
 */
import type { PoolDevice } from '../../core/pools/types.js';

export type PreferredAllocationPolicy = 'pack' | 'spread';
export const PREFERRED_ALLOCATION_POLICIES: readonly PreferredAllocationPolicy[] = ['pack', 'spread'];

export interface PreferredAllocationInput {
  available: string[];
  mustInclude: string[];
  size: number;
}

interface PfGroup {
  pf: string;
  /** Offered, not yet chosen, in VF index order. */
  left: string[];
  chosen: number;
}

export function preferredAllocation(
  devices: readonly PoolDevice[],
  input: PreferredAllocationInput,
  policy: PreferredAllocationPolicy,
): string[] {
  const chosen = [...new Set(input.mustInclude)];
  const taken = new Set(chosen);
  const available = [...new Set(input.available)].filter((id) => !taken.has(id));
  const need = Math.max(0, input.size - chosen.length);
  if (need === 0 || available.length === 0) return chosen.slice(0, Math.max(input.size, 0));
  const byId = new Map(devices.map((d) => [d.id, d]));
  const groups = groupByPf(available, byId);
  const unknown = available.filter((id) => !byId.has(id));
  for (const id of chosen) {
    const pf = byId.get(id)?.pfPciAddress;
    const group = pf === undefined ? undefined : groups.find((g) => g.pf === pf);
    if (group) group.chosen += 1;
  }
  const picks = policy === 'spread' ? spread(groups, need) : pack(groups, need);
  return [...chosen, ...picks, ...unknown].slice(0, input.size);
}

function groupByPf(available: string[], byId: Map<string, PoolDevice>): PfGroup[] {
  const groups = new Map<string, PoolDevice[]>();
  for (const id of available) {
    const device = byId.get(id);
    if (!device) continue;
    const list = groups.get(device.pfPciAddress) ?? [];
    list.push(device);
    groups.set(device.pfPciAddress, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => compare(a, b))
    .map(([pf, list]) => ({
      pf,
      left: list.sort((a, b) => a.vfID - b.vfID || compare(a.id, b.id)).map((d) => d.id),
      chosen: 0,
    }));
}

function pack(groups: PfGroup[], need: number): string[] {
  const picks: string[] = [];
  const take = (group: PfGroup) => {
    const n = Math.min(need - picks.length, group.left.length);
    picks.push(...group.left.splice(0, n));
  };
  for (const group of groups.filter((g) => g.chosen > 0)) {
    if (picks.length < need) take(group);
  }
  while (picks.length < need) {
    const open = groups.filter((g) => g.left.length > 0);
    if (open.length === 0) break;
    const rest = need - picks.length;
    const fitting = open.filter((g) => g.left.length >= rest);
    const best =
      fitting.length > 0
        ? fitting.reduce((a, b) => (b.left.length < a.left.length ? b : a))
        : open.reduce((a, b) => (b.left.length > a.left.length ? b : a));
    take(best);
  }
  return picks;
}

function spread(groups: PfGroup[], need: number): string[] {
  const picks: string[] = [];
  while (picks.length < need) {
    const open = groups.filter((g) => g.left.length > 0);
    if (open.length === 0) break;
    const next = open.reduce((a, b) =>
      b.chosen < a.chosen || (b.chosen === a.chosen && b.left.length > a.left.length) ? b : a,
    );
    picks.push(next.left.shift() as string);
    next.chosen += 1;
  }
  return picks;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
