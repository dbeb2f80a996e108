/**
 * What the demo shows, as values: where each pod landed, on which NUMA node, with which devices, or why it is
 * Pending or was rejected; the free devices per node before and after. Pure: the run collects, this counts and
 * renders (tables for people, one JSON object for scripts and the demo's own test).
 */
import { table } from '../cli/table.js';

export interface PodDevices {
  resourceName: string;
  numaNode: number;
  ids: string[];
}

export interface PodOutcome {
  name: string;
  namespace: string;
  node: string | null;
  /** The single NUMA node of all its devices, or null (none, Pending, or spread over several). */
  numaNode: number | null;
  phase: string;
  devices: string[];
  /** Why it is Pending (the scheduler's message) or Failed (the kubelet's reason), else null. */
  reason: string | null;
  /** The kubelet rejected it for topology (TopologyAffinityError). */
  topologyRejected: boolean;
  /** What admission added: extended resources and hugepages (limits), and host paths mounted. */
  injected: { resources: Record<string, string>; mounts: string[] };
  allocations: PodDevices[];
}

export interface PoolFree {
  resourceName: string;
  /** NUMA node → free/allocatable. */
  numaNodes: { numaNode: number; free: number; allocatable: number }[];
}

export interface NodeOutcome {
  name: string;
  before: PoolFree[];
  after: PoolFree[];
}

export interface BurstCount {
  pods: number;
  misaligned: number;
}

export interface DemoOutcome {
  pods: PodOutcome[];
  nodes: NodeOutcome[];
  compare: { plain: BurstCount; wirespeed: BurstCount } | null;
  /** With --compare: the burst's pods as kube-scheduler alone left them (for the tables; not in the JSON). */
  plainBurst?: PodOutcome[];
}

/** The NUMA node all of a pod's devices sit on, or null when it has none or they span several. */
export function singleNumaNode(allocations: readonly PodDevices[]): number | null {
  const nodes = new Set(allocations.filter((a) => a.ids.length > 0).map((a) => a.numaNode));
  if (nodes.size !== 1) return null;
  const [only] = nodes;
  return only !== undefined && only >= 0 ? only : null;
}

/** Misaligned: devices on more than one NUMA node, or rejected by the kubelet for topology. */
export function isMisaligned(pod: Pick<PodOutcome, 'allocations' | 'topologyRejected'>): boolean {
  if (pod.topologyRejected) return true;
  const held = pod.allocations.filter((a) => a.ids.length > 0);
  return held.length > 0 && new Set(held.map((a) => a.numaNode)).size > 1;
}

export function countMisaligned(
  pods: readonly Pick<PodOutcome, 'allocations' | 'topologyRejected'>[],
): number {
  return pods.filter(isMisaligned).length;
}

/** Exactly the `--json` contract. */
export function demoJson(outcome: DemoOutcome): unknown {
  return {
    pods: outcome.pods.map((p) => ({
      name: p.name,
      namespace: p.namespace,
      node: p.node,
      numaNode: p.numaNode,
      phase: p.phase,
      devices: p.devices,
      reason: p.reason,
    })),
    misaligned: countMisaligned(outcome.pods),
    nodes: outcome.nodes.map((n) => ({ name: n.name, pools: n.after, before: n.before })),
    compare: outcome.compare,
  };
}

export function podsTable(pods: readonly PodOutcome[]): string {
  const rows = pods.map((p) => [
    `${p.namespace}/${p.name}`,
    p.phase,
    p.node ?? '-',
    p.numaNode === null ? '-' : String(p.numaNode),
    p.devices.length > 0 ? p.devices.join(',') : '-',
    Object.entries(p.injected.resources)
      .map(([k, v]) => `${k}=${v}`)
      .join(',') || '-',
    p.injected.mounts.join(',') || '-',
    p.reason === null ? '' : firstSentence(p.reason),
  ]);
  return table([['POD', 'PHASE', 'NODE', 'NUMA', 'DEVICES', 'INJECTED', 'MOUNTS', 'REASON'], ...rows]);
}

/** The scheduler's message up to its first full stop: the preemption notes after it add nothing here. */
export function firstSentence(text: string): string {
  const end = text.search(/\.\s/);
  return end < 0 ? text : text.slice(0, end + 1);
}

/** A NUMA node holding none of the pool's devices shows `-`, as one the report does not name. */
const cell = (pools: readonly PoolFree[], resource: string, numa: number): string => {
  const c = pools.find((p) => p.resourceName === resource)?.numaNodes.find((n) => n.numaNode === numa);
  return c && c.allocatable + c.free > 0 ? `${c.free}/${c.allocatable}` : '-';
};

const change = (before: string, after: string): string =>
  before === '-' && after === '-' ? '-' : `${before} -> ${after}`;

/** Per node and pool, free/allocatable per NUMA node before → after. */
export function nodesTable(nodes: readonly NodeOutcome[]): string {
  const numas = [
    ...new Set(
      nodes.flatMap((n) => [...n.before, ...n.after].flatMap((p) => p.numaNodes.map((x) => x.numaNode))),
    ),
  ].sort((a, b) => a - b);
  const rows: string[][] = [];
  for (const n of nodes) {
    const resources = [...new Set([...n.before, ...n.after].map((p) => p.resourceName))].sort();
    if (resources.length === 0) rows.push([n.name, '(no SR-IOV)', ...numas.map(() => '-')]);
    for (const r of resources) {
      rows.push([n.name, r, ...numas.map((x) => change(cell(n.before, r, x), cell(n.after, r, x)))]);
    }
  }
  return table([['NODE', 'POOL', ...numas.map((x) => (x < 0 ? 'NUMA? free' : `NUMA${x} free`))], ...rows]);
}

export function compareTable(compare: NonNullable<DemoOutcome['compare']>): string {
  return table([
    ['SCHEDULER', 'BURST PODS', 'REJECTED BY KUBELET (TopologyAffinityError) OR MISALIGNED'],
    ['kube-scheduler alone', String(compare.plain.pods), String(compare.plain.misaligned)],
    ['kube-scheduler + wirespeed', String(compare.wirespeed.pods), String(compare.wirespeed.misaligned)],
  ]);
}
