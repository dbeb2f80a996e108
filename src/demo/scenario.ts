/**
 * What the demo builds, as data: four kinds of node (NIC layouts), the NetworkNodePolicies that make pools of
 * their VFs, the NADs a platform team publishes, and the pods users write, which name only networks.
 *
 * The burst pool `wirespeed.io/sriov_net` is sized so that the plain scheduler must go wrong: the Intel node has
 * 3 VFs of it on each NUMA node, so after one 2-VF pod per NUMA node it still counts 2 free (1 + 1) and binds
 * a third pod the kubelet can only reject (TopologyAffinityError). The mixed node's 4 on NUMA 0 are the NUMA
 * node the burst exhausts.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { type SimHostLayout, type SimVendor, simulatedLayout } from '../agent/host/simulated/layout.js';
import type { NetworkAttachmentDefinition } from '../api/nad.js';
import type { NetworkNodePolicy } from '../api/wirespeed-v1alpha1.js';
import type { ClusterNodeSpec } from '../harness/cluster.js';
import { nadObject } from '../harness/nads.js';

export const DEMO_NAMESPACE = 'demo';
export const SRIOV_LABEL = 'feature.node.kubernetes.io/network-sriov.capable';
export const POOLS = {
  dpdk: 'wirespeed.io/dpdk',
  sriovNet: 'wirespeed.io/sriov_net',
  mlxNet: 'wirespeed.io/mlx_net',
  vdpa: 'wirespeed.io/vdpa',
} as const;
/** In the webhook's default allow-list; `DirectoryOrCreate` so the kubelet makes it in its own namespace. */
export const VHOST_SOCKETS = '/var/lib/vhost_sockets';
export const ALLOWED_HOST_PATHS = `/var/run/vhost-user:rw,${VHOST_SOCKETS}:rw:DirectoryOrCreate,/run/memif:rw,/dev/vfio:ro`;
const ONE_GI_PAGES_PER_NUMA = 4;
const VFS_PER_PF = 8;

interface PfSpec {
  vendor: SimVendor;
  name: string;
  numaNode: number;
}

/**
 * A two-NUMA-node host with these PFs (`sriov_totalvfs` 8, `numVfs` created), 4 × 1Gi hugepages per NUMA node,
 * on the machine's 2 CPUs.
 */
export function hostLayout(pfs: readonly PfSpec[], numVfs: number): SimHostLayout {
  const base = simulatedLayout({ pfs: 0, vfs: VFS_PER_PF, numa: 2, cpus: 2 });
  return {
    ...base,
    numaNodes: base.numaNodes.map((n) => ({
      ...n,
      hugepages: n.hugepages.map((h) =>
        h.sizeKiB === 1048576 ? { ...h, total: ONE_GI_PAGES_PER_NUMA, free: ONE_GI_PAGES_PER_NUMA } : h,
      ),
    })),
    // PF p of a layout with p + 1 PFs has its own bus and IOMMU groups, so PFs of two vendors never collide.
    pfs: pfs.map((spec, p) => {
      const pf = simulatedLayout({
        pfs: p + 1,
        vfs: VFS_PER_PF,
        numVfs,
        numa: 2,
        cpus: 2,
        vendor: spec.vendor,
      }).pfs[p];
      if (!pf) throw new Error(`no PF ${p}`);
      return { ...pf, name: spec.name, numaNode: spec.numaNode };
    }),
  };
}

/** Intel PFs: VFs 0-3 on vfio-pci (DPDK), the rest on iavf. Mellanox PFs: VFs 4-5 get a vDPA device. */
const intel = (name: string, numaNode: number): PfSpec => ({ vendor: 'intel', name, numaNode });
const mellanox = (name: string, numaNode: number): PfSpec => ({ vendor: 'mellanox', name, numaNode });

interface NodeKind {
  kind: string;
  pfs: PfSpec[];
}

const NODE_KINDS: NodeKind[] = [
  { kind: 'intel', pfs: [intel('ens1f0', 0), intel('ens2f0', 1)] },
  { kind: 'mlx', pfs: [mellanox('ens3f0', 0), mellanox('ens4f0', 0)] },
  { kind: 'mixed', pfs: [intel('ens5f0', 0), mellanox('ens6f0', 1)] },
  { kind: 'plain', pfs: [] },
];

/**
 * `count` nodes, cycling through the four kinds: ws-1-intel, ws-2-mlx, ws-3-mixed, ws-4-plain, ws-5-intel...
 * Their PFs have no VFs: the agents create and bind them from the policies. `prebuilt`: the VFs exist and are
 * bound as the policies want (for agents that do not set devices up).
 */
export function demoNodes(count: number, opts: { prebuilt?: boolean } = {}): ClusterNodeSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const kind = NODE_KINDS[i % NODE_KINDS.length] as NodeKind;
    const intelPfs = kind.pfs.filter((p) => p.vendor === 'intel').map((p) => p.name);
    const mlxPfs = kind.pfs.filter((p) => p.vendor === 'mellanox').map((p) => p.name);
    const labels: Record<string, string> = kind.pfs.length > 0 ? { [SRIOV_LABEL]: 'true' } : {};
    return {
      name: `ws-${i + 1}-${kind.kind}`,
      layout: hostLayout(kind.pfs, opts.prebuilt ? VFS_PER_PF : 0),
      ...(opts.prebuilt
        ? { drivers: { vfio: intelPfs.map((pf) => `${pf}#0-3`), vdpaVhost: mlxPfs.map((pf) => `${pf}#4-5`) } }
        : {}),
      labels,
    };
  });
}

function policy(
  name: string,
  resourceName: string,
  deviceType: NetworkNodePolicy['spec']['deviceType'],
  vendor: string,
  pfNames: string[],
): NetworkNodePolicy {
  return {
    apiVersion: 'wirespeed.io/v1alpha1',
    kind: 'NetworkNodePolicy',
    metadata: { name },
    spec: {
      resourceName: resourceName.replace(/^wirespeed\.io\//, ''),
      deviceType,
      numVfs: VFS_PER_PF,
      nodeSelector: { [SRIOV_LABEL]: 'true' },
      nicSelector: { vendor, pfNames },
    },
  };
}

export const DEMO_POLICIES: NetworkNodePolicy[] = [
  policy('dpdk', POOLS.dpdk, 'vfio-pci', '8086', ['ens1f0#0-3', 'ens2f0#0-3', 'ens5f0#0-3']),
  policy('sriov-net', POOLS.sriovNet, 'netdevice', '8086', ['ens1f0#4-6', 'ens2f0#4-6', 'ens5f0#4-7']),
  policy('mlx-net', POOLS.mlxNet, 'netdevice', '15b3', ['ens3f0#0-3', 'ens4f0#0-3', 'ens6f0#0-3']),
  policy('vdpa', POOLS.vdpa, 'vdpa-vhost', '15b3', ['ens3f0#4-5', 'ens4f0#4-5', 'ens6f0#4-5']),
];

const RESOURCE = 'k8s.v1.cni.cncf.io/resourceName';

export const DEMO_NADS: NetworkAttachmentDefinition[] = [
  nadObject(
    'dpdk-net',
    {
      [RESOURCE]: POOLS.dpdk,
      'wirespeed.io/hugepages': '1Gi=1Gi',
      'k8s.v1.cni.cncf.io/nodeSelector': `${SRIOV_LABEL}=true`,
    },
    'host-device',
  ),
  nadObject('sriov-net', { [RESOURCE]: POOLS.sriovNet }),
  nadObject('mlx-net', { [RESOURCE]: POOLS.mlxNet }),
  nadObject('vhost-user', { [RESOURCE]: POOLS.vdpa, 'wirespeed.io/mounts': VHOST_SOCKETS }, 'vhost-vdpa'),
];

/** A pod as a user writes it: the networks annotation, and memory (Kubernetes wants it beside hugepages). */
export function userPod(name: string, networks: string, labels: Record<string, string> = {}): V1Pod {
  return {
    metadata: {
      name,
      namespace: DEMO_NAMESPACE,
      labels: { app: 'wirespeed-demo', ...labels },
      annotations: { 'k8s.v1.cni.cncf.io/networks': networks },
    },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/app:1',
          resources: { requests: { memory: '256Mi' }, limits: { memory: '256Mi' } },
        },
      ],
    },
  };
}

export const UNPLACEABLE = 'too-big';

/** The workloads before the burst: a DPDK CNF, ordinary SR-IOV pods, and one that fits nowhere. */
export function demoWorkloads(): V1Pod[] {
  return [
    userPod('cnf-dpdk', 'dpdk-net@dpdk0, dpdk-net@dpdk1'),
    userPod('web-1', 'mlx-net'),
    userPod('web-2', 'mlx-net, mlx-net@net2'),
    userPod('vhost-app', 'vhost-user'),
    userPod(UNPLACEABLE, 'dpdk-net, dpdk-net, dpdk-net, dpdk-net, dpdk-net'),
  ];
}

export const BURST_LABEL = 'wirespeed-demo/burst';

/** `size` pods of two `sriov_net` VFs each. */
export function burstPods(size: number): V1Pod[] {
  return Array.from({ length: size }, (_, i) =>
    userPod(`burst-${i + 1}`, 'sriov-net, sriov-net@net2', { [BURST_LABEL]: 'true' }),
  );
}
