/**
 * Device setup figures of `npm run bench:agent`: a full apply from nothing to 8 PFs × 64 vfio-pci VFs on the
 * simulated host (every write through the child-process writers and the simulated kernel, as the agent does
 * it), and a no-op reconcile of that host (observe, read the setup facts, plan: nothing to write).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceSetup } from '../src/agent/apply/setup.js';
import { childWriters } from '../src/agent/apply/writer.js';
import { rootedHost } from '../src/agent/host/rooted-host.js';
import { simulatedLayout } from '../src/agent/host/simulated/layout.js';
import { createSimulatedHost } from '../src/agent/host/simulated/simulated-host.js';
import { pciAttr } from '../src/agent/host/sysfs.js';
import { observeHost } from '../src/agent/observe.js';
import type { Figure } from './agent.js';

const PFS = 8;
const VFS = 64;
const POLICY = {
  apiVersion: 'wirespeed.io/v1alpha1',
  kind: 'NetworkNodePolicy',
  metadata: { name: 'dpdk', namespace: 'bench', generation: 1 },
  spec: { resourceName: 'dpdk', numVfs: VFS, deviceType: 'vfio-pci', nicSelector: { vendor: '8086' } },
};
const f = (n: number) => n.toFixed(0);

async function withHost<T>(work: (dir: string) => Promise<T>): Promise<T> {
  // sysfs lives in memory: the simulated host goes on a tmpfs when there is one, so disk latency is not measured.
  const dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'wirespeed-bench-setup-'));
  try {
    await createSimulatedHost(dir, simulatedLayout({ pfs: PFS, vfs: VFS, numa: 2 }));
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function setupOn(dir: string, writers = childWriters({ root: dir, timeoutMs: 60_000, size: 4 })) {
  return {
    writers,
    setup: new DeviceSetup(
      { evict: false, parallelism: 4, waitMs: 30_000 },
      { host: rootedHost(dir), writer: writers },
    ),
  };
}

const fullApply: Figure = {
  name: 'setup-apply',
  what: `full apply from nothing to ${PFS} PFs × ${VFS} vfio-pci VFs on the simulated host, writer children already running (4 at once)`,
  target: 3000,
  unit: 'ms',
  async run() {
    return withHost(async (dir) => {
      const { writers, setup } = setupOn(dir);
      try {
        // Start the writer children as a running agent has them (a no-op write of an attribute's own value).
        const start = performance.now();
        await Promise.all(
          Array.from({ length: 4 }, () =>
            writers.write(pciAttr('0000:18:00.0', 'sriov_drivers_autoprobe'), '1'),
          ),
        );
        const spawned = performance.now() - start;
        const t0 = performance.now();
        const result = await setup.reconcile({ policies: [POLICY], allocations: [] });
        const ms = performance.now() - t0;
        const vfs = result.appliedPfs.reduce((n, p) => n + p.numVfs, 0);
        if (result.syncStatus !== 'Succeeded')
          throw new Error(`apply ended ${result.syncStatus}: ${result.syncMessage}`);
        return {
          value: ms,
          detail: `${vfs} VFs on vfio-pci in ${result.rounds} apply round(s); starting the 4 writer children (tsx) took ${f(spawned)} ms more; load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPUs`,
        };
      } finally {
        await writers.close();
      }
    });
  },
};

const noop: Figure = {
  name: 'setup-noop',
  what: `no-op reconcile of the ${PFS} × ${VFS} host once set up, as the agent runs it after each rediscovery: from that discovery, read the setup facts and plan (median of 20 after 3 warm-ups)`,
  target: 50,
  unit: 'ms',
  async run() {
    return withHost(async (dir) => {
      const { writers, setup } = setupOn(dir);
      try {
        await setup.reconcile({ policies: [POLICY], allocations: [] });
        for (let i = 0; i < 3; i++) await setup.reconcile({ policies: [POLICY], allocations: [] });
        const times: number[] = [];
        const cpu: number[] = [];
        const alone: number[] = [];
        for (let i = 0; i < 20; i++) {
          const a0 = performance.now();
          await setup.reconcile({ policies: [POLICY], allocations: [] });
          alone.push(performance.now() - a0);
          const observed = await observeHost(rootedHost(dir));
          const t0 = performance.now();
          const c0 = process.cpuUsage();
          const r = await setup.reconcile({ observed, policies: [POLICY], allocations: [] });
          times.push(performance.now() - t0);
          const c = process.cpuUsage(c0);
          cpu.push((c.user + c.system) / 1000);
          if (r.changed) throw new Error('a no-op reconcile wrote to the host');
        }
        const discovery: number[] = [];
        for (let i = 0; i < 20; i++) {
          const t0 = performance.now();
          await observeHost(rootedHost(dir));
          discovery.push(performance.now() - t0);
        }
        discovery.sort((a, b) => a - b);
        times.sort((a, b) => a - b);
        cpu.sort((a, b) => a - b);
        alone.sort((a, b) => a - b);
        return {
          value: times[10] as number,
          detail: `wall max ${f(times[19] as number)} ms, min ${f(times[0] as number)} ms; CPU (user+system) median ${f(cpu[10] as number)} ms; a reconcile that reads the host itself median ${f(alone[10] as number)} ms, the discovery alone (observeHost) median ${f(discovery[10] as number)} ms; load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPUs`,
        };
      } finally {
        await writers.close();
      }
    });
  },
};

export const setupFigures = (): Figure[] => [fullApply, noop];
