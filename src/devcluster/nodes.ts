import { CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';

const DEFAULT_ALLOCATABLE: Record<string, string> = { cpu: '32', memory: '256Gi', pods: '110' };

/**
 * A Node with no kubelet behind it. Its status is set on create (the API keeps status on Node create), with
 * `pods`, cpu and memory unless `allocatable` overrides them: without `pods` the scheduler fits no pod at all.
 * The Ready condition is there for realism; nothing ages it, as no node-lifecycle controller runs.
 */
export async function createFakeNode(
  kc: KubeConfig,
  name: string,
  allocatable: Record<string, string>,
  opts: { labels?: Record<string, string> } = {},
): Promise<V1Node> {
  const resources = { ...DEFAULT_ALLOCATABLE, ...allocatable };
  const now = new Date();
  const node: V1Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        ...opts.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: {},
    status: {
      capacity: resources,
      allocatable: resources,
      phase: 'Running',
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'fake node: no kubelet runs behind it',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
      addresses: [{ type: 'Hostname', address: name }],
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        osImage: 'fake',
        kernelVersion: 'fake',
        kubeletVersion: 'fake',
        kubeProxyVersion: 'fake',
        containerRuntimeVersion: 'fake',
        bootID: '',
        machineID: '',
        systemUUID: '',
      },
    },
  };
  return kc.makeApiClient(CoreV1Api).createNode({ body: node });
}
