/**
 * Discovery: what SR-IOV NICs and NUMA nodes a host has, read through the `Host` port into an `ObservedHost`.
 * A PF is any PCI device of class 0x02 with `sriov_totalvfs` (no device-ID table); its VFs come from its
 * `virtfnN` links, so a VF is known by PF and index even when its netdev has moved into a pod. Reads run in
 * parallel, at most `concurrency` at a time, so a host with a thousand VFs is read in tens of milliseconds
 * without queueing thousands of file handles.
 */
import type { ObservedHost, ObservedNumaNode, ObservedPf, ObservedVf } from '../core/host/observed.js';
import {
  intValue,
  iommuGroupOf,
  isNetworkClass,
  linkName,
  linkStateOf,
  memTotalKiB,
  pciId,
  primaryNetdev,
  resolveNumaNode,
} from '../core/host/sysfs-values.js';
import { boundedHost } from './host/bounded-host.js';
import type { Host } from './host/host.js';
import {
  HUGEPAGES_ENTRY,
  NODE_ENTRY,
  nodeAttr,
  nodeHugepages,
  nodeHugepagesDir,
  pciAttr,
  pciDevice,
  pciNetAttr,
  pciVirtfn,
  SYS_CLASS_IOMMU,
  SYS_NODES,
  SYS_PCI_DEVICES,
  SYS_VDPA_DEVICES,
  VIRTFN_ENTRY,
  vdpaDevice,
  vdpaNameOf,
} from './host/sysfs.js';

export interface ObserveOptions {
  /** Host reads in flight at once (default 32). */
  concurrency?: number;
}

export async function observeHost(host: Host, options: ObserveOptions = {}): Promise<ObservedHost> {
  const h = boundedHost(host, options.concurrency ?? 32);
  const [addresses, numaNodes, iommu, vdpa] = await Promise.all([
    h.readdir(SYS_PCI_DEVICES),
    observeNumaNodes(h),
    h.readdir(SYS_CLASS_IOMMU).then((entries) => entries.length > 0),
    h.readdir(SYS_VDPA_DEVICES).then((entries) => new Set(entries)),
  ]);
  const vfs = new Set<string>();
  const context: Context = { h, hostNumaNodes: numaNodes.length, vdpa, vfFound: (vf) => vfs.add(vf) };
  const pfs: ObservedPf[] = [];
  // A VF's routing ID is its PF's plus a non-zero offset, so in address order every PF comes before its VFs:
  // a sweep in that order skips the VFs its PFs have named instead of probing each for sriov_totalvfs.
  const sorted = [...addresses].sort(compare);
  let next = 0;
  const sweep = async () => {
    while (next < sorted.length) {
      const address = sorted[next++] as string;
      if (vfs.has(address)) continue;
      const pf = await observePf(context, address);
      if (pf) pfs.push(pf);
    }
  };
  await Promise.all(Array.from({ length: SWEEPERS }, sweep));
  return { pfs: pfs.sort((a, b) => compare(a.pciAddress, b.pciAddress)), numaNodes, iommu };
}

/** Devices examined at once; each PF's own reads fan out further (within the host's bound). */
const SWEEPERS = 8;

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface Context {
  h: Host;
  hostNumaNodes: number;
  /** The vDPA devices (`/sys/bus/vdpa/devices`), listed once instead of looked for under every VF. */
  vdpa: ReadonlySet<string>;
  /** Told each VF address as soon as it is known, so the sweep does not probe it. */
  vfFound: (address: string) => void;
}

async function observePf(context: Context, address: string): Promise<ObservedPf | null> {
  const { h, hostNumaNodes } = context;
  const totalVfs = intValue(await h.read(pciAttr(address, 'sriov_totalvfs')));
  if (totalVfs === null) return null;
  const [cls, vendor, device, vfDevice, numVfs, numa, localCpus, driver, entries] = await Promise.all([
    h.read(pciAttr(address, 'class')),
    h.read(pciAttr(address, 'vendor')),
    h.read(pciAttr(address, 'device')),
    h.read(pciAttr(address, 'sriov_vf_device')),
    h.read(pciAttr(address, 'sriov_numvfs')),
    h.read(pciAttr(address, 'numa_node')),
    h.read(pciAttr(address, 'local_cpulist')),
    h.readlink(pciAttr(address, 'driver')),
    h.readdir(pciDevice(address)),
  ]);
  if (!isNetworkClass(cls)) return null;
  const [netdev, vfs] = await Promise.all([observeNetdev(h, address), observeVfs(context, address, entries)]);
  const { numaNode, inferred } = resolveNumaNode(intValue(numa), hostNumaNodes);
  return {
    pciAddress: address,
    name: netdev.name,
    vendor: pciId(vendor) ?? '',
    deviceID: pciId(device) ?? '',
    vfDeviceID: pciId(vfDevice),
    driver: linkName(driver),
    numaNode,
    numaInferred: inferred,
    localCpus: localCpus?.trim() || null,
    totalVfs,
    numVfs: intValue(numVfs) ?? 0,
    linkState: netdev.name === null ? 'unknown' : linkStateOf(netdev.operstate, netdev.carrier),
    mtu: netdev.mtu,
    netFilter: null,
    vfs,
  };
}

interface NetdevReading {
  name: string | null;
  operstate?: string;
  carrier?: string;
  mtu: number | null;
}

async function observeNetdev(h: Host, address: string): Promise<NetdevReading> {
  const names = await h.readdir(pciAttr(address, 'net'));
  const ports =
    names.length > 1
      ? await Promise.all(names.map((n) => h.read(pciNetAttr(address, n, 'phys_port_name'))))
      : [];
  const name = primaryNetdev(names, ports);
  if (name === null) return { name: null, mtu: null };
  const [operstate, carrier, mtu] = await Promise.all([
    h.read(pciNetAttr(address, name, 'operstate')),
    h.read(pciNetAttr(address, name, 'carrier')),
    h.read(pciNetAttr(address, name, 'mtu')),
  ]);
  return { name, operstate, carrier, mtu: intValue(mtu) };
}

async function observeVfs(context: Context, pf: string, entries: readonly string[]): Promise<ObservedVf[]> {
  const indices = entries.flatMap((e) => {
    const m = VIRTFN_ENTRY.exec(e);
    return m ? [Number(m[1])] : [];
  });
  const vfs = await Promise.all(indices.map((vfID) => observeVf(context, pf, vfID)));
  return vfs.filter((vf): vf is ObservedVf => vf !== null).sort((a, b) => a.vfID - b.vfID);
}

async function observeVf(
  { h, vdpa, vfFound }: Context,
  pf: string,
  vfID: number,
): Promise<ObservedVf | null> {
  const address = linkName(await h.readlink(pciVirtfn(pf, vfID)));
  if (address === null) return null;
  vfFound(address);
  const [driver, group, netdevs, vdpaDriver] = await Promise.all([
    h.readlink(pciAttr(address, 'driver')),
    h.readlink(pciAttr(address, 'iommu_group')),
    h.readdir(pciAttr(address, 'net')),
    vdpa.has(vdpaNameOf(address)) ? h.readlink(`${vdpaDevice(vdpaNameOf(address))}/driver`) : undefined,
  ]);
  return {
    vfID,
    pciAddress: address,
    driver: linkName(driver),
    iommuGroup: iommuGroupOf(group),
    netdev: netdevs[0] ?? null,
    vdpaDriver: linkName(vdpaDriver),
  };
}

async function observeNumaNodes(h: Host): Promise<ObservedNumaNode[]> {
  const ids = (await h.readdir(SYS_NODES)).flatMap((e) => {
    const m = NODE_ENTRY.exec(e);
    return m ? [Number(m[1])] : [];
  });
  const nodes = await Promise.all(ids.map((id) => observeNumaNode(h, id)));
  return nodes.sort((a, b) => a.id - b.id);
}

async function observeNumaNode(h: Host, id: number): Promise<ObservedNumaNode> {
  const [cpus, meminfo, sizes] = await Promise.all([
    h.read(nodeAttr(id, 'cpulist')),
    h.read(nodeAttr(id, 'meminfo')),
    h.readdir(nodeHugepagesDir(id)),
  ]);
  const sizesKiB = sizes.flatMap((e) => {
    const m = HUGEPAGES_ENTRY.exec(e);
    return m ? [Number(m[1])] : [];
  });
  const hugepages = await Promise.all(
    sizesKiB.map(async (sizeKiB) => {
      const [total, free] = await Promise.all([
        h.read(nodeHugepages(id, sizeKiB, 'nr_hugepages')),
        h.read(nodeHugepages(id, sizeKiB, 'free_hugepages')),
      ]);
      return { sizeKiB, total: intValue(total) ?? 0, free: intValue(free) ?? 0 };
    }),
  );
  return {
    id,
    cpus: cpus?.trim() ?? '',
    memTotalKiB: memTotalKiB(meminfo, id),
    hugepages: hugepages.sort((a, b) => a.sizeKiB - b.sizeKiB),
  };
}
