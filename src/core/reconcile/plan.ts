/**
 * `planHost`: the policies' wish × what the host has × which VFs pods hold → per PF the ordered steps still
 * needed, or a refusal. Pure and level-based: a step is planned only when the host differs from the wish, so
 * planning again after a complete apply gives no steps. Order per PF (as the kernel needs it, see
 * docs/policy.md): validate against `sriov_totalvfs` and the IOMMU; `sriov_drivers_autoprobe`; `sriov_numvfs`
 * (0 then N) only when it must change; wait for the VFs; per VF its driver, MTU and vDPA device; PF MTU and
 * link. A change that would destroy VFs pods hold (a new VF count on their PF, rebinding an allocated VF) is
 * never planned: the PF is `NeedsEviction` naming the pods, or, with `evict`, `Evict` (evict them first; the
 * next plan, once they are gone, sets the PF up). Steps for free VFs go ahead either way.
 */
import type { ObservedVf } from '../host/observed.js';
import { pfLabel } from '../pools/select.js';
import { type DesiredPf, desiredHost } from './desired.js';
import { planHugepages } from './hugepages.js';
import type { HostPlan, PfPlan, PlanInput, PodRef, Step, VdpaDriver, VfSlot } from './types.js';

export const USERSPACE_DRIVERS: ReadonlySet<string> = new Set(['vfio-pci', 'igb_uio', 'uio_pci_generic']);
const VDPA: Record<string, VdpaDriver> = { 'vdpa-virtio': 'virtio_vdpa', 'vdpa-vhost': 'vhost_vdpa' };
export const IOMMU_MISSING =
  'vfio-pci needs an IOMMU and /sys/class/iommu is empty: enable VT-d or AMD-Vi in the firmware and boot with intel_iommu=on iommu=pt (Intel) or iommu=pt (AMD)';

export function planHost(input: PlanInput): HostPlan {
  const desired = desiredHost(input);
  const held = new Map<string, PodRef[]>();
  for (const a of input.allocations)
    for (const id of a.deviceIds) {
      const pods = held.get(id) ?? [];
      if (!pods.some((p) => p.namespace === a.namespace && p.name === a.name))
        pods.push({ namespace: a.namespace, name: a.name });
      held.set(id, pods);
    }
  const hugepages = planHugepages(desired.hugepages, input.observed);
  return {
    pfs: desired.pfs.map((d) => planPf(d, input, held)),
    hugepages: hugepages.steps,
    problems: hugepages.problems,
    generations: desired.generations,
  };
}

const podName = (p: PodRef) => `${p.namespace}/${p.name}`;

function addPods(into: Map<string, PodRef>, pods: readonly PodRef[]): void {
  for (const p of pods) into.set(podName(p), p);
}

function planPf(d: DesiredPf, input: PlanInput, held: ReadonlyMap<string, PodRef[]>): PfPlan {
  const { pf } = d;
  const base: PfPlan = {
    pciAddress: pf.pciAddress,
    name: pf.name,
    outcome: 'apply',
    pods: [],
    steps: [],
    numVfs: d.numVfs,
    mtu: d.mtu,
    slots: d.slots,
  };
  if (d.failure) return { ...base, outcome: 'Failed', message: d.failure };
  if (d.slots.some((s) => s.deviceType === 'vfio-pci') && !input.observed.iommu)
    return { ...base, outcome: 'Failed', message: `PF ${pfLabel(pf)}: ${IOMMU_MISSING}` };
  const change = pf.numVfs !== d.numVfs;
  if (change && pf.numVfs > 0) {
    const holders = new Map<string, PodRef>();
    for (const vf of pf.vfs) addPods(holders, held.get(vf.pciAddress) ?? []);
    if (holders.size > 0) {
      const pods = [...holders.values()].sort((a, b) => (podName(a) < podName(b) ? -1 : 1));
      return refused(
        base,
        pods,
        input.evict,
        `numVfs of PF ${pfLabel(pf)} changes ${pf.numVfs} → ${d.numVfs}, which destroys all its VFs`,
      );
    }
  }
  const steps: Step[] = [];
  const allUserspace = d.slots.length === d.numVfs && d.slots.every((s) => s.deviceType === 'vfio-pci');
  const autoprobe = input.facts.autoprobe.get(pf.pciAddress) ?? true;
  if (d.numVfs > 0 && autoprobe === allUserspace)
    steps.push({ op: 'autoprobe', pf: pf.pciAddress, enabled: !allUserspace });
  const vfs = new Map(change ? [] : pf.vfs.map((vf) => [vf.vfID, vf] as const));
  if (change) steps.push({ op: 'numVfs', pf: pf.pciAddress, from: pf.numVfs, to: d.numVfs });
  if (d.numVfs > 0 && (change || d.slots.some((s) => !vfs.has(s.vfID))))
    steps.push({ op: 'waitVfs', pf: pf.pciAddress, count: d.numVfs });
  const holders = new Map<string, PodRef>();
  for (const slot of d.slots) {
    const vf = vfs.get(slot.vfID);
    const pods = vf ? (held.get(vf.pciAddress) ?? []) : [];
    const planned = vfSteps(pf.pciAddress, slot, vf, input, pods.length > 0);
    if (planned === 'blocked') addPods(holders, pods);
    else steps.push(...planned);
  }
  if (pf.name !== null && d.mtu !== null && (pf.mtu ?? 0) < d.mtu)
    steps.push({ op: 'pfMtu', pf: pf.pciAddress, ifname: pf.name, mtu: d.mtu });
  if (pf.name !== null && input.facts.adminUp.get(pf.pciAddress) === false)
    steps.push({ op: 'linkUp', pf: pf.pciAddress, ifname: pf.name });
  if (holders.size === 0) return { ...base, steps };
  const pods = [...holders.values()].sort((a, b) => (podName(a) < podName(b) ? -1 : 1));
  return {
    ...refused(base, pods, input.evict, `VFs of PF ${pfLabel(pf)} that pods hold need another driver`),
    steps,
  };
}

function refused(base: PfPlan, pods: PodRef[], evict: boolean, what: string): PfPlan {
  const names = pods.map(podName).join(', ');
  return evict
    ? { ...base, outcome: 'Evict', pods, message: `${what}; evicting the pods that hold them: ${names}` }
    : {
        ...base,
        outcome: 'NeedsEviction',
        pods,
        message: `${what}; pods hold them: ${names}. Delete those pods, or run the agent with --evict to evict exactly them`,
      };
}

/** The steps VF `slot` needs, or 'blocked' when they would rebind a VF a pod holds. */
function vfSteps(
  pf: string,
  slot: VfSlot,
  vf: ObservedVf | undefined,
  input: PlanInput,
  allocated: boolean,
): Step[] | 'blocked' {
  const vfio = slot.deviceType === 'vfio-pci';
  const driver = vfio ? ('vfio-pci' as const) : null;
  const vdpa = VDPA[slot.deviceType] ?? null;
  const mtu = slot.deviceType === 'netdevice' ? slot.mtu : null;
  const { vfID } = slot;
  if (!vf) {
    // Created by this plan: its state is known only once it exists, so every step is planned.
    return [
      { op: 'bindVf', pf, vfID, driver },
      ...(mtu === null ? [] : [{ op: 'vfMtu' as const, pf, vfID, mtu }]),
      ...(vdpa === null ? [] : [{ op: 'vdpa' as const, pf, vfID, driver: vdpa }]),
    ];
  }
  const driverOk = vfio ? vf.driver === 'vfio-pci' : vf.driver !== null && !USERSPACE_DRIVERS.has(vf.driver);
  const vdpaOk = vf.vdpaDriver === vdpa;
  if (allocated && (!driverOk || !vdpaOk)) return 'blocked';
  const steps: Step[] = [];
  const override = input.facts.overrides.get(vf.pciAddress) ?? null;
  // A stale override (an apply stopped between bind and clearing it) is cleared by the same step.
  if (!driverOk || override !== null) steps.push({ op: 'bindVf', pf, vfID, driver });
  if (mtu !== null && !allocated) {
    const current = input.facts.vfMtu.get(vf.pciAddress);
    if (!driverOk || (vf.netdev !== null && current !== mtu)) steps.push({ op: 'vfMtu', pf, vfID, mtu });
  }
  if (!vdpaOk) steps.push({ op: 'vdpa', pf, vfID, driver: vdpa });
  return steps;
}
