/**
 * ObservedHost values for pure tests (pool selection, the report, the device plugin) without a host on disk:
 * `observedPf({ index, vfs, ... })` lays out PF `index` as the simulated host does (`0000:<18+2i>:00.0`,
 * netdev `enp<bus>s0f0`, VF i at `…:02.i`), every VF on iavf with its netdev.
 */
import type { ObservedHost, ObservedPf, ObservedVf } from '../../src/core/host/observed.js';

export interface PfOptions extends Partial<Omit<ObservedPf, 'vfs'>> {
  /** PF index: chooses the bus, the address and the name. */
  index?: number;
  /** VFs present (all of them by default: numVfs). */
  vfs?: number | ObservedVf[];
}

export function observedVf(pfIndex: number, vfID: number, over: Partial<ObservedVf> = {}): ObservedVf {
  const bus = 0x18 + 2 * pfIndex;
  const rid = (bus << 8) + 16 + vfID;
  const address = `0000:${(rid >> 8).toString(16).padStart(2, '0')}:${((rid >> 3) & 0x1f).toString(16).padStart(2, '0')}.${rid & 7}`;
  return {
    vfID,
    pciAddress: address,
    driver: 'iavf',
    iommuGroup: pfIndex * 1000 + 1 + vfID,
    netdev: `enp${bus}s0f0v${vfID}`,
    vdpaDriver: null,
    ...over,
  };
}

export function observedPf(options: PfOptions = {}): ObservedPf {
  const { index = 0, vfs, ...over } = options;
  const bus = 0x18 + 2 * index;
  const numVfs = over.numVfs ?? (typeof vfs === 'number' ? vfs : Array.isArray(vfs) ? vfs.length : 8);
  const list = Array.isArray(vfs)
    ? vfs
    : Array.from({ length: typeof vfs === 'number' ? vfs : numVfs }, (_, i) => observedVf(index, i));
  return {
    pciAddress: `0000:${bus.toString(16)}:00.0`,
    name: `enp${bus}s0f0`,
    vendor: '8086',
    deviceID: '158b',
    vfDeviceID: '154c',
    driver: 'i40e',
    numaNode: index % 2,
    numaInferred: false,
    localCpus: index % 2 === 0 ? '0-1' : '2-3',
    totalVfs: 64,
    numVfs,
    linkState: 'up',
    mtu: 1500,
    netFilter: null,
    vfs: list,
    ...over,
  };
}

export function observedHost(pfs: ObservedPf[], numaNodes = 2): ObservedHost {
  return {
    pfs,
    numaNodes: Array.from({ length: numaNodes }, (_, id) => ({
      id,
      cpus: `${id * 2}-${id * 2 + 1}`,
      memTotalKiB: 16777216,
      hugepages: [],
    })),
    iommu: true,
  };
}
