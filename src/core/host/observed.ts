/**
 * What discovery saw on a host (`observeHost` in src/agent/observe.ts): the SR-IOV PFs with their VFs, and the
 * NUMA nodes. A plain value, so pool selection, the report, the device plugin and `wirespeed discover` all
 * work from the same snapshot and can be tested without a host.
 */

export type LinkState = 'up' | 'down' | 'unknown';

export interface ObservedVf {
  /** The VF index N of the PF's `virtfnN` link: with the PF's address, the VF's identity. */
  vfID: number;
  pciAddress: string;
  /** The bound driver (`iavf`, `mlx5_core`, `vfio-pci`, ...), null when unbound. */
  driver: string | null;
  iommuGroup: number | null;
  /** The VF's netdev while it is in the host's namespace; null once bound to vfio-pci or moved into a pod. */
  netdev: string | null;
  /** The driver of the VF's vDPA device (`virtio_vdpa`, `vhost_vdpa`), null when it has none. */
  vdpaDriver: string | null;
}

export interface ObservedPf {
  pciAddress: string;
  /** The PF's netdev, null when it has none (bound to vfio-pci, or the driver is not loaded). */
  name: string | null;
  /** PCI vendor ID, lower-case hex without 0x (`8086`). */
  vendor: string;
  /** PCI device ID, lower-case hex without 0x (`158b`). */
  deviceID: string;
  /** The device ID its VFs will have (`sriov_vf_device`), null when the kernel does not say. */
  vfDeviceID: string | null;
  driver: string | null;
  /** The NUMA node: the kernel's, 0 when inferred on a single-node host, −1 when unknown. */
  numaNode: number;
  /** True when the kernel reported no NUMA node and the host has only one, so node 0 was assumed. */
  numaInferred: boolean;
  /** CPUs local to the device (`local_cpulist`, e.g. `0-15,32-47`), null when not reported. */
  localCpus: string | null;
  totalVfs: number;
  /** VFs the kernel says exist (`sriov_numvfs`); `vfs` lists the ones found. */
  numVfs: number;
  linkState: LinkState;
  mtu: number | null;
  /** Cloud network filter (`openstack/NetworkID:...`); null on bare metal, where no metadata names one. */
  netFilter: string | null;
  /** Sorted by vfID. */
  vfs: ObservedVf[];
}

export interface ObservedHugepages {
  sizeKiB: number;
  total: number;
  free: number;
}

export interface ObservedNumaNode {
  id: number;
  /** `cpulist` of the node (`0-3`), empty when it has no CPUs. */
  cpus: string;
  memTotalKiB: number | null;
  /** Sorted by size. */
  hugepages: ObservedHugepages[];
}

export interface ObservedHost {
  /** Sorted by PCI address. */
  pfs: ObservedPf[];
  /** Sorted by id; empty on a kernel without NUMA support. */
  numaNodes: ObservedNumaNode[];
  /** Whether an IOMMU is active (`/sys/class/iommu` has entries): vfio-pci needs one. */
  iommu: boolean;
}
