/**
 * The simulated kernel: a `Host` whose writes react as Linux's sysfs does, so the agent's production code path
 * runs unchanged against a simulated host (only the root differs). Reads are plain file reads; a write to a
 * kernel attribute changes the tree the way the kernel would, synchronously, inside the write call:
 * - `sriov_numvfs`: the same count is a no-op; above `sriov_totalvfs` ERANGE; one non-zero count to another
 *   EBUSY; 0 → N creates VFs (bound to the PF's VF driver when `sriov_drivers_autoprobe` is 1); N → 0 removes
 *   them with their netdevs, vfio group nodes and vDPA devices.
 * - `driver_override`, `drivers/<d>/bind|unbind`, `drivers_probe` as `drivers/pci/pci-driver.c` decides:
 *   a VF of a PF with autoprobe 0 binds only through an override; an override names the one driver that may
 *   bind; vfio-pci refuses a device without an IOMMU group; `/dev/vfio/<group>` appears for vfio-bound VFs.
 * - `net/<if>/mtu` and `net/<if>/flags` (IFF_UP), `nr_hugepages` per NUMA node (granted short when the node's
 *   memory is "fragmented", see `kernel-config.ts`), vDPA bus bind/unbind; `vdpaAdd` stands in for the
 *   netlink `vdpa dev add`.
 * Faults from the kernel configuration file apply before any reaction. Because the state is the tree itself
 * (plus the static layout and the configuration file), any process may write: the agent's writer children
 * build this same `Host` from the root (see src/agent/apply/writer-child.ts).
 */
import { readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Host, HostError } from '../host.js';
import { rootedHost } from '../rooted-host.js';
import { pciAttr, pciDeviceRealDir, SYS_PCI_DRIVERS_PROBE } from '../sysfs.js';
import { VFIO_DRIVER, vfEntries, vfPaths } from './entries.js';
import { faultFor } from './kernel-config.js';
import { attach, type Cache, cached, detach, type Kernel, put } from './kernel-tree.js';
import { vdpaBind, vdpaPathsOf, vdpaUnbind } from './kernel-vdpa.js';
import { vfAddress } from './layout.js';
import { bindingOf } from './simulated-host.js';
import { removePaths } from './writer.js';

export type { Kernel } from './kernel-tree.js';

const ADDRESS = '([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7])';
const PCI_ATTR = new RegExp(`^/sys/(?:bus/pci/devices|devices/pci0000:00)/${ADDRESS}/(.+)$`);
const PCI_DRIVER = /^\/sys\/bus\/pci\/drivers\/([^/]+)\/(bind|unbind)$/;
const VDPA_DRIVER = /^\/sys\/bus\/vdpa\/drivers\/([^/]+)\/(bind|unbind)$/;
const NET_ATTR = /^net\/([^/]+)\/(mtu|flags)$/;
const HUGEPAGES = /^\/sys\/devices\/system\/node\/node(\d+)\/hugepages\/hugepages-(\d+)kB\/nr_hugepages$/;
const CLASS_NET = /^\/sys\/class\/net\/([^/]+)\/(mtu|flags)$/;
/** Userspace drivers: vfio-pci needs an IOMMU group. */
const USERSPACE_DRIVERS = new Set([VFIO_DRIVER, 'igb_uio', 'uio_pci_generic']);

const err = (code: string, path: string, why: string) =>
  new HostError(code, path, `write ${path}: ${code} (${why})`);

/** A `Host` for a simulated host directory whose writes get the kernel's reactions. */
export function kernelHost(root: string): Host {
  const files = rootedHost(root);
  const cache: { value?: Cache } = {};
  return { ...files, write: (path, data) => kernelWrite(resolve(root), files, cache, path, data) };
}

async function kernelWrite(
  root: string,
  files: Host,
  cache: { value?: Cache },
  path: string,
  data: string,
): Promise<void> {
  const { config, layout, devices, layoutStamp } = await cached(root, cache);
  const fault = faultFor(config, path);
  if (fault?.hang) await hang();
  if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
  if (fault?.error) throw err(fault.error, path, 'injected fault');
  const k: Kernel = { root, host: files, layout, devices, stamp: `${root}\n${layoutStamp}` };
  const value = data.replace(/\0/g, '').trim();
  const classNet = CLASS_NET.exec(path);
  if (classNet) {
    const real = await files.realpath(`/sys/class/net/${classNet[1]}`);
    const m = real && /^\/sys\/devices\/pci0000:00\/([^/]+)\/net\/([^/]+)$/.exec(real);
    if (!m) throw err('ENOENT', path, 'no such netdev');
    return netWrite(k, path, m[1] as string, m[2] as string, classNet[2] as string, value);
  }
  const attr = PCI_ATTR.exec(path);
  if (attr) return pciWrite(k, path, attr[1] as string, attr[2] as string, value);
  const driver = PCI_DRIVER.exec(path);
  if (driver) return driverWrite(k, path, driver[1] as string, driver[2] as 'bind' | 'unbind', value);
  if (path === SYS_PCI_DRIVERS_PROBE) return probe(k, path, value);
  const vdpa = VDPA_DRIVER.exec(path);
  if (vdpa) {
    if (vdpa[2] === 'bind') return vdpaBind(k, path, vdpa[1] as string, value);
    return vdpaUnbind(k, path, vdpa[1] as string, value);
  }
  const huge = HUGEPAGES.exec(path);
  if (huge) return hugepages(k, path, Number(huge[1]), Number(huge[2]), value, config.hugepageLimits);
  // Any other attribute: sysfs has no files to create, so a missing one is ENOENT.
  if (!(await files.exists(path))) throw err('ENOENT', path, 'no such attribute');
  await files.write(path, data);
}

function hang(): Promise<never> {
  // A timer keeps the process alive, as a task blocked in the kernel does, until it is killed.
  return new Promise(() => setInterval(() => undefined, 1 << 30));
}

const realFile = (k: Kernel, address: string, attr: string) =>
  `${k.root}${pciDeviceRealDir(address)}/${attr}`;
const readText = (file: string) =>
  readFile(file, 'utf8').then(
    (t) => t.trim(),
    () => undefined,
  );

async function pciWrite(
  k: Kernel,
  path: string,
  address: string,
  attr: string,
  value: string,
): Promise<void> {
  if ((await readText(realFile(k, address, 'class'))) === undefined)
    throw err('ENOENT', path, `no PCI device ${address}`);
  const net = NET_ATTR.exec(attr);
  if (net) return netWrite(k, path, address, net[1] as string, net[2] as string, value);
  if (attr === 'sriov_numvfs') return numVfs(k, path, address, value);
  if (attr === 'sriov_drivers_autoprobe') {
    if (value !== '0' && value !== '1') throw err('EINVAL', path, 'autoprobe is 0 or 1');
    return writeFile(realFile(k, address, attr), `${value}\n`);
  }
  if (attr === 'driver_override')
    return writeFile(realFile(k, address, attr), `${value === '' ? '(null)' : value}\n`);
  if (!(await k.host.exists(path))) throw err('ENOENT', path, 'no such attribute');
  await k.host.write(path, `${value}\n`);
}

async function numVfs(k: Kernel, path: string, address: string, value: string): Promise<void> {
  const pf = k.layout.pfs.find((p) => p.pciAddress === address);
  if (!pf) throw err('ENOENT', path, `${address} is not an SR-IOV PF`);
  if (!/^\d{1,6}$/.test(value)) throw err('EINVAL', path, `"${value}" is not a number`);
  const want = Number(value);
  const current = Number(await readText(realFile(k, address, 'sriov_numvfs')));
  if (want === current) return;
  if (want > pf.totalVfs) throw err('ERANGE', path, `above sriov_totalvfs ${pf.totalVfs}`);
  if (want !== 0 && current !== 0) throw err('EBUSY', path, `${current} VFs are enabled; write 0 first`);
  if (want === 0) {
    const gone: string[] = [];
    for (let i = 0; i < current; i++) {
      const vf = vfAddress(pf, i);
      const { driver, netdevs } = await bindingOf(k.root, vf);
      gone.push(...(await vdpaPathsOf(k, vf)), ...vfPaths(pf, i, k.layout, driver, netdevs));
    }
    await removePaths(k.root, gone);
  } else {
    const autoprobe = (await readText(realFile(k, address, 'sriov_drivers_autoprobe'))) !== '0';
    const entries = Array.from({ length: want }, (_, i) =>
      vfEntries(pf, i, k.layout, autoprobe ? pf.vfDriver : null),
    ).flat();
    await put(k.root, entries);
  }
  await writeFile(realFile(k, address, 'sriov_numvfs'), `${want}\n`);
}

/** Drivers the simulated machine has loaded: its PFs' and VFs' drivers, and vfio-pci. */
function loaded(k: Kernel, driver: string): boolean {
  return driver === VFIO_DRIVER || k.layout.pfs.some((p) => p.driver === driver || p.vfDriver === driver);
}

async function override(k: Kernel, address: string): Promise<string | null> {
  const text = await readText(realFile(k, address, 'driver_override'));
  return text === undefined || text === '(null)' || text === '' ? null : text;
}

/** Why `driver` may not probe `address` (pci_device_can_probe, the override, vfio's IOMMU), or null. */
async function probeRefusal(k: Kernel, address: string, driver: string): Promise<string | null> {
  const device = k.devices.get(address);
  if (!device) return `no PCI device ${address}`;
  const forced = await override(k, address);
  if (forced !== null && forced !== driver) return `driver_override is ${forced}`;
  if (device.vfIndex !== null && forced === null) {
    const auto = await readText(realFile(k, device.pf.pciAddress, 'sriov_drivers_autoprobe'));
    if (auto === '0') return 'VFs of a PF with sriov_drivers_autoprobe 0 bind only through driver_override';
  }
  if (
    driver === VFIO_DRIVER &&
    (await readlink(realFile(k, address, 'iommu_group')).catch(() => null)) === null
  )
    return 'vfio-pci: no IOMMU group (is the IOMMU enabled?)';
  const kernelDriver = device.vfIndex === null ? device.pf.driver : device.pf.vfDriver;
  if (!USERSPACE_DRIVERS.has(driver) && driver !== kernelDriver)
    return `${driver} does not support the device`;
  return null;
}

async function driverWrite(
  k: Kernel,
  path: string,
  driver: string,
  op: 'bind' | 'unbind',
  address: string,
): Promise<void> {
  if (!loaded(k, driver)) throw err('ENOENT', path, `driver ${driver} is not loaded`);
  if (!k.devices.has(address) || !(await k.host.exists(pciAttr(address, 'class'))))
    throw err('ENODEV', path, `no PCI device ${address}`);
  const { driver: current } = await bindingOf(k.root, address);
  if (op === 'unbind') {
    if (current !== driver) throw err('ENODEV', path, `${address} is not bound to ${driver}`);
    return detach(k, address);
  }
  if (current !== null) throw err('EBUSY', path, `${address} is bound to ${current}`);
  const refusal = await probeRefusal(k, address, driver);
  if (refusal)
    throw err(driver === VFIO_DRIVER && refusal.includes('IOMMU') ? 'EINVAL' : 'ENODEV', path, refusal);
  await attach(k, address, driver);
}

/** `drivers_probe`: bind an unbound device to the override, else its kernel driver, if it may probe. */
async function probe(k: Kernel, path: string, address: string): Promise<void> {
  const device = k.devices.get(address);
  if (!device || !(await k.host.exists(pciAttr(address, 'class'))))
    throw err('ENODEV', path, `no PCI device ${address}`);
  if ((await bindingOf(k.root, address)).driver !== null) return;
  const driver =
    (await override(k, address)) ?? (device.vfIndex === null ? device.pf.driver : device.pf.vfDriver);
  if ((await probeRefusal(k, address, driver)) === null) await attach(k, address, driver);
}

async function netWrite(
  k: Kernel,
  path: string,
  address: string,
  ifname: string,
  attr: string,
  value: string,
): Promise<void> {
  const dir = `${k.root}${pciDeviceRealDir(address)}/net/${ifname}`;
  if ((await readdir(dir).catch(() => null)) === null) throw err('ENOENT', path, `no netdev ${ifname}`);
  if (attr === 'mtu') {
    if (!/^\d{2,5}$/.test(value) || Number(value) < 68 || Number(value) > 9702)
      throw err('EINVAL', path, `MTU ${value} is outside 68-9702`);
    return writeFile(`${dir}/mtu`, `${Number(value)}\n`);
  }
  const flags = Number.parseInt(value, value.startsWith('0x') ? 16 : 10);
  if (!Number.isInteger(flags) || flags < 0) throw err('EINVAL', path, `flags "${value}"`);
  await writeFile(`${dir}/flags`, `0x${flags.toString(16)}\n`);
  const carrier = (await readText(`${dir}/carrier`)) ?? '1';
  await writeFile(`${dir}/operstate`, flags & 1 && carrier === '1' ? 'up\n' : 'down\n');
}

async function hugepages(
  k: Kernel,
  path: string,
  node: number,
  sizeKiB: number,
  value: string,
  limits: Record<string, number> | undefined,
): Promise<void> {
  const dir = `${k.root}/sys/devices/system/node/node${node}/hugepages/hugepages-${sizeKiB}kB`;
  const total = await readText(`${dir}/nr_hugepages`);
  if (total === undefined) throw err('ENOENT', path, `node ${node} has no ${sizeKiB} kB pages`);
  if (!/^\d{1,9}$/.test(value)) throw err('EINVAL', path, `"${value}" is not a number`);
  const free = Number((await readText(`${dir}/free_hugepages`)) ?? total);
  const inUse = Number(total) - free;
  const memKiB = k.layout.numaNodes.find((n) => n.id === node)?.memTotalKiB ?? 0;
  const limit = limits?.[`${node}/${sizeKiB}`] ?? Math.floor((memKiB * 0.9) / sizeKiB);
  // The kernel grants what it can and returns success: only a read back shows a shortfall.
  const granted = Math.max(inUse, Math.min(Number(value), limit));
  await writeFile(`${dir}/nr_hugepages`, `${granted}\n`);
  await writeFile(`${dir}/free_hugepages`, `${granted - inUse}\n`);
}
