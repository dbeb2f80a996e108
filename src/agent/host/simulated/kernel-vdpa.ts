/**
 * vDPA devices of the simulated kernel. On Linux a VF's vDPA device is made over netlink (`vdpa dev add name
 * vdpa:<pci> mgmtdev pci/<pci>`) and bound on the `vdpa` bus through sysfs; here `vdpaAdd` stands in for the
 * netlink call, and bus bind/unbind writes are reactions of `kernel.ts`. Binding `vhost_vdpa` gives the
 * device a `vhost-vdpa-N` child and `/dev/vhost-vdpa-N`; `virtio_vdpa` gives it only its driver link.
 */
import { readdir, readlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import { HostError } from '../host.js';
import { devVhostVdpa, pciDeviceRealDir, SYS_VDPA_DRIVERS, vdpaDevice } from '../sysfs.js';
import { VFIO_DRIVER } from './entries.js';
import type { Kernel } from './kernel-tree.js';
import { bindingOf } from './simulated-host.js';
import { removePaths, writeEntries } from './writer.js';

export const VDPA_DRIVERS = ['virtio_vdpa', 'vhost_vdpa'] as const;
const err = (code: string, path: string, why: string) =>
  new HostError(code, path, `${path}: ${code} (${why})`);

const realDir = (name: string) => `${pciDeviceRealDir(name.replace(/^vdpa:/, ''))}/${name}`;

/** `vdpa dev add name <name> mgmtdev pci/<vf>`: the VF must be on its kernel driver. */
export async function vdpaAdd(root: string, name: string, vf: string): Promise<void> {
  const base = resolve(root);
  const what = `vdpa dev add ${name}`;
  const { driver } = await bindingOf(base, vf);
  if (driver === null || driver === VFIO_DRIVER)
    throw err('ENODEV', what, `VF ${vf} is not on its kernel driver (it is ${driver ?? 'unbound'})`);
  if ((await readdir(base + realDir(name)).catch(() => null)) !== null) throw err('EEXIST', what, 'exists');
  await writeEntries(base, [
    { kind: 'dir', path: realDir(name) },
    { kind: 'link', path: vdpaDevice(name), target: realDir(name) },
  ]);
}

async function driverOf(base: string, name: string): Promise<string | null> {
  const target = await readlink(`${base}${realDir(name)}/driver`).catch(() => null);
  return target === null ? null : (target.split('/').pop() ?? null);
}

async function vhostIndex(base: string, name: string): Promise<number | null> {
  const entries = await readdir(base + realDir(name)).catch(() => [] as string[]);
  const m = entries.map((e) => /^vhost-vdpa-(\d+)$/.exec(e)).find((x) => x !== null);
  return m ? Number(m[1]) : null;
}

export async function vdpaBind(k: Kernel, path: string, driver: string, name: string): Promise<void> {
  if (!(VDPA_DRIVERS as readonly string[]).includes(driver))
    throw err('ENOENT', path, `driver ${driver} is not loaded`);
  if ((await readdir(k.root + realDir(name)).catch(() => null)) === null)
    throw err('ENODEV', path, `no vDPA device ${name}`);
  const current = await driverOf(k.root, name);
  if (current !== null) throw err('EBUSY', path, `${name} is bound to ${current}`);
  const drv = `${SYS_VDPA_DRIVERS}/${driver}`;
  const entries: Parameters<typeof writeEntries>[1][number][] = [
    { kind: 'file', path: `${drv}/bind`, content: '' },
    { kind: 'file', path: `${drv}/unbind`, content: '' },
    { kind: 'link', path: `${realDir(name)}/driver`, target: drv },
  ];
  if (driver === 'vhost_vdpa') {
    const used = new Set(
      (await readdir(`${k.root}/dev`).catch(() => [] as string[])).flatMap((e) => {
        const m = /^vhost-vdpa-(\d+)$/.exec(e);
        return m ? [Number(m[1])] : [];
      }),
    );
    let n = 0;
    while (used.has(n)) n++;
    entries.push(
      { kind: 'dir', path: `${realDir(name)}/vhost-vdpa-${n}` },
      { kind: 'file', path: devVhostVdpa(n), content: '' },
    );
  }
  await writeEntries(k.root, entries);
}

export async function vdpaUnbind(k: Kernel, path: string, driver: string, name: string): Promise<void> {
  if ((await driverOf(k.root, name)) !== driver)
    throw err('ENODEV', path, `${name} is not bound to ${driver}`);
  const n = await vhostIndex(k.root, name);
  await removePaths(k.root, [
    `${realDir(name)}/driver`,
    ...(n === null ? [] : [`${realDir(name)}/vhost-vdpa-${n}`, devVhostVdpa(n)]),
  ]);
}

/** What goes with a VF's vDPA device when the VF goes (the device's own directory is inside the VF's). */
export async function vdpaPathsOf(k: Kernel, vf: string): Promise<string[]> {
  const name = `vdpa:${vf}`;
  if ((await readdir(k.root + realDir(name)).catch(() => null)) === null) return [];
  const n = await vhostIndex(k.root, name);
  return [vdpaDevice(name), ...(n === null ? [] : [devVhostVdpa(n)])];
}

/** `vdpa dev del <name>`: unbinds and removes the device. */
export async function vdpaDel(root: string, name: string): Promise<void> {
  const base = resolve(root);
  if ((await readdir(base + realDir(name)).catch(() => null)) === null)
    throw err('ENODEV', `vdpa dev del ${name}`, 'no such device');
  const n = await vhostIndex(base, name);
  await removePaths(base, [vdpaDevice(name), realDir(name), ...(n === null ? [] : [devVhostVdpa(n)])]);
}
