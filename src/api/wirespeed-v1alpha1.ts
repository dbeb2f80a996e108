/**
 * Our CRDs, group `wirespeed.io`, version `v1alpha1`: types only, so the core, the shells and the tests share one
 * spelling. `NodeNetworkState` is the contract between the agent (writes it) and the extender (reads it); its
 * field names are fixed by the design (DESIGN.md §2) and must not change.
 */

export const WIRESPEED_GROUP = 'wirespeed.io';
export const WIRESPEED_VERSION = 'v1alpha1';
export const WIRESPEED_API_VERSION = `${WIRESPEED_GROUP}/${WIRESPEED_VERSION}`;

export type DeviceType = 'netdevice' | 'vfio-pci' | 'vdpa-virtio' | 'vdpa-vhost';
export const DEVICE_TYPES: readonly DeviceType[] = ['netdevice', 'vfio-pci', 'vdpa-virtio', 'vdpa-vhost'];

export type TopologyManagerPolicy = 'none' | 'best-effort' | 'restricted' | 'single-numa-node';
export type TopologyManagerScope = 'container' | 'pod';

/** The NUMA node of devices whose NUMA node the kernel does not report. Satisfies any NUMA node in a fit. */
export const UNKNOWN_NUMA_NODE = -1;

export interface ObjectMetaLite {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: {
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
  }[];
}

// ---- NodeNetworkState (cluster-scoped, one per node, named after the node, owned by the Node) ----

/** One pool's devices on one NUMA node. `free = allocatable − allocated`, never negative. */
export interface PoolNumaCount {
  numaNode: number;
  /** Devices of the pool on this NUMA node. */
  capacity: number;
  /** Healthy devices of the pool on this NUMA node. */
  allocatable: number;
  /** Devices pods hold (pod-resources List). */
  allocated: number;
  free: number;
}

export interface PoolStatus {
  /** The extended resource name, e.g. `intel.com/sriov_a`. */
  resourceName: string;
  deviceType: DeviceType;
  numaNodes: PoolNumaCount[];
}

export interface PodDeviceAllocation {
  resourceName: string;
  numaNode: number;
  /** Device IDs (PCI addresses) as the device plugin published them. */
  ids: string[];
}

export interface PodAllocation {
  uid: string;
  namespace: string;
  name: string;
  devices: PodDeviceAllocation[];
}

export interface KubeletTopology {
  topologyManagerPolicy: TopologyManagerPolicy;
  topologyManagerScope: TopologyManagerScope;
}

export interface VfStatus {
  pciAddress: string;
  vfID: number;
  driver: string | null;
  iommuGroup: number | null;
  netdev: string | null;
  /** The pool (resourceName) this VF belongs to, or null when no policy selects it. */
  pool: string | null;
}

export interface InterfaceStatus {
  pciAddress: string;
  name: string | null;
  vendor: string;
  deviceID: string;
  driver: string | null;
  numaNode: number;
  totalVfs: number;
  numVfs: number;
  linkState: 'up' | 'down' | 'unknown';
  mtu: number | null;
  vfs: VfStatus[];
}

export type SyncStatus = 'Succeeded' | 'InProgress' | 'Failed' | 'NeedsEviction' | 'Stuck';

/** What device setup applied to one PF (the policies' wish for it, and how far the host got). */
export interface AppliedPf {
  pciAddress: string;
  name: string | null;
  syncStatus: SyncStatus;
  message?: string;
  numVfs: number;
  /** The PF MTU asked (the largest of its policies), null when none asks one. */
  mtu: number | null;
  /** The VF ranges of each pool on this PF, e.g. `0-3, 6`. */
  pools: { resourceName: string; deviceType: DeviceType; vfs: string }[];
  /** Pods holding VFs a refused change would destroy (NeedsEviction) or being evicted (InProgress). */
  pods?: { namespace: string; name: string }[];
}

/** Hugepages asked of one NUMA node and page size, and what the kernel granted (read back). */
export interface AppliedHugepages {
  numaNode: number;
  pageSize: string;
  requested: number;
  granted: number;
}

export interface NodeNetworkStateStatus {
  kubelet: KubeletTopology;
  pools: PoolStatus[];
  pods: PodAllocation[];
  /** RFC 3339. */
  reportTime: string;
  interfaces?: InterfaceStatus[];
  syncStatus?: SyncStatus;
  syncMessage?: string;
  /** `namespace/name` → the generation of that NetworkNodePolicy last applied. */
  policyGenerations?: Record<string, number>;
  /** Per PF a policy selects: what device setup applied. */
  appliedPfs?: AppliedPf[];
  appliedHugepages?: AppliedHugepages[];
}

export interface NodeNetworkState {
  apiVersion: typeof WIRESPEED_API_VERSION;
  kind: 'NodeNetworkState';
  metadata: ObjectMetaLite;
  status?: NodeNetworkStateStatus;
}

export const NODE_NETWORK_STATE_PLURAL = 'nodenetworkstates';

// ---- NetworkNodePolicy (namespaced, in the agent's namespace) ----

export interface NicSelector {
  /** PCI vendor ID, hex without 0x, e.g. `8086`. */
  vendor?: string;
  /** PCI device ID of the PF, hex without 0x, e.g. `158b`. */
  deviceID?: string;
  /** PF netdev names, each optionally with a VF range: `ens1f0#0-7`. */
  pfNames?: string[];
  /** PF PCI addresses. */
  rootDevices?: string[];
  /** e.g. `openstack/NetworkID:...` as the operator; matched literally. */
  netFilter?: string;
}

export interface NetworkNodePolicySpec {
  /** The pool: an extended resource name without or with a prefix (`sriov_a` or `intel.com/sriov_a`). */
  resourceName: string;
  nodeSelector?: Record<string, string>;
  /** Lower wins, as in SriovNetworkNodePolicy (0 highest, 99 default). */
  priority?: number;
  nicSelector: NicSelector;
  numVfs: number;
  deviceType?: DeviceType;
  mtu?: number;
  /** Hugepages to reserve per NUMA node: `{ "1Gi": { "0": 4, "1": 4 } }` page size → NUMA node → pages. */
  hugepages?: Record<string, Record<string, number>>;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface NetworkNodePolicy {
  apiVersion: typeof WIRESPEED_API_VERSION;
  kind: 'NetworkNodePolicy';
  metadata: ObjectMetaLite;
  spec: NetworkNodePolicySpec;
  status?: { conditions?: Condition[] };
}

export const NETWORK_NODE_POLICY_PLURAL = 'networknodepolicies';
