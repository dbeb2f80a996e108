import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rootedHost } from '../host/rooted-host.js';
import { setKernelFaults } from '../host/simulated/kernel-config.js';
import { type SimHostLayout, simulatedLayout } from '../host/simulated/layout.js';
import { createSimulatedHost } from '../host/simulated/simulated-host.js';
import { pciAttr } from '../host/sysfs.js';
import { observeHost } from '../observe.js';
import { DeviceSetup } from './setup.js';
import { childWriters, type Writer } from './writer.js';

let dir: string;
let writer: Writer | undefined;
const LAYOUT: SimHostLayout = simulatedLayout({ pfs: 2, vfs: 4, numa: 2 });
const [pf0, pf1] = LAYOUT.pfs as [SimHostLayout['pfs'][number], SimHostLayout['pfs'][number]];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirespeed-writer-'));
  await createSimulatedHost(dir, LAYOUT);
});
afterEach(async () => {
  await writer?.close();
  await rm(dir, { recursive: true, force: true });
});

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code,
  );
const policy = (name: string, pf: string) => ({
  apiVersion: 'wirespeed.io/v1alpha1',
  kind: 'NetworkNodePolicy',
  metadata: { name, namespace: 'ws' },
  spec: { resourceName: name, numVfs: 2, deviceType: 'vfio-pci', nicSelector: { pfNames: [pf] } },
});

describe('child-process writers', () => {
  it('write through the simulated kernel in a child: the reaction and its errno come back', async () => {
    writer = childWriters({ root: dir, timeoutMs: 20_000, size: 2 });
    await writer.write(pciAttr(pf0.pciAddress, 'sriov_numvfs'), '2');
    expect(await code(writer.write(pciAttr(pf0.pciAddress, 'sriov_numvfs'), '3'))).toBe('EBUSY');
    expect((await observeHost(rootedHost(dir))).pfs[0]?.vfs.map((v) => v.driver)).toEqual(['iavf', 'iavf']);
  }, 30_000);

  it('lets idle children go and starts one again for the next write', async () => {
    const writers = childWriters({ root: dir, timeoutMs: 20_000, size: 1, idleMs: 50 });
    writer = writers;
    await writers.write(pciAttr(pf0.pciAddress, 'sriov_numvfs'), '1');
    expect(writers.children()).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(writers.children()).toBe(0);
    await writers.write(pciAttr(pf0.pciAddress, 'sriov_numvfs'), '0');
    expect(writers.children()).toBe(1);
    expect((await observeHost(rootedHost(dir))).pfs[0]?.vfs).toEqual([]);
  }, 30_000);

  it('a hung write is killed at the timeout: its PF is Stuck, the other PF is set up, the writer goes on', async () => {
    await setKernelFaults(dir, [{ match: `${pf0.pciAddress}/sriov_numvfs`, hang: true }]);
    writer = childWriters({ root: dir, timeoutMs: 3_000, size: 2 });
    const setup = new DeviceSetup(
      { evict: false, parallelism: 2, waitMs: 2000 },
      { host: rootedHost(dir), writer },
    );
    const policies = [policy('a', pf0.name), policy('b', pf1.name)];
    const result = await setup.reconcile({ policies, allocations: [] });
    expect([result.syncStatus, result.appliedPfs.map((p) => p.syncStatus)]).toEqual([
      'Stuck',
      ['Stuck', 'Succeeded'],
    ]);
    expect(result.appliedPfs[0]?.message).toBe(
      `PF ${pf0.name} (${pf0.pciAddress}): /sys/bus/pci/devices/${pf0.pciAddress}/sriov_numvfs did not return within 3000 ms; its writer was killed; the PF is left alone until the agent restarts`,
    );
    const again = await setup.reconcile({ policies, allocations: [] });
    expect([again.syncStatus, again.changed]).toEqual(['Stuck', false]);
    await setKernelFaults(dir, [{ match: 'sriov_numvfs', delayMs: 300 }]);
    const restarted = new DeviceSetup(
      { evict: false, parallelism: 2, waitMs: 2000 },
      { host: rootedHost(dir), writer },
    );
    expect((await restarted.reconcile({ policies, allocations: [] })).syncStatus).toBe('Succeeded');
  }, 60_000);
});
