import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { observeHost } from '../../observe.js';
import type { Host } from '../host.js';
import {
  nodeHugepages,
  pciAttr,
  pciDriverBind,
  pciDriverUnbind,
  pciNetAttr,
  SYS_PCI_DRIVERS_PROBE,
  vdpaDriverBind,
  vdpaDriverUnbind,
} from '../sysfs.js';
import { kernelHost } from './kernel.js';
import { setHugepageLimit, setKernelFaults } from './kernel-config.js';
import { vdpaAdd } from './kernel-vdpa.js';
import { simulatedLayout, vfAddress, vfIommuGroup } from './layout.js';
import { createSimulatedHost } from './simulated-host.js';

let dir: string;
let host: Host;
const layout = (iommu = true) => simulatedLayout({ pfs: 1, vfs: 4, numa: 2, iommu });
const [pf] = layout().pfs as [ReturnType<typeof layout>['pfs'][number]];
const PF = pf.pciAddress;
const vf = (i: number) => vfAddress(pf, i);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirespeed-kernel-'));
  await createSimulatedHost(dir, layout());
  host = kernelHost(dir);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const vfs = async () =>
  (await observeHost(host)).pfs[0]?.vfs.map((v) => ({ id: v.vfID, driver: v.driver, netdev: v.netdev }));
const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code,
  );

describe('sriov_numvfs', () => {
  it('0 → N creates VFs bound by autoprobe with their netdevs; N → 0 removes them', async () => {
    await host.write(pciAttr(PF, 'sriov_numvfs'), '3');
    expect(await vfs()).toEqual([0, 1, 2].map((id) => ({ id, driver: 'iavf', netdev: `${pf.name}v${id}` })));
    expect(await host.read(pciAttr(PF, 'sriov_numvfs'))).toBe('3\n');
    expect(await host.readlink(`${pciAttr(vf(1), 'physfn')}`)).toBe(`../${PF}`);
    await host.write(pciAttr(PF, 'sriov_numvfs'), '0');
    expect(await vfs()).toEqual([]);
    expect(await host.exists(`/sys/class/net/${pf.name}v0`)).toBe(false);
    expect(await host.readdir('/sys/bus/pci/drivers/iavf')).toEqual(['bind', 'new_id', 'unbind']);
  });

  it('refuses a non-zero change (EBUSY) and a count above sriov_totalvfs (ERANGE); the same count is a no-op', async () => {
    await host.write(pciAttr(PF, 'sriov_numvfs'), '2');
    expect(await code(host.write(pciAttr(PF, 'sriov_numvfs'), '3'))).toBe('EBUSY');
    expect(await code(host.write(pciAttr(PF, 'sriov_numvfs'), '2'))).toBe('ok');
    await host.write(pciAttr(PF, 'sriov_numvfs'), '0');
    expect(await code(host.write(pciAttr(PF, 'sriov_numvfs'), '5'))).toBe('ERANGE');
    expect(await code(host.write(pciAttr(PF, 'sriov_numvfs'), 'x'))).toBe('EINVAL');
    expect(await host.read(pciAttr(PF, 'sriov_numvfs'))).toBe('0\n');
  });

  it('with sriov_drivers_autoprobe 0 new VFs stay unbound, and bind only through driver_override', async () => {
    await host.write(pciAttr(PF, 'sriov_drivers_autoprobe'), '0');
    await host.write(pciAttr(PF, 'sriov_numvfs'), '2');
    expect(await vfs()).toEqual([0, 1].map((id) => ({ id, driver: null, netdev: null })));
    await host.write(SYS_PCI_DRIVERS_PROBE, vf(0));
    expect((await vfs())?.[0]?.driver).toBeNull();
    expect(await code(host.write(pciDriverBind('vfio-pci'), vf(0)))).toBe('ENODEV');
    await host.write(pciAttr(vf(0), 'driver_override'), 'vfio-pci');
    expect(await code(host.write(pciDriverBind('iavf'), vf(0)))).toBe('ENODEV');
    await host.write(pciDriverBind('vfio-pci'), vf(0));
    await host.write(pciAttr(vf(0), 'driver_override'), '\0');
    expect(await host.read(pciAttr(vf(0), 'driver_override'))).toBe('(null)\n');
    expect((await vfs())?.[0]).toEqual({ id: 0, driver: 'vfio-pci', netdev: null });
    expect(await host.exists(`/dev/vfio/${vfIommuGroup(pf, 0)}`)).toBe(true);
    expect(await code(host.write(pciDriverBind('vfio-pci'), vf(0)))).toBe('EBUSY');
    expect(await code(host.write(pciDriverUnbind('iavf'), vf(0)))).toBe('ENODEV');
    await host.write(pciDriverUnbind('vfio-pci'), vf(0));
    expect(await host.exists(`/dev/vfio/${vfIommuGroup(pf, 0)}`)).toBe(false);
  });

  it('drivers_probe returns a VF to its kernel driver when autoprobe is on; unknown drivers are not loaded', async () => {
    await host.write(pciAttr(PF, 'sriov_numvfs'), '1');
    await host.write(pciDriverUnbind('iavf'), vf(0));
    expect((await vfs())?.[0]?.driver).toBeNull();
    await host.write(SYS_PCI_DRIVERS_PROBE, vf(0));
    expect((await vfs())?.[0]).toEqual({ id: 0, driver: 'iavf', netdev: `${pf.name}v0` });
    expect(await code(host.write(pciDriverBind('igb_uio'), vf(0)))).toBe('ENOENT');
    expect(await code(host.write(SYS_PCI_DRIVERS_PROBE, '0000:99:00.0'))).toBe('ENODEV');
  });
});

describe('the rest of the kernel', () => {
  it('vfio-pci refuses a device without an IOMMU group', async () => {
    await rm(dir, { recursive: true, force: true });
    await createSimulatedHost(dir, layout(false));
    await host.write(pciAttr(PF, 'sriov_numvfs'), '1');
    await host.write(pciDriverUnbind('iavf'), vf(0));
    await host.write(pciAttr(vf(0), 'driver_override'), 'vfio-pci');
    expect(await code(host.write(pciDriverBind('vfio-pci'), vf(0)))).toBe('EINVAL');
  });

  it('grants hugepages short on a fragmented node; only a read back tells', async () => {
    await setHugepageLimit(dir, 1, 1048576, 3);
    await host.write(nodeHugepages(1, 1048576, 'nr_hugepages'), '8');
    expect(await host.read(nodeHugepages(1, 1048576, 'nr_hugepages'))).toBe('3\n');
    await host.write(nodeHugepages(0, 1048576, 'nr_hugepages'), '8');
    expect(await host.read(nodeHugepages(0, 1048576, 'nr_hugepages'))).toBe('8\n');
    expect(await host.read(nodeHugepages(0, 1048576, 'free_hugepages'))).toBe('8\n');
  });

  it('sets MTU and admin state of a netdev; refuses an MTU out of range', async () => {
    await host.write(pciNetAttr(PF, pf.name, 'mtu'), '9000');
    expect(await code(host.write(pciNetAttr(PF, pf.name, 'mtu'), '20'))).toBe('EINVAL');
    await host.write(pciNetAttr(PF, pf.name, 'flags'), '0x1002');
    let observed = (await observeHost(host)).pfs[0];
    expect([observed?.mtu, await host.read(pciNetAttr(PF, pf.name, 'operstate'))]).toEqual([9000, 'down\n']);
    await host.write(`/sys/class/net/${pf.name}/flags`, '0x1003');
    observed = (await observeHost(host)).pfs[0];
    expect(await host.read(pciNetAttr(PF, pf.name, 'operstate'))).toBe('up\n');
    expect(observed?.linkState).toBe('up');
  });

  it('creates vDPA devices of VFs on their kernel driver; vhost_vdpa gives /dev/vhost-vdpa-N', async () => {
    await host.write(pciAttr(PF, 'sriov_numvfs'), '2');
    await vdpaAdd(dir, `vdpa:${vf(0)}`, vf(0));
    await vdpaAdd(dir, `vdpa:${vf(1)}`, vf(1));
    await host.write(vdpaDriverBind('vhost_vdpa'), `vdpa:${vf(1)}`);
    await host.write(vdpaDriverBind('virtio_vdpa'), `vdpa:${vf(0)}`);
    const observed = (await observeHost(host)).pfs[0]?.vfs.map((v) => v.vdpaDriver);
    expect(observed).toEqual(['virtio_vdpa', 'vhost_vdpa']);
    expect(await host.readdir('/dev')).toContain('vhost-vdpa-0');
    await host.write(vdpaDriverUnbind('vhost_vdpa'), `vdpa:${vf(1)}`);
    expect(await host.readdir('/dev')).not.toContain('vhost-vdpa-0');
    await host.write(pciAttr(PF, 'sriov_numvfs'), '0');
    expect(await host.readdir('/sys/bus/vdpa/devices')).toEqual([]);
  });

  it('injects faults by path: an errno, a slow write; clearing them restores the kernel', async () => {
    await setKernelFaults(dir, [{ match: `${PF}/sriov_numvfs`, error: 'EBUSY' }]);
    expect(await code(host.write(pciAttr(PF, 'sriov_numvfs'), '1'))).toBe('EBUSY');
    await setKernelFaults(dir, [{ match: 'sriov_numvfs', delayMs: 30 }]);
    await host.write(pciAttr(PF, 'sriov_numvfs'), '1');
    await setKernelFaults(dir, []);
    expect((await vfs())?.length).toBe(1);
    expect(await code(host.write('/sys/bus/pci/devices/nothing', '1'))).toBe('ENOENT');
  });
});
