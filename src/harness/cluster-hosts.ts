/**
 * The simulated hosts behind a local cluster's real nodes: one directory each, its NIC layout written as sysfs,
 * and its VFs put on the drivers their pools need (vfio-pci for DPDK, a vDPA device on vhost_vdpa) as the
 * kernel would after the agent's writes. The agent serves whatever it then finds, per its policies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelHost } from '../agent/host/simulated/kernel.js';
import { vdpaAdd } from '../agent/host/simulated/kernel-vdpa.js';
import { type SimHostLayout, vfAddress } from '../agent/host/simulated/layout.js';
import { bindDriver, createSimulatedHost } from '../agent/host/simulated/simulated-host.js';
import { vdpaDriverBind, vdpaNameOf } from '../agent/host/sysfs.js';
import { disownDirectory, ownDirectory } from '../devcluster/process.js';

/** Which VFs (by PF netdev and VF index range) go to which driver once the host exists. */
export interface VfDrivers {
  /** `pfName#first-last` ranges bound to vfio-pci. */
  vfio?: string[];
  /** `pfName#first-last` ranges given a vDPA device bound to vhost_vdpa. */
  vdpaVhost?: string[];
}

export interface SimulatedHosts {
  /** The parent of every host directory. */
  dir: string;
  hostDir(node: string): string;
  remove(): void;
}

/** One temporary parent for the hosts, removed also when this process dies without `remove()`. */
export function simulatedHostsDir(): SimulatedHosts {
  const dir = mkdtempSync(join(tmpdir(), 'wirespeed-hosts-'));
  ownDirectory(dir);
  return {
    dir,
    hostDir: (node) => join(dir, node),
    remove: () => {
      disownDirectory(dir);
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** `ens1f0#0-3` as the PF name and its VF indexes. */
export function parseVfRange(spec: string): { pf: string; indexes: number[] } {
  const m = /^([^#]+)#(\d+)-(\d+)$/.exec(spec);
  if (!m) throw new Error(`VF range ${JSON.stringify(spec)} is not <pf>#<first>-<last>`);
  const first = Number(m[2]);
  const last = Number(m[3]);
  if (last < first) throw new Error(`VF range ${JSON.stringify(spec)} ends before it starts`);
  return { pf: m[1] as string, indexes: Array.from({ length: last - first + 1 }, (_, i) => first + i) };
}

function vfsOf(layout: SimHostLayout, specs: readonly string[], host: string): string[] {
  return specs.flatMap((spec) => {
    const { pf, indexes } = parseVfRange(spec);
    const found = layout.pfs.find((p) => p.name === pf);
    if (!found) throw new Error(`simulated host ${host} has no PF ${pf} (for ${spec})`);
    const over = indexes.find((i) => i >= found.numVfs);
    if (over !== undefined) throw new Error(`${spec}: PF ${pf} of ${host} has ${found.numVfs} VFs`);
    return indexes.map((i) => vfAddress(found, i));
  });
}

/** Writes the host and binds its VFs as `drivers` says. */
export async function createHost(dir: string, layout: SimHostLayout, drivers: VfDrivers = {}): Promise<void> {
  await createSimulatedHost(dir, layout);
  for (const vf of vfsOf(layout, drivers.vfio ?? [], dir)) await bindDriver(dir, vf, 'vfio-pci');
  const kernel = kernelHost(dir);
  for (const vf of vfsOf(layout, drivers.vdpaVhost ?? [], dir)) {
    await vdpaAdd(dir, vdpaNameOf(vf), vf);
    await kernel.write(vdpaDriverBind('vhost_vdpa'), vdpaNameOf(vf));
  }
}
