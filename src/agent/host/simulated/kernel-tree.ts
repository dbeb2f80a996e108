/**
 * The simulated kernel's view of its tree: the static layout (PCI address → PF and VF index) and the fault
 * configuration, re-read only when their files change; and fast writes of new sysfs entries for the reactions
 * (VFs appearing, a driver binding), which would otherwise cost a file operation at a time.
 */
import { mkdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Host } from '../host.js';
import { pciDriver } from '../sysfs.js';
import { bindEntries, type SimEntry, unbindPaths } from './entries.js';
import { type KernelConfig, readKernelConfig, SIM_KERNEL_FILE } from './kernel-config.js';
import { type SimHostLayout, type SimPf, vfAddress, vfNetdev } from './layout.js';
import { bindingOf, readSimulatedLayout, SIM_LAYOUT_FILE } from './simulated-host.js';
import { removePaths } from './writer.js';

export interface Kernel {
  root: string;
  host: Host;
  layout: SimHostLayout;
  /** PCI address → its PF and VF index (null for the PF itself). */
  devices: ReadonlyMap<string, { pf: SimPf; vfIndex: number | null }>;
  /** Changes when the simulated host is created again in the same directory. */
  stamp: string;
}

/** The layout and configuration files of a root, read again only when they change (checked by stat). */
export interface Cache {
  layoutStamp: string;
  layout: SimHostLayout;
  devices: Kernel['devices'];
  configStamp: string;
  config: KernelConfig;
}

const stampOf = (file: string) =>
  stat(file).then(
    (s) => `${s.mtimeMs}:${s.size}:${s.ino}`,
    () => 'none',
  );

export async function cached(root: string, cache: { value?: Cache }): Promise<Cache> {
  const [layoutStamp, configStamp] = await Promise.all([
    stampOf(root + SIM_LAYOUT_FILE),
    stampOf(root + SIM_KERNEL_FILE),
  ]);
  let c = cache.value;
  if (!c || c.layoutStamp !== layoutStamp) {
    const layout = await readSimulatedLayout(root);
    const devices = new Map<string, { pf: SimPf; vfIndex: number | null }>();
    for (const pf of layout.pfs) {
      devices.set(pf.pciAddress, { pf, vfIndex: null });
      for (let i = 0; i < pf.totalVfs; i++) devices.set(vfAddress(pf, i), { pf, vfIndex: i });
    }
    c = { layoutStamp, layout, devices, configStamp: '', config: {} };
  }
  if (c.configStamp !== configStamp) c = { ...c, configStamp, config: await readKernelConfig(root) };
  cache.value = c;
  return c;
}

/**
 * Writes new sysfs entries fast: every directory at once (`mkdir -p` tolerates its siblings), then files and
 * relative links, a link replacing whatever was there.
 */
export async function put(root: string, entries: readonly SimEntry[]): Promise<void> {
  const dirs = new Set<string>();
  for (const e of entries) dirs.add(e.kind === 'dir' ? e.path : posix.dirname(e.path));
  await Promise.all([...dirs].map((d) => mkdir(root + d, { recursive: true })));
  const leaves = entries.filter((e) => e.kind !== 'dir');
  for (let i = 0; i < leaves.length; i += 128)
    await Promise.all(
      leaves.slice(i, i + 128).map(async (e) => {
        if (e.kind === 'file') return writeFile(root + e.path, e.content);
        if (e.kind !== 'link') return;
        const target = posix.relative(posix.dirname(e.path), e.target);
        await symlink(target, root + e.path).catch(async (err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
          await rm(root + e.path, { force: true });
          await symlink(target, root + e.path);
        });
      }),
    );
}

export function attach(k: Kernel, address: string, driver: string): Promise<void> {
  const { pf, vfIndex } = k.devices.get(address) as { pf: SimPf; vfIndex: number | null };
  const netdev =
    vfIndex === null
      ? { name: pf.name, mtu: pf.mtu, carrier: pf.carrier }
      : { name: vfNetdev(pf, vfIndex), mtu: pf.mtu, carrier: true };
  const entries = bindEntries(address, driver, netdev, k.layout);
  // The driver's own files (bind, unbind, new_id) exist once it has bound anything: not written again.
  const known = boundDrivers.has(`${k.stamp}\n${driver}`);
  if (boundDrivers.size > 10_000) boundDrivers.clear();
  boundDrivers.add(`${k.stamp}\n${driver}`);
  return put(
    k.root,
    known ? entries.filter((e) => !e.path.startsWith(`${pciDriver(driver)}/`) || e.kind === 'link') : entries,
  );
}

/** Drivers this process has bound a device to, per root (their directories exist). */
const boundDrivers = new Set<string>();

export async function detach(k: Kernel, address: string): Promise<void> {
  const { driver, netdevs } = await bindingOf(k.root, address);
  if (driver !== null) await removePaths(k.root, unbindPaths(address, driver, netdevs, k.layout));
}
