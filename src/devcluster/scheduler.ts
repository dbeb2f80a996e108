import { randomBytes } from 'node:crypto';
import { ApiException, type CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';

/**
 * A KubeSchedulerConfiguration with `extra` laid over the defaults. The kubeconfig has to be inside the file:
 * kube-scheduler ignores `--kubeconfig` when `--config` is given.
 */
export function renderSchedulerConfig(kubeconfigPath: string, extra: Record<string, unknown> = {}): string {
  const clientConnection = { ...asRecord(extra.clientConnection), kubeconfig: kubeconfigPath };
  return stringify({
    apiVersion: 'kubescheduler.config.k8s.io/v1',
    kind: 'KubeSchedulerConfiguration',
    leaderElection: { leaderElect: false },
    ...extra,
    clientConnection,
  });
}

export function schedulerArgs(configPath: string): string[] {
  // No serving port: nothing needs its /healthz, and a port would be one more thing to collide.
  return [`--config=${configPath}`, '--leader-elect=false', '--secure-port=0', '--v=2'];
}

/** The scheduler name of the first profile, which is the one a probe pod must ask for. */
export function probeSchedulerName(extra: Record<string, unknown> = {}): string {
  const profiles = extra.profiles;
  if (Array.isArray(profiles)) {
    const name = asRecord(profiles[0]).schedulerName;
    if (typeof name === 'string') return name;
  }
  return 'default-scheduler';
}

const PROBE_NAMESPACE = 'kube-system';

/**
 * Readiness without a serving port: a pod that fits no node. Once the scheduler has tried it and written its
 * PodScheduled condition, its informers are synced and it is scheduling. No node is needed, so the probe
 * cannot attract real pods, and extenders are never called for a pod that no node passes.
 */
export async function createSchedulerProbe(core: CoreV1Api, schedulerName: string): Promise<string> {
  const name = `wirespeed-scheduler-probe-${randomBytes(4).toString('hex')}`;
  const pod: V1Pod = {
    metadata: {
      name,
      namespace: PROBE_NAMESPACE,
      labels: { 'app.kubernetes.io/name': 'wirespeed-scheduler-probe' },
    },
    spec: {
      schedulerName,
      nodeSelector: { 'wirespeed.io/scheduler-probe': name },
      containers: [{ name: 'probe', image: 'registry.k8s.io/pause:3.10' }],
    },
  };
  await core.createNamespacedPod({ namespace: PROBE_NAMESPACE, body: pod });
  return name;
}

/** `true` once the scheduler has written the probe pod's PodScheduled condition. */
export async function schedulerProbed(core: CoreV1Api, name: string): Promise<true | undefined> {
  const pod = await core.readNamespacedPod({ name, namespace: PROBE_NAMESPACE });
  return pod.status?.conditions?.some((c) => c.type === 'PodScheduled') ? true : undefined;
}

export async function deleteSchedulerProbe(core: CoreV1Api, name: string): Promise<void> {
  try {
    await core.deleteNamespacedPod({ name, namespace: PROBE_NAMESPACE, gracePeriodSeconds: 0 });
  } catch (err) {
    if (!(err instanceof ApiException && err.code === 404)) throw err;
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
