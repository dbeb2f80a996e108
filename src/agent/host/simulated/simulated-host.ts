/**
 * A simulated host in a directory: `createSimulatedHost` writes the tree of a layout, and the operations below
 * change it the way the kernel would (VF i of a PF appears or goes, a driver binds or lets go, a carrier
 * drops). The layout is kept beside the tree (`SIM_LAYOUT_FILE`) so these operations, and the kernel reactions
 * to writes built on them, know what the drivers' tables would say. Discovery reads only `/sys`.
 */
import { mkdir, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pciRealAttr, pciRealNetAttr, pciRealVirtfn } from '../sysfs.js';
import { bindEntries, hostEntries, netdevEntries, unbindPaths, vfEntries, vfPaths } from './entries.js';
import { deviceOf, type SimHostLayout, type SimPf, vfAddress, vfNetdev } from './layout.js';
import { removePaths, writeEntries } from './writer.js';

/** Host-absolute path of the layout file: outside `/sys`, so nothing that reads sysfs sees it. */
export const SIM_LAYOUT_FILE = '/wirespeed-sim/layout.json';
/** What `createSimulatedHost` may replace with `force`: only the simulator's own top-level entries. */
const SIM_TOP_LEVEL = ['sys', 'dev', 'wirespeed-sim'];

export class SimulatedHostError extends Error {
  override readonly name = 'SimulatedHostError';
}

export interface CreateOptions {
  /** Replace a simulated host already in the directory (only `sys`, `dev` and the layout are removed). */
  force?: boolean;
}

export async function createSimulatedHost(
  dir: string,
  layout: SimHostLayout,
  options: CreateOptions = {},
): Promise<void> {
  const root = resolve(dir);
  if (root === '/') throw new SimulatedHostError('a simulated host cannot be created at /');
  const present = await readdir(root).catch(() => [] as string[]);
  if (present.length > 0) {
    if (!options.force)
      throw new SimulatedHostError(
        `${dir} is not empty; choose an empty directory, or pass --force to replace`,
      );
    const foreign = present.filter((name) => !SIM_TOP_LEVEL.includes(name));
    if (foreign.length > 0)
      throw new SimulatedHostError(
        `${dir} holds ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}, which is not a simulated host; --force replaces only a simulated host`,
      );
    for (const name of SIM_TOP_LEVEL) await rm(join(root, name), { recursive: true, force: true });
  }
  await mkdir(join(root, 'wirespeed-sim'), { recursive: true });
  await writeFile(root + SIM_LAYOUT_FILE, `${JSON.stringify(layout, null, 2)}\n`);
  await writeEntries(root, hostEntries(layout));
}

export async function readSimulatedLayout(dir: string): Promise<SimHostLayout> {
  try {
    return JSON.parse(await readFile(resolve(dir) + SIM_LAYOUT_FILE, 'utf8')) as SimHostLayout;
  } catch (err) {
    throw new SimulatedHostError(`${dir} is not a simulated host (${(err as Error).message})`);
  }
}

function pfOf(layout: SimHostLayout, dir: string, pfAddress: string, index?: number): SimPf {
  const pf = layout.pfs.find((p) => p.pciAddress === pfAddress);
  if (!pf) throw new SimulatedHostError(`${dir} has no PF ${pfAddress}`);
  if (index !== undefined && (!Number.isInteger(index) || index < 0 || index >= pf.totalVfs))
    throw new SimulatedHostError(`PF ${pfAddress} has no VF ${index} (sriov_totalvfs ${pf.totalVfs})`);
  return pf;
}

/**
 * Creates VF `index` of a PF as the kernel does on `sriov_numvfs`; `driver` is what autoprobe binds (the
 * PF's VF driver by default, null to leave it unbound as with `sriov_drivers_autoprobe` 0). Does not change
 * `sriov_numvfs`: the caller (the write reaction, or `setNumVfs`) owns the count.
 */
export async function createVf(
  dir: string,
  pfAddress: string,
  index: number,
  driver?: string | null,
): Promise<string> {
  const layout = await readSimulatedLayout(dir);
  const pf = pfOf(layout, dir, pfAddress, index);
  await writeEntries(resolve(dir), vfEntries(pf, index, layout, driver === undefined ? pf.vfDriver : driver));
  return vfAddress(pf, index);
}

/** Removes VF `index` of a PF, its links and its netdev. */
export async function removeVf(dir: string, pfAddress: string, index: number): Promise<void> {
  const layout = await readSimulatedLayout(dir);
  const pf = pfOf(layout, dir, pfAddress, index);
  const address = vfAddress(pf, index);
  const { driver, netdevs } = await bindingOf(dir, address);
  await removePaths(resolve(dir), vfPaths(pf, index, layout, driver, netdevs));
}

/** Sets `sriov_numvfs` and creates or removes VFs to match, each new one bound by autoprobe. */
export async function setNumVfs(dir: string, pfAddress: string, count: number): Promise<void> {
  const layout = await readSimulatedLayout(dir);
  const pf = pfOf(layout, dir, pfAddress);
  if (!Number.isInteger(count) || count < 0 || count > pf.totalVfs)
    throw new SimulatedHostError(`PF ${pfAddress} cannot have ${count} VFs (sriov_totalvfs ${pf.totalVfs})`);
  for (let i = 0; i < pf.totalVfs; i++) {
    const present = (await readlink(resolve(dir) + pciRealVirtfn(pfAddress, i)).catch(() => null)) !== null;
    if (i < count && !present) await createVf(dir, pfAddress, i);
    if (i >= count && present) await removeVf(dir, pfAddress, i);
  }
  await writeFile(resolve(dir) + pciRealAttr(pfAddress, 'sriov_numvfs'), `${count}\n`);
}

/** The driver bound to a device and its netdevs, read from the tree. */
export async function bindingOf(
  dir: string,
  address: string,
): Promise<{ driver: string | null; netdevs: string[] }> {
  const root = resolve(dir);
  const target = await readlink(root + pciRealAttr(address, 'driver')).catch(() => null);
  const netdevs = await readdir(root + pciRealAttr(address, 'net')).catch(() => [] as string[]);
  return { driver: target === null ? null : (target.split('/').pop() ?? null), netdevs };
}

/** Binds a device to `driver` (after letting go of the one it has); a kernel driver brings its netdev back. */
export async function bindDriver(dir: string, address: string, driver: string): Promise<void> {
  const layout = await readSimulatedLayout(dir);
  const device = deviceOf(layout, address);
  if (!device) throw new SimulatedHostError(`${dir} has no PCI device ${address}`);
  await unbindDriver(dir, address);
  const { pf, vfIndex } = device;
  const netdev =
    vfIndex === null
      ? { name: pf.name, mtu: pf.mtu, carrier: pf.carrier }
      : { name: vfNetdev(pf, vfIndex), mtu: pf.mtu, carrier: true };
  await writeEntries(resolve(dir), bindEntries(address, driver, netdev, layout));
}

/** Lets the device's driver go: the `driver` links, the netdev and a vfio group node disappear. */
export async function unbindDriver(dir: string, address: string): Promise<void> {
  const layout = await readSimulatedLayout(dir);
  const { driver, netdevs } = await bindingOf(dir, address);
  if (driver !== null) await removePaths(resolve(dir), unbindPaths(address, driver, netdevs, layout));
}

/** Sets a device's link carrier (a cable pulled or plugged), keeping its MTU. */
export async function setCarrier(dir: string, address: string, up: boolean): Promise<void> {
  const { netdevs } = await bindingOf(dir, address);
  for (const name of netdevs) {
    const mtuFile = resolve(dir) + pciRealNetAttr(address, name, 'mtu');
    const mtu = Number((await readFile(mtuFile, 'utf8').catch(() => '1500')).trim());
    await writeEntries(resolve(dir), netdevEntries(address, { name, mtu, carrier: up }));
  }
}
