/**
 * Every sysfs path the agent reads or writes, host-absolute, in one place (resolved under a `Host`'s root).
 * The layout is the kernel's: PCI devices under `/sys/bus/pci/devices/<address>` (links into `/sys/devices`),
 * netdevs under a device's `net/`, NUMA nodes under `/sys/devices/system/node`.
 */

export const SYS_PCI_DEVICES = '/sys/bus/pci/devices';
export const SYS_PCI_DRIVERS = '/sys/bus/pci/drivers';
export const SYS_PCI_DRIVERS_PROBE = '/sys/bus/pci/drivers_probe';
export const SYS_CLASS_NET = '/sys/class/net';
export const SYS_CLASS_IOMMU = '/sys/class/iommu';
export const SYS_IOMMU_GROUPS = '/sys/kernel/iommu_groups';
export const SYS_NODES = '/sys/devices/system/node';
export const SYS_CPUS = '/sys/devices/system/cpu';
export const SYS_VDPA_DEVICES = '/sys/bus/vdpa/devices';
export const DEV_VFIO = '/dev/vfio';

/** Attributes of a PCI device directory the agent uses. */
export type PciAttr =
  | 'class'
  | 'vendor'
  | 'device'
  | 'numa_node'
  | 'local_cpulist'
  | 'sriov_totalvfs'
  | 'sriov_numvfs'
  | 'sriov_vf_device'
  | 'sriov_offset'
  | 'sriov_stride'
  | 'sriov_drivers_autoprobe'
  | 'driver_override'
  | 'driver'
  | 'iommu_group'
  | 'physfn'
  | 'net';

export const pciDevice = (address: string): string => `${SYS_PCI_DEVICES}/${address}`;
/** Where the kernel keeps a PCI device (`/sys/bus/pci/devices/<address>` links here); one root complex. */
export const SYS_PCI_ROOT_COMPLEX = '/sys/devices/pci0000:00';
export const pciDeviceRealDir = (address: string): string => `${SYS_PCI_ROOT_COMPLEX}/${address}`;
/**
 * The same names under the device's real directory: where a simulated host places files and links, so a
 * link's relative target is computed from the directory the kernel would resolve it in.
 */
export const pciRealAttr = (address: string, attr: PciAttr): string =>
  `${SYS_PCI_ROOT_COMPLEX}/${address}/${attr}`;
export const pciRealVirtfn = (pf: string, index: number): string =>
  `${SYS_PCI_ROOT_COMPLEX}/${pf}/virtfn${index}`;
export const pciRealNetDir = (address: string, ifname: string): string =>
  `${SYS_PCI_ROOT_COMPLEX}/${address}/net/${ifname}`;
export const pciAttr = (address: string, attr: PciAttr): string => `${SYS_PCI_DEVICES}/${address}/${attr}`;
/** The link from a PF to its VF number `index`; the link's basename is the VF's PCI address. */
export const pciVirtfn = (pf: string, index: number): string => `${SYS_PCI_DEVICES}/${pf}/virtfn${index}`;
export const VIRTFN_ENTRY = /^virtfn(\d+)$/;

export const pciDriver = (driver: string): string => `${SYS_PCI_DRIVERS}/${driver}`;
export const pciDriverBind = (driver: string): string => `${SYS_PCI_DRIVERS}/${driver}/bind`;
export const pciDriverUnbind = (driver: string): string => `${SYS_PCI_DRIVERS}/${driver}/unbind`;
export const pciDriverNewId = (driver: string): string => `${SYS_PCI_DRIVERS}/${driver}/new_id`;
/** The driver's link to a device it has bound: `/sys/bus/pci/drivers/<driver>/<address>`. */
export const pciDriverDevice = (driver: string, address: string): string =>
  `${SYS_PCI_DRIVERS}/${driver}/${address}`;
export const pciNetDir = (address: string, ifname: string): string =>
  `${SYS_PCI_DEVICES}/${address}/net/${ifname}`;

/** An attribute of a device's netdev, read through the device (`net/<ifname>/...`) so a moved netdev is not read. */
export type NetAttr = 'operstate' | 'carrier' | 'mtu' | 'address' | 'ifindex' | 'phys_port_name' | 'flags';
export const pciNetAttr = (address: string, ifname: string, attr: NetAttr): string =>
  `${SYS_PCI_DEVICES}/${address}/net/${ifname}/${attr}`;
export const pciRealNetAttr = (address: string, ifname: string, attr: NetAttr): string =>
  `${SYS_PCI_ROOT_COMPLEX}/${address}/net/${ifname}/${attr}`;
export const classNet = (ifname: string): string => `${SYS_CLASS_NET}/${ifname}`;

export const iommuGroup = (group: number): string => `${SYS_IOMMU_GROUPS}/${group}`;
export const iommuGroupDevice = (group: number, address: string): string =>
  `${SYS_IOMMU_GROUPS}/${group}/devices/${address}`;
export const vfioGroupDevice = (group: number): string => `${DEV_VFIO}/${group}`;
export const VFIO_CONTAINER = `${DEV_VFIO}/vfio`;

export const vdpaDevice = (name: string): string => `${SYS_VDPA_DEVICES}/${name}`;
export const SYS_VDPA_DRIVERS = '/sys/bus/vdpa/drivers';
export const vdpaDriverBind = (driver: string): string => `${SYS_VDPA_DRIVERS}/${driver}/bind`;
export const vdpaDriverUnbind = (driver: string): string => `${SYS_VDPA_DRIVERS}/${driver}/unbind`;
/** The character device vhost_vdpa gives vDPA device number `n`. */
export const devVhostVdpa = (n: number): string => `/dev/vhost-vdpa-${n}`;
/** The vDPA device name the agent gives a VF's vDPA device (as sriov-network-operator: `vdpa:<pci>`). */
export const vdpaNameOf = (vf: string): string => `vdpa:${vf}`;

export const NODE_ENTRY = /^node(\d+)$/;
export const nodeDir = (node: number): string => `${SYS_NODES}/node${node}`;
export type NodeAttr = 'cpulist' | 'meminfo' | 'distance';
export const nodeCpu = (node: number, cpu: number): string => `${SYS_NODES}/node${node}/cpu${cpu}`;
export const nodeAttr = (node: number, attr: NodeAttr): string => `${SYS_NODES}/node${node}/${attr}`;
export const nodeHugepagesDir = (node: number): string => `${SYS_NODES}/node${node}/hugepages`;
/** Hugepage size directories are `hugepages-<kB>kB`. */
export const HUGEPAGES_ENTRY = /^hugepages-(\d+)kB$/;
export type HugepageAttr = 'nr_hugepages' | 'free_hugepages' | 'surplus_hugepages';
export const nodeHugepages = (node: number, sizeKiB: number, attr: HugepageAttr): string =>
  `${SYS_NODES}/node${node}/hugepages/hugepages-${sizeKiB}kB/${attr}`;
/** Node masks the kernel keeps beside `online`; cadvisor and the kubelet read some of them. */
export const nodeMask = (
  mask: 'online' | 'possible' | 'has_cpu' | 'has_memory' | 'has_normal_memory',
): string => `${SYS_NODES}/${mask}`;
export const cpuDir = (cpu: number): string => `${SYS_CPUS}/cpu${cpu}`;
export const cpuMask = (mask: 'online' | 'possible' | 'present'): string => `${SYS_CPUS}/${mask}`;
export const cpuTopology = (cpu: number, attr: 'core_id' | 'physical_package_id'): string =>
  `${SYS_CPUS}/cpu${cpu}/topology/${attr}`;
