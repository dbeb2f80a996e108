/**
 * The sync part of NodeNetworkState: one status per PF a policy selects and one for the node, worst first
 * (`Stuck` > `Failed` > `NeedsEviction` > `InProgress` > `Succeeded`), with a message that says what is wrong
 * and what to do, and the hugepages asked and granted per NUMA node.
 */
import type { AppliedHugepages, AppliedPf, SyncStatus } from '../../api/wirespeed-v1alpha1.js';
import { formatVfIndices } from '../pools/select.js';
import { KUBELET_RESTART } from './hugepages.js';
import type { HostPlan, PfPlan } from './types.js';

const ORDER: SyncStatus[] = ['Stuck', 'Failed', 'NeedsEviction', 'InProgress', 'Succeeded'];
const MAX_MESSAGE = 2000;

export interface SyncInput {
  plan: HostPlan;
  /** PF address → why a write failed during this reconcile. */
  failures: ReadonlyMap<string, string>;
  /** PF address → the write that hung (kept until the agent restarts). */
  stuck: ReadonlyMap<string, { name: string | null; message: string }>;
  /** PFs whose steps are not all done yet. */
  pending: ReadonlySet<string>;
  /** Eviction results worth telling (a PodDisruptionBudget refusing one). */
  evictionNotes: readonly string[];
  hugepages: readonly AppliedHugepages[];
  hugepageErrors: readonly string[];
  /** Whether the agent changed a hugepage count since it started. */
  hugepagesChanged: boolean;
}

export interface SyncReport {
  syncStatus: SyncStatus;
  syncMessage: string;
  appliedPfs: AppliedPf[];
  appliedHugepages: AppliedHugepages[];
}

function pfStatus(pf: PfPlan, input: SyncInput): { status: SyncStatus; message?: string } {
  const failure = input.failures.get(pf.pciAddress);
  if (failure) return { status: 'Failed', message: failure };
  if (pf.outcome === 'Failed') return { status: 'Failed', ...(pf.message ? { message: pf.message } : {}) };
  if (pf.outcome === 'NeedsEviction')
    return { status: 'NeedsEviction', ...(pf.message ? { message: pf.message } : {}) };
  if (pf.outcome === 'Evict' || input.pending.has(pf.pciAddress))
    return { status: 'InProgress', ...(pf.message ? { message: pf.message } : {}) };
  return { status: 'Succeeded' };
}

function pools(pf: PfPlan): AppliedPf['pools'] {
  const by = new Map<
    string,
    { resourceName: string; deviceType: PfPlan['slots'][number]['deviceType']; vfs: number[] }
  >();
  for (const s of pf.slots) {
    const entry = by.get(s.resourceName) ?? {
      resourceName: s.resourceName,
      deviceType: s.deviceType,
      vfs: [],
    };
    entry.vfs.push(s.vfID);
    by.set(s.resourceName, entry);
  }
  return [...by.values()]
    .sort((a, b) => (a.resourceName < b.resourceName ? -1 : 1))
    .map((p) => ({ resourceName: p.resourceName, deviceType: p.deviceType, vfs: formatVfIndices(p.vfs) }));
}

export function syncReport(input: SyncInput): SyncReport {
  const appliedPfs: AppliedPf[] = input.plan.pfs.map((pf) => {
    const { status, message } = pfStatus(pf, input);
    return {
      pciAddress: pf.pciAddress,
      name: pf.name,
      syncStatus: status,
      ...(message ? { message } : {}),
      numVfs: pf.numVfs,
      mtu: pf.mtu,
      pools: pools(pf),
      ...(pf.pods.length > 0 ? { pods: pf.pods.map((p) => ({ namespace: p.namespace, name: p.name })) } : {}),
    };
  });
  for (const [pciAddress, s] of input.stuck)
    if (!appliedPfs.some((p) => p.pciAddress === pciAddress))
      appliedPfs.push({
        pciAddress,
        name: s.name,
        syncStatus: 'Stuck',
        message: s.message,
        numVfs: 0,
        mtu: null,
        pools: [],
      });
  appliedPfs.sort((a, b) => (a.pciAddress < b.pciAddress ? -1 : 1));
  const short = input.hugepages.filter((h) => h.granted < h.requested);
  const notes = [
    ...appliedPfs.flatMap((p) => (p.syncStatus === 'Succeeded' || !p.message ? [] : [p.message])),
    ...input.evictionNotes,
    ...input.plan.problems,
    ...input.hugepageErrors,
    ...short.map(
      (h) =>
        `hugepages ${h.pageSize} on NUMA node ${h.numaNode}: asked ${h.requested}, the kernel granted ${h.granted} (memory too fragmented?)`,
    ),
  ];
  let status = appliedPfs.reduce<SyncStatus>(
    (worst, p) => (ORDER.indexOf(p.syncStatus) < ORDER.indexOf(worst) ? p.syncStatus : worst),
    'Succeeded',
  );
  if (
    (short.length > 0 || input.plan.problems.length > 0 || input.hugepageErrors.length > 0) &&
    ORDER.indexOf(status) > 1
  )
    status = 'Failed';
  if (input.hugepagesChanged) notes.push(KUBELET_RESTART);
  const summary =
    notes.length > 0
      ? notes.join('; ')
      : appliedPfs.length === 0
        ? 'no policy selects a PF of this node'
        : `${appliedPfs.length} PF${appliedPfs.length === 1 ? '' : 's'} set up as the policies ask`;
  return {
    syncStatus: status,
    syncMessage: summary.length > MAX_MESSAGE ? `${summary.slice(0, MAX_MESSAGE - 3)}...` : summary,
    appliedPfs,
    appliedHugepages: [...input.hugepages],
  };
}
