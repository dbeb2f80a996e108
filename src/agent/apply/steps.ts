/**
 * How each planned step becomes host writes, read just before writing (level-based: a step finds the host as
 * it is, so a step repeated after a crash writes only what is still missing). Reads go through the `Host`;
 * every write through the `Writer` (a child process with a timeout in production).
 */

import { intValue } from '../../core/host/sysfs-values.js';
import { USERSPACE_DRIVERS } from '../../core/reconcile/plan.js';
import type { HugepageStep, Step } from '../../core/reconcile/types.js';
import type { Host } from '../host/host.js';
import { HostError } from '../host/host.js';
import {
  nodeHugepages,
  pciAttr,
  pciDriverBind,
  pciDriverUnbind,
  pciNetAttr,
  pciVirtfn,
  SYS_PCI_DRIVERS_PROBE,
  vdpaDevice,
  vdpaDriverBind,
  vdpaDriverUnbind,
  vdpaNameOf,
} from '../host/sysfs.js';
import { IFF_UP, overrideValue } from './facts.js';
import type { Writer } from './writer.js';

export interface StepContext {
  host: Host;
  writer: Writer;
  /** Called before every write (tests stop an apply here to play a crash). */
  beforeWrite?: (path: string) => void;
  /** How long to wait for VF links or a VF netdev. */
  waitMs: number;
  sleep: (ms: number) => Promise<void>;
}

const name = (link: string | undefined) => (link ? (link.split('/').pop() ?? null) : null);

async function write(c: StepContext, path: string, data: string): Promise<void> {
  c.beforeWrite?.(path);
  await c.writer.write(path, data);
}

async function vfAddressOf(c: StepContext, pf: string, vfID: number): Promise<string> {
  const address = name(await c.host.readlink(pciVirtfn(pf, vfID)));
  if (address === null)
    throw new HostError('ENODEV', pciVirtfn(pf, vfID), `VF ${vfID} of PF ${pf} is not there`);
  return address;
}

async function until<T>(c: StepContext, what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + c.waitMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline)
      throw new HostError('ETIME', what, `${what} did not happen within ${c.waitMs} ms`);
    await c.sleep(20);
  }
}

export async function runStep(c: StepContext, step: Step): Promise<void> {
  switch (step.op) {
    case 'autoprobe':
      return write(c, pciAttr(step.pf, 'sriov_drivers_autoprobe'), step.enabled ? '1' : '0');
    case 'numVfs': {
      const current = intValue(await c.host.read(pciAttr(step.pf, 'sriov_numvfs'))) ?? 0;
      if (current === step.to) return;
      // The plan checked the pods of `from` VFs; a count changed since then is planned afresh, never destroyed blind.
      if (current !== step.from && current !== 0)
        throw new HostError(
          'ESTALE',
          pciAttr(step.pf, 'sriov_numvfs'),
          `PF ${step.pf} has ${current} VFs, not the ${step.from} planned for; planning again`,
        );
      if (current !== 0) await write(c, pciAttr(step.pf, 'sriov_numvfs'), '0');
      if (step.to > 0) await write(c, pciAttr(step.pf, 'sriov_numvfs'), String(step.to));
      return;
    }
    case 'waitVfs':
      await until(c, `${step.count} VFs of PF ${step.pf}`, async () => {
        for (let i = 0; i < step.count; i++) {
          const vf = name(await c.host.readlink(pciVirtfn(step.pf, i)));
          if (vf === null || !(await c.host.readlink(pciAttr(vf, 'physfn')))) return undefined;
        }
        return true;
      });
      return;
    case 'bindVf':
      return bindVf(c, await vfAddressOf(c, step.pf, step.vfID), step.driver);
    case 'vfMtu': {
      const vf = await vfAddressOf(c, step.pf, step.vfID);
      const ifname = await until(
        c,
        `the netdev of VF ${vf}`,
        async () => (await c.host.readdir(pciAttr(vf, 'net')))[0],
      );
      if (intValue(await c.host.read(pciNetAttr(vf, ifname, 'mtu'))) !== step.mtu)
        await write(c, pciNetAttr(vf, ifname, 'mtu'), String(step.mtu));
      return;
    }
    case 'vdpa':
      return vdpa(c, await vfAddressOf(c, step.pf, step.vfID), step.driver);
    case 'pfMtu':
      if ((intValue(await c.host.read(pciNetAttr(step.pf, step.ifname, 'mtu'))) ?? 0) < step.mtu)
        await write(c, pciNetAttr(step.pf, step.ifname, 'mtu'), String(step.mtu));
      return;
    case 'linkUp': {
      const flags = Number.parseInt(
        (await c.host.read(pciNetAttr(step.pf, step.ifname, 'flags')))?.trim() ?? '0x1002',
        16,
      );
      if ((flags & IFF_UP) === 0)
        await write(c, pciNetAttr(step.pf, step.ifname, 'flags'), `0x${(flags | IFF_UP).toString(16)}`);
      return;
    }
  }
}

/** driver_override + bind (vfio-pci) or drivers_probe (the kernel's driver), then the override cleared. */
async function bindVf(c: StepContext, vf: string, want: 'vfio-pci' | null): Promise<void> {
  let driver = name(await c.host.readlink(pciAttr(vf, 'driver')));
  const ok = want === null ? driver !== null && !USERSPACE_DRIVERS.has(driver) : driver === want;
  if (!ok) {
    if (want !== null) await vdpa(c, vf, null);
    if (driver !== null) await write(c, pciDriverUnbind(driver), vf);
    if (want !== null) {
      await write(c, pciAttr(vf, 'driver_override'), want);
      try {
        await write(c, pciDriverBind(want), vf);
        // Set just above: cleared without reading it back.
        return await write(c, pciAttr(vf, 'driver_override'), '\0');
      } catch (err) {
        if ((await c.host.readlink(pciAttr(vf, 'iommu_group'))) === undefined)
          throw new HostError(
            (err as HostError).code ?? 'EINVAL',
            pciDriverBind(want),
            `cannot bind ${vf} to ${want}: it has no IOMMU group; enable the IOMMU (intel_iommu=on iommu=pt)`,
          );
        throw err;
      }
    } else {
      if (overrideValue(await c.host.read(pciAttr(vf, 'driver_override'))) !== null)
        await write(c, pciAttr(vf, 'driver_override'), '\0');
      await write(c, SYS_PCI_DRIVERS_PROBE, vf);
      driver = name(await c.host.readlink(pciAttr(vf, 'driver')));
      if (driver === null)
        throw new HostError(
          'ENODEV',
          SYS_PCI_DRIVERS_PROBE,
          `VF ${vf} stayed unbound after drivers_probe: no kernel driver took it (is sriov_drivers_autoprobe 0, or its driver not loaded?)`,
        );
    }
  }
  if (overrideValue(await c.host.read(pciAttr(vf, 'driver_override'))) !== null)
    await write(c, pciAttr(vf, 'driver_override'), '\0');
}

async function vdpa(c: StepContext, vf: string, want: 'virtio_vdpa' | 'vhost_vdpa' | null): Promise<void> {
  const dev = vdpaNameOf(vf);
  const exists = await c.host.exists(vdpaDevice(dev));
  const current = exists ? name(await c.host.readlink(`${vdpaDevice(dev)}/driver`)) : null;
  if (want === null) {
    if (!exists) return;
    c.beforeWrite?.(`vdpa dev del ${dev}`);
    return c.writer.vdpaDel(dev);
  }
  if (current === want) return;
  if (!exists) {
    c.beforeWrite?.(`vdpa dev add ${dev}`);
    await c.writer.vdpaAdd(dev, vf);
  }
  if (current !== null) await write(c, vdpaDriverUnbind(current), dev);
  await write(c, vdpaDriverBind(want), dev);
}

/** Writes the count, reads it back: the granted count (the kernel says nothing of a shortfall). */
export async function runHugepages(c: StepContext, step: HugepageStep): Promise<number> {
  const path = nodeHugepages(step.numaNode, step.sizeKiB, 'nr_hugepages');
  await write(c, path, String(step.pages));
  return intValue(await c.host.read(path)) ?? 0;
}
