/**
 * Reads what the cluster did into the demo's outcome values: each pod's node, phase and reason from the API
 * server, its devices (PCI addresses, NUMA node) from its node's NodeNetworkState `status.pods`, what admission
 * injected from the stored pod spec, and the free devices per pool per NUMA node from every report.
 */
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { NodeNetworkState } from '../api/wirespeed-v1alpha1.js';
import { readNodeNetworkState } from '../harness/cluster-api.js';
import type { KubeEndpoint } from '../kube/endpoint.js';
import { type PodDevices, type PodOutcome, type PoolFree, singleNumaNode } from './outcome.js';

export const TOPOLOGY_AFFINITY_ERROR = 'TopologyAffinityError';

export function poolsFree(state: NodeNetworkState | undefined): PoolFree[] {
  return (state?.status?.pools ?? [])
    .map((p) => ({
      resourceName: p.resourceName,
      numaNodes: [...p.numaNodes]
        .sort((a, b) => a.numaNode - b.numaNode)
        .map(({ numaNode, free, allocatable }) => ({ numaNode, free, allocatable })),
    }))
    .sort((a, b) => a.resourceName.localeCompare(b.resourceName));
}

export async function readStates(
  endpoint: KubeEndpoint,
  nodes: readonly string[],
): Promise<Map<string, NodeNetworkState | undefined>> {
  const states = await Promise.all(nodes.map((n) => readNodeNetworkState(endpoint, n)));
  return new Map(nodes.map((n, i) => [n, states[i]]));
}

/** Extended resources and hugepages in the containers' limits, and the host paths and hugepages mounted. */
export function injectedOf(pod: V1Pod): PodOutcome['injected'] {
  const resources: Record<string, string> = {};
  const mounts: string[] = [];
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  for (const c of pod.spec?.containers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.limits ?? {}))
      if (k.includes('/') || k.startsWith('hugepages-')) resources[k] = String(v);
    for (const m of c.volumeMounts ?? []) {
      const v = volumes.get(m.name);
      if (v?.hostPath)
        mounts.push(v.hostPath.path === m.mountPath ? m.mountPath : `${v.hostPath.path}:${m.mountPath}`);
      else if (v?.emptyDir?.medium?.startsWith('HugePages')) mounts.push(m.mountPath);
    }
  }
  return { resources, mounts };
}

/** The latest FailedScheduling message of a pod, or its PodScheduled condition's. */
async function schedulingReason(core: CoreV1Api, pod: V1Pod): Promise<string | null> {
  const name = pod.metadata?.name ?? '';
  const events = await core.listNamespacedEvent({
    namespace: pod.metadata?.namespace ?? '',
    fieldSelector: `involvedObject.name=${name},reason=FailedScheduling`,
  });
  const latest = events.items
    .filter((e) => e.involvedObject.uid === pod.metadata?.uid)
    .sort((a, b) => eventTime(b) - eventTime(a))[0];
  const condition = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  return latest?.message ?? condition?.message ?? null;
}

function eventTime(e: { lastTimestamp?: Date; eventTime?: Date; metadata: { creationTimestamp?: Date } }) {
  return new Date(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? 0).getTime();
}

export async function podOutcome(
  core: CoreV1Api,
  pod: V1Pod,
  states: ReadonlyMap<string, NodeNetworkState | undefined>,
): Promise<PodOutcome> {
  const node = pod.spec?.nodeName ?? null;
  const phase = pod.status?.phase ?? 'Pending';
  const rejected = phase === 'Failed' && pod.status?.reason === TOPOLOGY_AFFINITY_ERROR;
  const held = node ? states.get(node)?.status?.pods.find((p) => p.uid === pod.metadata?.uid) : undefined;
  const allocations: PodDevices[] = (held?.devices ?? []).map((d) => ({
    resourceName: d.resourceName,
    numaNode: d.numaNode,
    ids: [...d.ids],
  }));
  let reason: string | null = null;
  if (phase === 'Failed') reason = pod.status?.reason ?? pod.status?.message ?? 'Failed';
  else if (!node) reason = await schedulingReason(core, pod);
  return {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    node,
    numaNode: singleNumaNode(allocations),
    phase,
    devices: allocations.flatMap((a) => a.ids),
    reason,
    topologyRejected: rejected,
    injected: injectedOf(pod),
    allocations,
  };
}

/** Settled: running with its devices in its node's report, failed, or unschedulable. */
export function podSettled(pod: V1Pod, states: ReadonlyMap<string, NodeNetworkState | undefined>): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') return true;
  const node = pod.spec?.nodeName;
  if (!node) {
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    return scheduled?.status === 'False' && scheduled.reason === 'Unschedulable';
  }
  if (phase !== 'Running') return false;
  const wantsDevices = Object.keys(injectedOf(pod).resources).some((k) => k.startsWith('wirespeed.io/'));
  return !wantsDevices || (states.get(node)?.status?.pods.some((p) => p.uid === pod.metadata?.uid) ?? false);
}
