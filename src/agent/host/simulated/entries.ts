/**
 * A simulated host's sysfs as a list of entries (directories, files, links with host-absolute targets), built
 * from its layout. Pure: the writer makes the links relative, as the kernel's are. Each piece (a PF, VF i of a
 * PF, a driver binding, a NUMA node) is its own function so the kernel's reactions to writes reuse them.
 * Links are placed by their real directory (`/sys/devices/...`), never through another link, so their relative
 * targets resolve as the kernel's do.
 */
import {
  classNet,
  cpuDir,
  cpuMask,
  cpuTopology,
  iommuGroup,
  iommuGroupDevice,
  nodeAttr,
  nodeCpu,
  nodeDir,
  nodeHugepages,
  nodeMask,
  pciDevice,
  pciDeviceRealDir,
  pciDriver,
  pciDriverBind,
  pciDriverDevice,
  pciDriverNewId,
  pciDriverUnbind,
  pciRealAttr,
  pciRealNetAttr,
  pciRealNetDir,
  pciRealVirtfn,
  SYS_CLASS_IOMMU,
  SYS_CLASS_NET,
  SYS_PCI_DEVICES,
  SYS_PCI_DRIVERS,
  VFIO_CONTAINER,
  vfioGroupDevice,
} from '../sysfs.js';
import {
  cpuList,
  type SimHostLayout,
  type SimNumaNode,
  type SimPf,
  vfAddress,
  vfIommuGroup,
  vfNetdev,
} from './layout.js';

export type SimEntry =
  | { kind: 'dir'; path: string }
  | { kind: 'file'; path: string; content: string }
  | { kind: 'link'; path: string; target: string };

const dir = (path: string): SimEntry => ({ kind: 'dir', path });
const file = (path: string, content: string | number): SimEntry => ({
  kind: 'file',
  path,
  content: `${content}\n`,
});
const link = (path: string, target: string): SimEntry => ({ kind: 'link', path, target });
const hex = (id: string) => `0x${id}`;

export const VFIO_DRIVER = 'vfio-pci';

/** Everything of a host: bus and class directories, NUMA nodes, each PF with the VFs it starts with. */
export function hostEntries(layout: SimHostLayout): SimEntry[] {
  const out: SimEntry[] = [
    dir(SYS_PCI_DEVICES),
    dir(SYS_PCI_DRIVERS),
    dir(SYS_CLASS_NET),
    dir(SYS_CLASS_IOMMU),
    ...numaEntries(layout.numaNodes),
  ];
  if (layout.iommu) out.push(dir(`${SYS_CLASS_IOMMU}/dmar0`), file(VFIO_CONTAINER, ''));
  for (const pf of layout.pfs) {
    out.push(...pfEntries(pf, layout));
    for (let i = 0; i < pf.numVfs; i++) out.push(...vfEntries(pf, i, layout, pf.vfDriver));
  }
  return out;
}

function localCpus(numaNode: number, layout: SimHostLayout): string {
  const node = layout.numaNodes.find((n) => n.id === numaNode);
  return cpuList(node ? node.cpus : layout.numaNodes.flatMap((n) => n.cpus));
}

/** The attributes every PCI function has, and its bus link. */
function pciFunctionEntries(address: string, deviceID: string, pf: SimPf, layout: SimHostLayout): SimEntry[] {
  const real = pciDeviceRealDir(address);
  return [
    dir(real),
    link(pciDevice(address), real),
    file(pciRealAttr(address, 'class'), '0x020000'),
    file(pciRealAttr(address, 'vendor'), hex(pf.vendor)),
    file(pciRealAttr(address, 'device'), hex(deviceID)),
    file(pciRealAttr(address, 'numa_node'), pf.numaNode),
    file(pciRealAttr(address, 'local_cpulist'), localCpus(pf.numaNode, layout)),
    file(pciRealAttr(address, 'driver_override'), '(null)'),
  ];
}

function iommuEntries(address: string, group: number, layout: SimHostLayout): SimEntry[] {
  if (!layout.iommu) return [];
  const real = pciDeviceRealDir(address);
  return [
    link(iommuGroupDevice(group, address), real),
    link(pciRealAttr(address, 'iommu_group'), iommuGroup(group)),
  ];
}

export function pfEntries(pf: SimPf, layout: SimHostLayout): SimEntry[] {
  const address = pf.pciAddress;
  return [
    ...pciFunctionEntries(pf.pciAddress, pf.deviceID, pf, layout),
    file(pciRealAttr(address, 'sriov_totalvfs'), pf.totalVfs),
    file(pciRealAttr(address, 'sriov_numvfs'), pf.numVfs),
    file(pciRealAttr(address, 'sriov_vf_device'), pf.vfDeviceID),
    file(pciRealAttr(address, 'sriov_offset'), pf.vfOffset),
    file(pciRealAttr(address, 'sriov_stride'), pf.vfStride),
    file(pciRealAttr(address, 'sriov_drivers_autoprobe'), 1),
    ...iommuEntries(pf.pciAddress, pf.iommuGroup, layout),
    ...bindEntries(pf.pciAddress, pf.driver, { name: pf.name, mtu: pf.mtu, carrier: pf.carrier }, layout),
  ];
}

/**
 * VF `index` of `pf` as the kernel creates it on a write to `sriov_numvfs`: the function, its `physfn` and the
 * PF's `virtfnN` links, its IOMMU group, and the driver autoprobe bound (`driver` null: left unbound).
 */
export function vfEntries(
  pf: SimPf,
  index: number,
  layout: SimHostLayout,
  driver: string | null,
): SimEntry[] {
  const address = vfAddress(pf, index);
  const real = pciDeviceRealDir(address);
  return [
    ...pciFunctionEntries(address, pf.vfDeviceID, pf, layout),
    link(pciRealAttr(address, 'physfn'), pciDeviceRealDir(pf.pciAddress)),
    link(pciRealVirtfn(pf.pciAddress, index), real),
    ...iommuEntries(address, vfIommuGroup(pf, index), layout),
    ...(driver === null
      ? []
      : bindEntries(address, driver, { name: vfNetdev(pf, index), mtu: pf.mtu, carrier: true }, layout)),
  ];
}

export interface SimNetdev {
  name: string;
  mtu: number;
  carrier: boolean;
}

/** The driver dir (with its bind/unbind files), the links both ways, and the netdev a kernel driver creates. */
export function bindEntries(
  address: string,
  driver: string,
  netdev: SimNetdev,
  layout: SimHostLayout,
): SimEntry[] {
  const real = pciDeviceRealDir(address);
  const out: SimEntry[] = [
    file(pciDriverBind(driver), ''),
    file(pciDriverUnbind(driver), ''),
    file(pciDriverNewId(driver), ''),
    link(pciDriverDevice(driver, address), real),
    link(pciRealAttr(address, 'driver'), pciDriver(driver)),
  ];
  if (driver !== VFIO_DRIVER) return [...out, ...netdevEntries(address, netdev)];
  const group = groupOf(address, layout);
  return group === null ? out : [...out, file(vfioGroupDevice(group), '')];
}

export function netdevEntries(address: string, netdev: SimNetdev): SimEntry[] {
  const netDir = pciRealNetDir(address, netdev.name);
  return [
    dir(netDir),
    file(pciRealNetAttr(address, netdev.name, 'operstate'), netdev.carrier ? 'up' : 'down'),
    file(pciRealNetAttr(address, netdev.name, 'carrier'), netdev.carrier ? 1 : 0),
    file(pciRealNetAttr(address, netdev.name, 'mtu'), netdev.mtu),
    link(classNet(netdev.name), netDir),
  ];
}

/** The paths to remove when `driver` lets go of a device (its netdev goes too). */
export function unbindPaths(
  address: string,
  driver: string,
  netdevs: readonly string[],
  layout: SimHostLayout,
) {
  const out = [pciDriverDevice(driver, address), pciRealAttr(address, 'driver')];
  for (const name of netdevs) out.push(pciRealNetDir(address, name), classNet(name));
  const group = groupOf(address, layout);
  if (driver === VFIO_DRIVER && group !== null) out.push(vfioGroupDevice(group));
  return out;
}

/** The paths to remove when VF `index` goes (`sriov_numvfs` lowered). */
export function vfPaths(
  pf: SimPf,
  index: number,
  layout: SimHostLayout,
  driver: string | null,
  netdevs: string[],
) {
  const address = vfAddress(pf, index);
  const unbound = driver === null ? [] : unbindPaths(address, driver, netdevs, layout);
  const group = layout.iommu ? [iommuGroupDevice(vfIommuGroup(pf, index), address)] : [];
  return [
    ...unbound,
    ...group,
    pciRealVirtfn(pf.pciAddress, index),
    pciDevice(address),
    pciDeviceRealDir(address),
  ];
}

function groupOf(address: string, layout: SimHostLayout): number | null {
  if (!layout.iommu) return null;
  for (const pf of layout.pfs) {
    if (pf.pciAddress === address) return pf.iommuGroup;
    for (let i = 0; i < pf.totalVfs; i++) if (vfAddress(pf, i) === address) return vfIommuGroup(pf, i);
  }
  return null;
}

/** `/sys/devices/system/node` as cadvisor reads it, and the CPUs its `cpuN` links point at. */
export function numaEntries(nodes: readonly SimNumaNode[]): SimEntry[] {
  const ids = cpuList(nodes.map((n) => n.id));
  const allCpus = cpuList(nodes.flatMap((n) => n.cpus));
  const out: SimEntry[] = [
    file(nodeMask('online'), ids),
    file(nodeMask('possible'), ids),
    file(nodeMask('has_cpu'), cpuList(nodes.filter((n) => n.cpus.length > 0).map((n) => n.id))),
    file(nodeMask('has_memory'), ids),
    file(nodeMask('has_normal_memory'), ids),
    file(cpuMask('online'), allCpus),
    file(cpuMask('possible'), allCpus),
    file(cpuMask('present'), allCpus),
  ];
  for (const node of nodes) out.push(...nodeEntries(node, nodes));
  return out;
}

function nodeEntries(node: SimNumaNode, nodes: readonly SimNumaNode[]): SimEntry[] {
  const out: SimEntry[] = [
    dir(nodeDir(node.id)),
    file(nodeAttr(node.id, 'cpulist'), cpuList(node.cpus)),
    file(nodeAttr(node.id, 'distance'), nodes.map((n) => (n.id === node.id ? 10 : 20)).join(' ')),
    { kind: 'file', path: nodeAttr(node.id, 'meminfo'), content: meminfo(node) },
  ];
  for (const page of node.hugepages) {
    out.push(
      file(nodeHugepages(node.id, page.sizeKiB, 'nr_hugepages'), page.total),
      file(nodeHugepages(node.id, page.sizeKiB, 'free_hugepages'), page.free),
      file(nodeHugepages(node.id, page.sizeKiB, 'surplus_hugepages'), 0),
    );
  }
  for (const cpu of node.cpus) {
    out.push(
      link(nodeCpu(node.id, cpu), cpuDir(cpu)),
      file(`${cpuDir(cpu)}/online`, 1),
      file(cpuTopology(cpu, 'core_id'), cpu),
      file(cpuTopology(cpu, 'physical_package_id'), node.id),
    );
  }
  return out;
}

/** The per-node meminfo lines the kubelet's cadvisor needs (`Node N MemTotal:`), in the kernel's format. */
function meminfo(node: SimNumaNode): string {
  const huge = node.hugepages.find((p) => p.sizeKiB === 2048) ?? { total: 0, free: 0 };
  const used = node.hugepages.reduce((sum, p) => sum + p.total * p.sizeKiB, 0);
  const kb = (label: string, value: number) =>
    `Node ${node.id} ${`${label}:`.padEnd(16)}${String(value).padStart(8)} kB\n`;
  const count = (label: string, value: number) =>
    `Node ${node.id} ${`${label}:`.padEnd(16)}${String(value).padStart(8)}\n`;
  return (
    kb('MemTotal', node.memTotalKiB) +
    kb('MemFree', node.memTotalKiB - used) +
    kb('MemUsed', used) +
    count('HugePages_Total', huge.total) +
    count('HugePages_Free', huge.free) +
    count('HugePages_Surp', 0)
  );
}
