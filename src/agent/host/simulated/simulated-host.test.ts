import { mkdtemp, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rootedHost } from '../rooted-host.js';
import { simulatedLayout, vfAddress } from './layout.js';
import {
  bindDriver,
  createSimulatedHost,
  createVf,
  removeVf,
  setCarrier,
  setNumVfs,
  unbindDriver,
} from './simulated-host.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirespeed-sim-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const layout = () => simulatedLayout({ pfs: 2, vfs: 4, numa: 2, numVfs: 2 });

describe('simulated host', () => {
  it('lays a PF out like sysfs: attributes, relative links, NUMA node round-robin', async () => {
    await createSimulatedHost(dir, layout());
    const host = rootedHost(dir);
    expect(await host.read('/sys/bus/pci/devices/0000:1a:00.0/class')).toBe('0x020000\n');
    expect(await host.read('/sys/bus/pci/devices/0000:1a:00.0/vendor')).toBe('0x8086\n');
    expect(await host.read('/sys/bus/pci/devices/0000:1a:00.0/numa_node')).toBe('1\n');
    expect(await host.read('/sys/bus/pci/devices/0000:1a:00.0/local_cpulist')).toBe('2-3\n');
    expect(await host.readlink('/sys/bus/pci/devices/0000:18:00.0')).toBe(
      '../../../devices/pci0000:00/0000:18:00.0',
    );
    expect(await host.readlink('/sys/bus/pci/devices/0000:18:00.0/driver')).toBe(
      '../../../bus/pci/drivers/i40e',
    );
    expect(await host.readlink('/sys/bus/pci/devices/0000:18:00.0/virtfn1')).toBe('../0000:18:02.1');
    expect(await host.realpath('/sys/bus/pci/devices/0000:18:02.1/physfn')).toBe(
      '/sys/devices/pci0000:00/0000:18:00.0',
    );
    expect(await host.realpath('/sys/bus/pci/devices/0000:18:02.0/iommu_group')).toBe(
      '/sys/kernel/iommu_groups/1',
    );
    expect(await host.readdir('/sys/bus/pci/devices/0000:18:02.0/net')).toEqual(['enp24s0f0v0']);
    expect(await host.realpath('/sys/class/net/enp24s0f0/carrier')).toBe(
      '/sys/devices/pci0000:00/0000:18:00.0/net/enp24s0f0/carrier',
    );
    expect(await host.read('/sys/devices/system/node/node1/meminfo')).toMatch(
      /^Node 1 MemTotal: +16777216 kB\n/,
    );
    expect(await host.read('/sys/devices/system/node/node0/distance')).toBe('10 20\n');
    expect(await host.realpath('/sys/devices/system/node/node1/cpu3')).toBe('/sys/devices/system/cpu/cpu3');
    expect(await host.read('/sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages')).toBe(
      '0\n',
    );
  });

  it('places VFs by sriov_offset and stride, across a bus boundary', () => {
    const pf = simulatedLayout({ pfs: 1, vfs: 256, numa: 1 }).pfs[0]!;
    expect([0, 7, 8, 239, 240].map((i) => vfAddress(pf, i))).toEqual([
      '0000:18:02.0',
      '0000:18:02.7',
      '0000:18:03.0',
      '0000:18:1f.7',
      '0000:19:00.0',
    ]);
  });

  it('refuses a non-empty directory, and with force replaces only a simulated host', async () => {
    await writeFile(join(dir, 'notes.txt'), 'x');
    await expect(createSimulatedHost(dir, layout())).rejects.toThrow(
      /is not empty; choose an empty directory/,
    );
    await expect(createSimulatedHost(dir, layout(), { force: true })).rejects.toThrow(
      /holds notes.txt, which is not a simulated host/,
    );
    await rm(join(dir, 'notes.txt'));
    await createSimulatedHost(dir, layout());
    await createSimulatedHost(dir, simulatedLayout({ pfs: 1, vfs: 4, numa: 1 }), { force: true });
    expect(await rootedHost(dir).readdir('/sys/bus/pci/devices')).toEqual(['0000:18:00.0']);
  });

  it('creates and removes VFs, binds and unbinds drivers, drops a carrier', async () => {
    await createSimulatedHost(dir, layout());
    const host = rootedHost(dir);
    expect(await createVf(dir, '0000:18:00.0', 3, null)).toBe('0000:18:02.3');
    expect(await host.readlink('/sys/bus/pci/devices/0000:18:02.3/driver')).toBeUndefined();
    await bindDriver(dir, '0000:18:02.3', 'vfio-pci');
    expect(await host.readlink('/sys/bus/pci/devices/0000:18:02.3/driver')).toBe(
      '../../../bus/pci/drivers/vfio-pci',
    );
    expect(await host.exists('/dev/vfio/4')).toBe(true);
    await bindDriver(dir, '0000:18:02.0', 'vfio-pci');
    expect(await host.readdir('/sys/bus/pci/devices/0000:18:02.0/net')).toEqual([]);
    expect(await host.exists('/sys/class/net/enp24s0f0v0')).toBe(false);
    await bindDriver(dir, '0000:18:02.0', 'iavf');
    expect(await host.readdir('/sys/bus/pci/devices/0000:18:02.0/net')).toEqual(['enp24s0f0v0']);
    expect(await host.exists('/dev/vfio/1')).toBe(false);
    await unbindDriver(dir, '0000:18:02.3');
    expect(await host.exists('/dev/vfio/4')).toBe(false);
    await removeVf(dir, '0000:18:00.0', 3);
    expect(await host.exists('/sys/bus/pci/devices/0000:18:02.3')).toBe(false);
    expect(await host.readlink('/sys/bus/pci/devices/0000:18:00.0/virtfn3')).toBeUndefined();
    await setCarrier(dir, '0000:18:00.0', false);
    expect(await host.read('/sys/class/net/enp24s0f0/carrier')).toBe('0\n');
    expect(await host.read('/sys/class/net/enp24s0f0/operstate')).toBe('down\n');
  });

  it('setNumVfs creates and removes VFs to match the count', async () => {
    await createSimulatedHost(dir, layout());
    const host = rootedHost(dir);
    await setNumVfs(dir, '0000:18:00.0', 4);
    expect(
      (await host.readdir('/sys/bus/pci/devices/0000:18:00.0')).filter((n) => n.startsWith('virtfn')),
    ).toEqual(['virtfn0', 'virtfn1', 'virtfn2', 'virtfn3']);
    await setNumVfs(dir, '0000:18:00.0', 1);
    expect(await host.read('/sys/bus/pci/devices/0000:18:00.0/sriov_numvfs')).toBe('1\n');
    expect(await host.readdir('/sys/bus/pci/devices')).toEqual([
      '0000:18:00.0',
      '0000:18:02.0',
      '0000:1a:00.0',
      '0000:1a:02.0',
      '0000:1a:02.1',
    ]);
    await expect(setNumVfs(dir, '0000:18:00.0', 5)).rejects.toThrow(
      'PF 0000:18:00.0 cannot have 5 VFs (sriov_totalvfs 4)',
    );
    expect(await readlink(join(dir, 'sys/class/net/enp24s0f0v0'))).toBe(
      '../../devices/pci0000:00/0000:18:02.0/net/enp24s0f0v0',
    );
  });
});
