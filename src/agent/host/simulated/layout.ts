/**
 * A simulated host as a value: PFs (with what the kernel and their drivers would show) and NUMA nodes. Pure;
 * `entries.ts` turns it into sysfs files and `simulated-host.ts` writes them. The vendor profiles below are the
 * simulator's stand-in for the drivers' ID tables; discovery never sees them (it reads `sriov_vf_device`).
 */

import { rangeList } from '../../../core/ranges.js';

export interface SimVendorProfile {
  vendor: string;
  pfDeviceID: string;
  vfDeviceID: string;
  pfDriver: string;
  vfDriver: string;
  /** `sriov_offset` / `sriov_stride`: where VF i sits in PCI routing-ID space relative to the PF. */
  vfOffset: number;
  vfStride: number;
}

export const SIM_VENDORS = {
  /** An XL710-like card: i40e PF, iavf VFs. */
  intel: {
    vendor: '8086',
    pfDeviceID: '158b',
    vfDeviceID: '154c',
    pfDriver: 'i40e',
    vfDriver: 'iavf',
    vfOffset: 16,
    vfStride: 1,
  },
  /** A ConnectX-5-like card: mlx5_core for PF and VFs. */
  mellanox: {
    vendor: '15b3',
    pfDeviceID: '101d',
    vfDeviceID: '101e',
    pfDriver: 'mlx5_core',
    vfDriver: 'mlx5_core',
    vfOffset: 2,
    vfStride: 1,
  },
} as const satisfies Record<string, SimVendorProfile>;

export type SimVendor = keyof typeof SIM_VENDORS;
export const SIM_VENDOR_NAMES = Object.keys(SIM_VENDORS) as SimVendor[];

export interface SimPf {
  pciAddress: string;
  /** The PF's netdev. */
  name: string;
  vendor: string;
  deviceID: string;
  vfDeviceID: string;
  driver: string;
  /** The driver the kernel probes for a new VF (autoprobe). */
  vfDriver: string;
  /** What `numa_node` says: a node id, or −1 as on hosts whose firmware reports none. */
  numaNode: number;
  totalVfs: number;
  /** VFs present when the host is created. */
  numVfs: number;
  vfOffset: number;
  vfStride: number;
  mtu: number;
  carrier: boolean;
  /** The PF's IOMMU group; VF i is in group `iommuGroup + 1 + i`. */
  iommuGroup: number;
}

export interface SimHugepages {
  sizeKiB: number;
  total: number;
  free: number;
}

export interface SimNumaNode {
  id: number;
  cpus: number[];
  memTotalKiB: number;
  hugepages: SimHugepages[];
}

export interface SimHostLayout {
  pfs: SimPf[];
  numaNodes: SimNumaNode[];
  /** Whether an IOMMU is on: devices get `iommu_group` links and `/sys/class/iommu` an entry. */
  iommu: boolean;
}

export interface SimHostOptions {
  pfs: number;
  /** `sriov_totalvfs` of every PF. */
  vfs: number;
  numa: number;
  vendor?: SimVendor;
  /** VFs already created on every PF. */
  numVfs?: number;
  /** CPUs of the host, split into contiguous blocks per NUMA node (default 2 per node). */
  cpus?: number;
  /** Every PF's `numa_node` reads −1 (firmware that reports none). */
  unreportedNuma?: boolean;
  iommu?: boolean;
}

export const SIM_LIMITS = { pfs: 64, vfs: 256, numa: 8, cpus: 1024 } as const;
const NODE_MEMORY_KIB = 16 * 1024 * 1024;
const HUGEPAGE_SIZES_KIB = [2048, 1048576];
/** PF p sits on bus `FIRST_BUS + 2p`: the spare bus takes VFs whose routing IDs run past one bus. */
const FIRST_BUS = 0x18;

/** The layout `wirespeed sim-host create` builds: PFs spread over the NUMA nodes round-robin. */
export function simulatedLayout(options: SimHostOptions): SimHostLayout {
  const profile = SIM_VENDORS[options.vendor ?? 'intel'];
  const cpus = options.cpus ?? options.numa * 2;
  const numaNodes = Array.from({ length: options.numa }, (_, id) => ({
    id,
    cpus: cpuBlock(id, options.numa, cpus),
    memTotalKiB: NODE_MEMORY_KIB,
    hugepages: HUGEPAGE_SIZES_KIB.map((sizeKiB) => ({ sizeKiB, total: 0, free: 0 })),
  }));
  const pfs = Array.from({ length: options.pfs }, (_, p): SimPf => {
    const bus = FIRST_BUS + 2 * p;
    return {
      pciAddress: pciAddress(bus, 0, 0),
      name: `enp${bus}s0f0`,
      vendor: profile.vendor,
      deviceID: profile.pfDeviceID,
      vfDeviceID: profile.vfDeviceID,
      driver: profile.pfDriver,
      vfDriver: profile.vfDriver,
      numaNode: options.unreportedNuma ? -1 : p % options.numa,
      totalVfs: options.vfs,
      numVfs: options.numVfs ?? 0,
      vfOffset: profile.vfOffset,
      vfStride: profile.vfStride,
      mtu: 1500,
      carrier: true,
      iommuGroup: p * (options.vfs + 1),
    };
  });
  return { pfs, numaNodes, iommu: options.iommu ?? true };
}

/** CPUs of node `id` when `total` CPUs are split into contiguous blocks; earlier nodes take the remainder. */
function cpuBlock(id: number, nodes: number, total: number): number[] {
  const base = Math.floor(total / nodes);
  const extra = total % nodes;
  const start = id * base + Math.min(id, extra);
  const size = base + (id < extra ? 1 : 0);
  return Array.from({ length: size }, (_, i) => start + i);
}

export function pciAddress(bus: number, device: number, fn: number): string {
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
  return `0000:${hex(bus, 2)}:${hex(device, 2)}.${fn}`;
}

/** VF `index` of `pf`: routing ID = PF's + offset + index × stride, as SR-IOV places VFs. */
export function vfAddress(pf: SimPf, index: number): string {
  const [, bus, dev, fn] = /^[0-9a-f]{4}:([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/.exec(pf.pciAddress) ?? [];
  const rid = (Number.parseInt(bus ?? '0', 16) << 8) + (Number.parseInt(dev ?? '0', 16) << 3) + Number(fn);
  const vf = rid + pf.vfOffset + index * pf.vfStride;
  return pciAddress(vf >> 8, (vf >> 3) & 0x1f, vf & 7);
}

export const vfNetdev = (pf: SimPf, index: number): string => `${pf.name}v${index}`;
export const vfIommuGroup = (pf: SimPf, index: number): number => pf.iommuGroup + 1 + index;

/** The PF a device is, or the PF and VF index it belongs to. */
export function deviceOf(
  layout: SimHostLayout,
  address: string,
): { pf: SimPf; vfIndex: number | null } | undefined {
  for (const pf of layout.pfs) {
    if (pf.pciAddress === address) return { pf, vfIndex: null };
    for (let i = 0; i < pf.totalVfs; i++) if (vfAddress(pf, i) === address) return { pf, vfIndex: i };
  }
  return undefined;
}

/** A compact CPU list as the kernel prints it: `0-3,8,10-11`. */
export function cpuList(cpus: readonly number[]): string {
  return rangeList(cpus);
}
