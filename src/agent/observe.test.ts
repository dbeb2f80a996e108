import { afterEach, describe, expect, it } from 'vitest';
import { type TestSimHost, testSimHost } from '../../test/support/sim-host.js';
import type { InterfaceStatus } from '../api/wirespeed-v1alpha1.js';
import { interfacesStatus } from '../core/pools/interfaces.js';
import { type SimHostLayout, type SimHostOptions, simulatedLayout } from './host/simulated/layout.js';
import { bindDriver, setCarrier, unbindDriver } from './host/simulated/simulated-host.js';
import { writeEntries } from './host/simulated/writer.js';
import { observeHost } from './observe.js';

let sim: TestSimHost | undefined;
afterEach(() => sim?.cleanup());

const vf = (
  pciAddress: string,
  vfID: number,
  driver: string | null,
  iommuGroup: number,
  netdev: string | null,
) => ({
  pciAddress,
  vfID,
  driver,
  iommuGroup,
  netdev,
  pool: null,
});
const intelPf = (over: Partial<InterfaceStatus>): InterfaceStatus => ({
  pciAddress: '0000:18:00.0',
  name: 'enp24s0f0',
  vendor: '8086',
  deviceID: '158b',
  driver: 'i40e',
  numaNode: 0,
  totalVfs: 4,
  numVfs: 0,
  linkState: 'up',
  mtu: 1500,
  vfs: [],
  ...over,
});

interface Case {
  name: string;
  layout: SimHostOptions | SimHostLayout;
  change?: (dir: string) => Promise<void>;
  want: InterfaceStatus[];
}

const cases: Case[] = [
  {
    name: 'Intel PFs round-robin over two NUMA nodes, VFs on iavf with netdevs',
    layout: { pfs: 2, vfs: 4, numa: 2, numVfs: 2 },
    want: [
      intelPf({
        numVfs: 2,
        vfs: [
          vf('0000:18:02.0', 0, 'iavf', 1, 'enp24s0f0v0'),
          vf('0000:18:02.1', 1, 'iavf', 2, 'enp24s0f0v1'),
        ],
      }),
      intelPf({
        pciAddress: '0000:1a:00.0',
        name: 'enp26s0f0',
        numaNode: 1,
        numVfs: 2,
        vfs: [
          vf('0000:1a:02.0', 0, 'iavf', 6, 'enp26s0f0v0'),
          vf('0000:1a:02.1', 1, 'iavf', 7, 'enp26s0f0v1'),
        ],
      }),
    ],
  },
  {
    name: 'a PF without VFs is still an SR-IOV PF',
    layout: { pfs: 1, vfs: 4, numa: 1 },
    want: [intelPf({})],
  },
  {
    name: 'numa_node -1 on a single-node host: node 0',
    layout: { pfs: 1, vfs: 4, numa: 1, unreportedNuma: true },
    want: [intelPf({})],
  },
  {
    name: 'numa_node -1 on a two-node host: unknown (-1)',
    layout: { pfs: 1, vfs: 4, numa: 2, unreportedNuma: true },
    want: [intelPf({ numaNode: -1 })],
  },
  {
    name: 'Mellanox: VF on vfio-pci has no netdev, PF carrier down, MTU 9000',
    layout: (() => {
      const l = simulatedLayout({ pfs: 1, vfs: 2, numa: 1, vendor: 'mellanox', numVfs: 2 });
      l.pfs[0]!.mtu = 9000;
      return l;
    })(),
    change: async (dir) => {
      await bindDriver(dir, '0000:18:00.3', 'vfio-pci');
      await setCarrier(dir, '0000:18:00.0', false);
    },
    want: [
      {
        pciAddress: '0000:18:00.0',
        name: 'enp24s0f0',
        vendor: '15b3',
        deviceID: '101d',
        driver: 'mlx5_core',
        numaNode: 0,
        totalVfs: 2,
        numVfs: 2,
        linkState: 'down',
        mtu: 9000,
        vfs: [
          vf('0000:18:00.2', 0, 'mlx5_core', 1, 'enp24s0f0v0'),
          vf('0000:18:00.3', 1, 'vfio-pci', 2, null),
        ],
      },
    ],
  },
  {
    name: 'a VF is found by its virtfn link when unbound, its netdev gone into a pod',
    layout: { pfs: 1, vfs: 4, numa: 1, numVfs: 2 },
    change: async (dir) => {
      await unbindDriver(dir, '0000:18:02.1');
    },
    want: [
      intelPf({
        numVfs: 2,
        vfs: [vf('0000:18:02.0', 0, 'iavf', 1, 'enp24s0f0v0'), vf('0000:18:02.1', 1, null, 2, null)],
      }),
    ],
  },
  {
    name: 'PF bound to vfio-pci: no netdev, link unknown',
    layout: { pfs: 1, vfs: 4, numa: 1 },
    change: (dir) => bindDriver(dir, '0000:18:00.0', 'vfio-pci'),
    want: [intelPf({ name: null, driver: 'vfio-pci', linkState: 'unknown', mtu: null })],
  },
  {
    name: 'devices that are not SR-IOV NICs are left out (a GPU with VFs, a NIC without)',
    layout: { pfs: 1, vfs: 4, numa: 1 },
    change: (dir) =>
      writeEntries(dir, [
        { kind: 'file', path: '/sys/devices/pci0000:00/0000:65:00.0/class', content: '0x030000\n' },
        { kind: 'file', path: '/sys/devices/pci0000:00/0000:65:00.0/sriov_totalvfs', content: '8\n' },
        {
          kind: 'link',
          path: '/sys/bus/pci/devices/0000:65:00.0',
          target: '/sys/devices/pci0000:00/0000:65:00.0',
        },
        { kind: 'file', path: '/sys/devices/pci0000:00/0000:66:00.0/class', content: '0x020000\n' },
        {
          kind: 'link',
          path: '/sys/bus/pci/devices/0000:66:00.0',
          target: '/sys/devices/pci0000:00/0000:66:00.0',
        },
      ]),
    want: [intelPf({})],
  },
];

describe('observeHost', () => {
  it.each(cases)('$name', async ({ layout, change, want }) => {
    sim = await testSimHost(layout);
    await change?.(sim.dir);
    expect(interfacesStatus(await observeHost(sim.host), [])).toEqual(want);
  });

  it('reports NUMA nodes with CPUs, memory and hugepages, the IOMMU, and the PF details', async () => {
    sim = await testSimHost({ pfs: 1, vfs: 2, numa: 2, cpus: 6, unreportedNuma: true });
    const observed = await observeHost(sim.host, { concurrency: 2 });
    expect(observed.numaNodes).toEqual([
      {
        id: 0,
        cpus: '0-2',
        memTotalKiB: 16777216,
        hugepages: [
          { sizeKiB: 2048, total: 0, free: 0 },
          { sizeKiB: 1048576, total: 0, free: 0 },
        ],
      },
      {
        id: 1,
        cpus: '3-5',
        memTotalKiB: 16777216,
        hugepages: [
          { sizeKiB: 2048, total: 0, free: 0 },
          { sizeKiB: 1048576, total: 0, free: 0 },
        ],
      },
    ]);
    expect(observed.iommu).toBe(true);
    const { vfs, ...pf } = observed.pfs[0]!;
    expect(vfs).toEqual([]);
    expect(pf).toEqual({
      pciAddress: '0000:18:00.0',
      name: 'enp24s0f0',
      vendor: '8086',
      deviceID: '158b',
      vfDeviceID: '154c',
      driver: 'i40e',
      numaNode: -1,
      numaInferred: false,
      localCpus: '0-5',
      totalVfs: 2,
      numVfs: 0,
      linkState: 'up',
      mtu: 1500,
      netFilter: null,
    });
  });

  it('flags node 0 as inferred on a single-node host and sees no IOMMU when there is none', async () => {
    sim = await testSimHost({ pfs: 1, vfs: 2, numa: 1, unreportedNuma: true, iommu: false, numVfs: 1 });
    const observed = await observeHost(sim.host);
    expect(observed.pfs.map((p) => [p.numaNode, p.numaInferred, p.vfs[0]?.iommuGroup])).toEqual([
      [0, true, null],
    ]);
    expect(observed.iommu).toBe(false);
  });

  it('finds the vDPA device of a VF and its driver', async () => {
    sim = await testSimHost({ pfs: 1, vfs: 2, numa: 1, vendor: 'mellanox', numVfs: 1 });
    await writeEntries(sim.dir, [
      { kind: 'dir', path: '/sys/bus/vdpa/drivers/vhost_vdpa' },
      { kind: 'dir', path: '/sys/devices/pci0000:00/0000:18:00.2/vdpa:0000:18:00.2' },
      {
        kind: 'link',
        path: '/sys/devices/pci0000:00/0000:18:00.2/vdpa:0000:18:00.2/driver',
        target: '/sys/bus/vdpa/drivers/vhost_vdpa',
      },
      {
        kind: 'link',
        path: '/sys/bus/vdpa/devices/vdpa:0000:18:00.2',
        target: '/sys/devices/pci0000:00/0000:18:00.2/vdpa:0000:18:00.2',
      },
    ]);
    const observed = await observeHost(sim.host);
    expect(observed.pfs[0]?.vfs.map((v) => v.vdpaDriver)).toEqual(['vhost_vdpa']);
  });

  it('an empty host has no PFs and no NUMA nodes', async () => {
    sim = await testSimHost({ pfs: 0, vfs: 0, numa: 0 });
    expect(await observeHost(sim.host)).toEqual({ pfs: [], numaNodes: [], iommu: true });
  });
});
