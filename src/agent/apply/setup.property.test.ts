import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostSnapshot } from '../../../test/support/host-snapshot.js';
import { policyList as policies } from '../../../test/support/policies.js';
import { planHost } from '../../core/reconcile/plan.js';
import { kernelHost } from '../host/simulated/kernel.js';
import { vdpaAdd, vdpaDel } from '../host/simulated/kernel-vdpa.js';
import { simulatedLayout } from '../host/simulated/layout.js';
import { createSimulatedHost } from '../host/simulated/simulated-host.js';
import { observeHost } from '../observe.js';
import { readFacts } from './facts.js';
import { DeviceSetup } from './setup.js';
import { directWriter } from './writer.js';

describe('device setup properties', () => {
  it('applied to the simulated host, a plan leaves nothing to plan', async () => {
    await fc.assert(
      fc.asyncProperty(policies, async (list) => {
        const dir = await mkdtemp(join(tmpdir(), 'wirespeed-plan-prop-'));
        try {
          await createSimulatedHost(dir, simulatedLayout({ pfs: 2, vfs: 4, numa: 2, vendor: 'mellanox' }));
          const host = kernelHost(dir);
          const writer = directWriter(host, {
            vdpaAdd: (n, vf) => vdpaAdd(dir, n, vf),
            vdpaDel: (n) => vdpaDel(dir, n),
          });
          const setup = new DeviceSetup({ evict: false, parallelism: 2, waitMs: 1000 }, { host, writer });
          const first = await setup.reconcile({ policies: list, allocations: [] });
          // One apply of the first plan is enough: the reconcile's second plan is already empty.
          expect([first.syncStatus, first.rounds]).toEqual(['Succeeded', first.changed ? 1 : 0]);
          const observed = await observeHost(host);
          const again = planHost({
            observed,
            facts: await readFacts(host, observed.pfs),
            policies: list,
            allocations: [],
            evict: false,
          });
          expect(again.pfs.flatMap((p) => p.steps)).toEqual([]);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('a change of policies stopped at any write converges, on the next run, to the host of an unstopped change', async () => {
    const layout = simulatedLayout({ pfs: 2, vfs: 4, numa: 2, vendor: 'mellanox' });
    const setupOn = (dir: string, beforeWrite?: (path: string) => void) => {
      const host = kernelHost(dir);
      const writer = directWriter(host, {
        vdpaAdd: (n, vf) => vdpaAdd(dir, n, vf),
        vdpaDel: (n) => vdpaDel(dir, n),
      });
      return new DeviceSetup(
        { evict: false, parallelism: 1, waitMs: 1000 },
        { host, writer, ...(beforeWrite ? { beforeWrite } : {}) },
      );
    };
    await fc.assert(
      fc.asyncProperty(policies, policies, fc.nat(), async (before, after, seed) => {
        const dir = await mkdtemp(join(tmpdir(), 'wirespeed-crash-prop-'));
        try {
          await createSimulatedHost(dir, layout);
          await setupOn(dir).reconcile({ policies: before, allocations: [] });
          const start = await hostSnapshot(dir);
          let writes = 0;
          await setupOn(dir, () => void writes++).reconcile({ policies: after, allocations: [] });
          const reference = await hostSnapshot(dir);
          if (writes === 0) return;
          await rm(dir, { recursive: true, force: true });
          await createSimulatedHost(dir, layout);
          await setupOn(dir).reconcile({ policies: before, allocations: [] });
          expect(await hostSnapshot(dir)).toEqual(start);
          const crashAt = seed % writes;
          let n = 0;
          const crash = () => {
            if (n++ === crashAt) throw new Error('crash');
          };
          await expect(setupOn(dir, crash).reconcile({ policies: after, allocations: [] })).rejects.toThrow(
            'crash',
          );
          const next = await setupOn(dir).reconcile({ policies: after, allocations: [] });
          expect(next.syncStatus).toBe('Succeeded');
          expect(await hostSnapshot(dir)).toEqual(reference);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 15 },
    );
  }, 180_000);
});
