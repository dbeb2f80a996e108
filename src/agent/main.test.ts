import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeDeviceManager } from '../../test/support/fake-device-manager.js';
import { FakePodResources, wireDevice } from '../../test/support/fake-pod-resources.js';
import { selectPools } from '../core/pools/select-pools.js';
import { accountNode, type NodeReport } from '../core/report/accounting.js';
import { silentLogger } from '../telemetry/logger.js';
import { rootedHost } from './host/rooted-host.js';
import { simulatedLayout, vfAddress } from './host/simulated/layout.js';
import {
  createSimulatedHost,
  readSimulatedLayout,
  removeVf,
  setCarrier,
  setNumVfs,
} from './host/simulated/simulated-host.js';
import { type Agent, type AgentConfig, type ReportSink, startAgent } from './main.js';
import { staticNodePods } from './podresources/node-pods.js';
import { staticPolicies } from './policy-source.js';
import type { ReporterInput } from './report/reporter.js';

class MemorySink implements ReportSink {
  reports: NodeReport[] = [];
  async update(input: ReporterInput) {
    const report = accountNode({ ...input, reportTime: new Date(0) });
    if (JSON.stringify(this.reports.at(-1)) !== JSON.stringify(report)) this.reports.push(report);
  }
  notReadyReason() {
    return this.reports.length > 0 ? undefined : 'no report written yet';
  }
  lastReport() {
    return this.reports.at(-1);
  }
  async stop() {}
}

let dir: string;
let hostDir: string;
let dpDir: string;
let kubelet: FakeDeviceManager;
let podResources: FakePodResources;
let sink: MemorySink;
let agent: Agent | undefined;

const policy = {
  apiVersion: 'wirespeed.io/v1alpha1' as const,
  kind: 'NetworkNodePolicy' as const,
  metadata: { name: 'all', namespace: 'wirespeed-agent' },
  spec: { resourceName: 'vf', nicSelector: { vendor: '8086' }, numVfs: 2, deviceType: 'netdevice' as const },
};

function config(): AgentConfig {
  return {
    nodeName: 'node-a',
    devicePluginDir: dpDir,
    podResourcesSocket: podResources.socket,
    resourcePrefix: 'example.com',
    preferredAllocation: 'pack',
    rediscoverIntervalMs: 60_000,
    podResourcesIntervalMs: 100,
    kubelet: { topologyManagerPolicy: 'single-numa-node', topologyManagerScope: 'container' },
    metricsPort: 0,
    bindAddress: '127.0.0.1',
    socketCheckIntervalMs: 100,
  };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ws-agent-'));
  hostDir = join(dir, 'host');
  dpDir = join(dir, 'dp');
  await mkdir(dpDir);
  await createSimulatedHost(hostDir, simulatedLayout({ pfs: 2, vfs: 4, numVfs: 2, numa: 2 }));
  kubelet = new FakeDeviceManager(dpDir);
  await kubelet.start();
  podResources = new FakePodResources(join(dir, 'pod-resources.sock'));
  await podResources.start();
  sink = new MemorySink();
});

afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  kubelet.stop();
  podResources.stop();
  await rm(dir, { recursive: true, force: true });
});

async function start(policies = staticPolicies([policy]), over: Partial<AgentConfig> = {}) {
  agent = await startAgent(
    { ...config(), ...over },
    {
      log: silentLogger,
      host: rootedHost(hostDir),
      policies,
      selectPools,
      nodePods: staticNodePods(new Map([['telco/cnf-1', { uid: 'uid-1', phase: 'Running' }]])),
      nodeLabels: () => ({}),
      report: sink,
    },
  );
  return agent;
}

describe('startAgent', () => {
  it('serves the pools, registers them, reads pod-resources and reports per NUMA node', async () => {
    const layout = await readSimulatedLayout(hostDir);
    const [pf0, pf1] = layout.pfs;
    podResources.allocatable = [0, 1].flatMap((i) => [
      wireDevice('example.com/vf', vfAddress(pf0!, i), 0),
      wireDevice('example.com/vf', vfAddress(pf1!, i), 1),
    ]);
    const a = await start();
    expect(kubelet.registrations.map((r) => r.request.resource_name)).toEqual(['example.com/vf']);
    await vi.waitFor(() => expect(a.notReadyReason()).toBeUndefined());
    podResources.pods = [
      {
        name: 'cnf-1',
        namespace: 'telco',
        containers: [{ name: 'c', devices: [wireDevice('example.com/vf', vfAddress(pf1!, 0), 1)] }],
      },
    ];
    await vi.waitFor(() => expect(sink.reports.at(-1)?.status.pods).toHaveLength(1));
    const status = sink.reports.at(-1)!.status;
    expect(status.pools).toEqual([
      {
        resourceName: 'example.com/vf',
        deviceType: 'netdevice',
        numaNodes: [
          { numaNode: 0, capacity: 2, allocatable: 2, allocated: 0, free: 2 },
          { numaNode: 1, capacity: 2, allocatable: 2, allocated: 1, free: 1 },
        ],
      },
    ]);
    expect(status.pods).toEqual([
      {
        uid: 'uid-1',
        namespace: 'telco',
        name: 'cnf-1',
        devices: [{ resourceName: 'example.com/vf', numaNode: 1, ids: [vfAddress(pf1!, 0)] }],
      },
    ]);
    const res = await fetch(`http://127.0.0.1:${a.port}/readyz`);
    expect([res.status, await res.text()]).toEqual([200, 'ok\n']);
  });

  it('pushes host changes on rediscovery: carrier down, or a VF gone from a slot its policy claims, makes devices Unhealthy', async () => {
    const layout = await readSimulatedLayout(hostDir);
    const [pf0, pf1] = layout.pfs;
    const a = await start();
    await vi.waitFor(() => expect(kubelet.latest('example.com/vf')?.devices).toHaveLength(4));
    await setCarrier(hostDir, pf0!.pciAddress, false);
    await removeVf(hostDir, pf1!.pciAddress, 1);
    await a.rediscover();
    await vi.waitFor(() =>
      expect(kubelet.latest('example.com/vf')?.devices?.map((d) => `${d.ID} ${d.health}`)).toEqual([
        `${vfAddress(pf0!, 0)} Unhealthy`,
        `${vfAddress(pf0!, 1)} Unhealthy`,
        `${vfAddress(pf1!, 0)} Healthy`,
        `${vfAddress(pf1!, 1)} Unhealthy`,
      ]),
    );
    expect(kubelet.registrations).toHaveLength(1);
  });

  it('VFs created after start are found by the periodic rediscovery and pushed', async () => {
    const layout = await readSimulatedLayout(hostDir);
    const wide = { ...policy, spec: { ...policy.spec, numVfs: 4 } };
    await start(staticPolicies([wide]), { rediscoverIntervalMs: 100 });
    await vi.waitFor(() => expect(kubelet.latest('example.com/vf')?.devices).toHaveLength(4));
    await setNumVfs(hostDir, layout.pfs[1]!.pciAddress, 4);
    await vi.waitFor(() =>
      expect(
        kubelet
          .latest('example.com/vf')
          ?.devices?.map((d) => d.ID)
          .slice(2),
      ).toEqual([0, 1, 2, 3].map((i) => vfAddress(layout.pfs[1]!, i))),
    );
    expect(kubelet.registrations).toHaveLength(1);
  });

  it('a policy change serves a new pool set; no pools, no sockets', async () => {
    const policies = staticPolicies([policy]);
    await start(policies);
    expect(await readdir(dpDir)).toContain('wirespeed_example.com_vf.sock');
    policies.set([]);
    await vi.waitFor(async () => expect(await readdir(dpDir)).toEqual(['kubelet.sock']));
  });

  it('is not ready while pod-resources does not answer, and says so', async () => {
    podResources.failure = 'kubelet restarting';
    const a = await start();
    expect(a.notReadyReason()).toBe(
      `pod-resources at ${podResources.socket}: pod-resources GetAllocatableResources at ${podResources.socket}: 14 UNAVAILABLE: kubelet restarting`,
    );
    const res = await fetch(`http://127.0.0.1:${a.port}/readyz`);
    expect(res.status).toBe(503);
    const metrics = await (await fetch(`http://127.0.0.1:${a.port}/metrics`)).text();
    expect(metrics).toContain(
      'wirespeed_agent_devices{pool="example.com/vf",numa_node="0",health="Healthy"} 2',
    );
  });

  it('reports policy problems in syncStatus and the applied generations', async () => {
    const overlapping = {
      ...policy,
      metadata: { name: 'also-all', namespace: 'wirespeed-agent', generation: 2 },
      spec: { ...policy.spec, resourceName: 'other' },
    };
    await start(
      staticPolicies([{ ...policy, metadata: { ...policy.metadata, generation: 5 } }, overlapping]),
    );
    await vi.waitFor(() => expect(sink.reports.at(-1)?.status.syncStatus).toBe('Failed'));
    const status = sink.reports.at(-1)!.status;
    expect(status.policyGenerations).toEqual({ 'wirespeed-agent/all': 5, 'wirespeed-agent/also-all': 2 });
    expect(status.syncMessage).toMatch(/^policy wirespeed-agent\/all OverlappingVfRange: VFs 0-1 of PF /);
  });

  it('a pool that cannot be served (socket path too long) shows in readiness; the agent keeps running', async () => {
    const long = {
      ...policy,
      spec: { ...policy.spec, resourceName: `${'d'.repeat(60)}.example.com/${'n'.repeat(60)}` },
    };
    const a = await start(staticPolicies([long]));
    expect(a.notReadyReason()).toMatch(
      /^serving the pools failed: device-plugin socket path .* is longer than 107 bytes; use a shorter --device-plugin-dir$/,
    );
    await a.rediscover();
    expect(a.pools().map((p) => p.devices.length)).toEqual([4]);
  });

  it('stop removes its sockets', async () => {
    const a = await start();
    await a.stop();
    agent = undefined;
    expect(await readdir(dpDir)).toEqual(['kubelet.sock']);
  });
});
