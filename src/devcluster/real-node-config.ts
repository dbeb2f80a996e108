import { join } from 'node:path';

export type TopologyManagerPolicy = 'single-numa-node' | 'restricted' | 'best-effort' | 'none';
export type TopologyManagerScope = 'container' | 'pod';

/** Where the kubelet keeps its state inside its mount namespace, as on a real node. */
export const KUBELET_ROOT_IN_NAMESPACE = '/var/lib/kubelet';

export interface KubeletConfigInput {
  /** The node's directory on the host. */
  dir: string;
  port: number;
  healthzPort: number;
  topologyManagerPolicy: TopologyManagerPolicy;
  topologyManagerScope: TopologyManagerScope;
  cpuManager: boolean;
}

/** The files and directories of one real node, all under its directory on the host. */
export function nodePaths(dir: string) {
  const root = join(dir, 'kubelet');
  return {
    /** Bind-mounted onto /var/lib/kubelet in the kubelet's namespace. */
    kubeletRoot: root,
    devicePluginDir: join(root, 'device-plugins'),
    podResourcesSocket: join(root, 'pod-resources', 'kubelet.sock'),
    criSocket: join(dir, 'cri.sock'),
    criRecord: join(dir, 'cri-record.jsonl'),
    /** Reported by the fake runtime as its image and container filesystem. */
    runtimeFs: join(dir, 'runtime-fs'),
    kubeletConfig: join(dir, 'kubelet-config.yaml'),
    kubeconfig: join(dir, 'kubeconfig'),
    certDir: join(dir, 'pki'),
    podLogs: join(dir, 'pod-logs'),
    volumePlugins: join(dir, 'volume-plugins'),
    numaTree: join(dir, 'sys-node'),
    logsDir: join(dir, 'logs'),
  };
}

/**
 * A KubeletConfiguration for a kubelet whose runtime runs nothing: no QoS cgroups, nothing to enforce, no
 * eviction or image GC worth the name. Listeners are on loopback only.
 */
export function kubeletConfiguration(input: KubeletConfigInput): Record<string, unknown> {
  const p = nodePaths(input.dir);
  const cri = `unix://${p.criSocket}`;
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // 1.36 refuses cgroup v1 hosts otherwise; nothing here depends on the cgroup version.
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    // The fake runtime never places a process, so QoS cgroups and allocatable enforcement would hold nothing.
    cgroupsPerQOS: false,
    enforceNodeAllocatable: [],
    failSwapOn: false,
    containerRuntimeEndpoint: cri,
    imageServiceEndpoint: cri,
    podLogsDir: p.podLogs,
    volumePluginDir: p.volumePlugins,
    address: '127.0.0.1',
    port: input.port,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: input.healthzPort,
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
    authorization: { mode: 'AlwaysAllow' },
    registerNode: true,
    // Allocatable changes (a device plugin's health) reach the Node within about 1 s instead of 10 s.
    nodeStatusUpdateFrequency: '1s',
    ...(input.cpuManager
      ? // The static policy needs CPUs held back; CPU 0 stays shared, the rest can be exclusive.
        { cpuManagerPolicy: 'static', reservedSystemCPUs: '0' }
      : { cpuManagerPolicy: 'none' }),
    topologyManagerPolicy: input.topologyManagerPolicy,
    topologyManagerScope: input.topologyManagerScope,
    memoryManagerPolicy: 'None',
    evictionHard: { 'memory.available': '1Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    serializeImagePulls: false,
  };
}

/** Kubelet flags; `--root-dir` is the namespace's view, where the device-plugin directory is hard-coded. */
export function kubeletArgs(dir: string, name: string): string[] {
  const p = nodePaths(dir);
  return [
    `--config=${p.kubeletConfig}`,
    `--kubeconfig=${p.kubeconfig}`,
    `--root-dir=${KUBELET_ROOT_IN_NAMESPACE}`,
    `--cert-dir=${p.certDir}`,
    `--hostname-override=${name}`,
    '--v=2',
  ];
}
