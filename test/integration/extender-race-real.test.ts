/**
 * The race with real judges: 4 real kubelets (v1.36.3 on the fake runtime, Topology Manager single-numa-node)
 * over simulated hosts, each with our agent (device plugin per pool, pod-resources, NodeNetworkState, Lease);
 * 5 VFs per NUMA node, so a node aligns two pods of 3 while its device count (10) admits three. A burst of 200
 * such pods; the kubelets' own Topology Manager fails what cannot be aligned with TopologyAffinityError.
 * Three modes: reports only (no ledger) must show TopologyAffinityErrors; the ledger and bind mode none.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiextensionsV1Api, CoreV1Api, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kubeletTopology } from '../../src/agent/command.js';
import { type SimHostLayout, simulatedLayout, vfAddress } from '../../src/agent/host/simulated/layout.js';
import { bindDriver, createSimulatedHost } from '../../src/agent/host/simulated/simulated-host.js';
import { type Agent, startAgent } from '../../src/agent/main.js';
import { createAgentMetrics } from '../../src/agent/metrics.js';
import { clusterDeps } from '../../src/agent/production.js';
import type { NetworkNodePolicy, NodeNetworkState } from '../../src/api/wirespeed-v1alpha1.js';
import { waitFor } from '../../src/devcluster/wait.js';
import { devicePod, startLocalExtender } from '../../src/harness/local-extender.js';
import { type KubeEndpoint, loadKubeEndpoint } from '../../src/kube/endpoint.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { realNodeSkipReason, useRealNodes } from '../support/real-node.js';
import { useControlPlane } from './support.js';

const NODES = ['race-a', 'race-b', 'race-c', 'race-d'];
const AGENTS = 'wirespeed-agent';
const POOL = 'wirespeed.io/race';
const VFS_PER_NUMA = 5;
const POD_SIZE = 3;
const BURST = 200;
const QUIET_MS = 6000;
const MANIFESTS = join(import.meta.dirname, '..', '..', 'manifests');
const layout: SimHostLayout = simulatedLayout({ pfs: 2, vfs: 8, numVfs: VFS_PER_NUMA, numa: 2 });
const hosts = Object.fromEntries(NODES.map((n) => [n, mkdtempSync(join(tmpdir(), `ws-race-${n}-`))]));

type Mode = 'reports-only' | 'ledger' | 'bind';

/** Reservations whose predicted NUMA node a report proved wrong (the kubelet admitted pods in another order). */
async function movedPredictions(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('wirespeed_extender_reservation_events_total{event="moved"}'));
  return line ? Number(line.split(' ').pop()) : 0;
}

afterAll(() => {
  for (const dir of Object.values(hosts)) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(realNodeSkipReason)('a burst racing for aligned VFs on real kubelets with our agents', () => {
  const plane = useControlPlane({ scheduler: false });
  const core = () => plane.cp.kc.makeApiClient(CoreV1Api);
  let api: KubeEndpoint;
  beforeAll(async () => {
    for (const dir of Object.values(hosts)) {
      await createSimulatedHost(dir, layout);
      for (const pf of layout.pfs)
        for (let i = 0; i < VFS_PER_NUMA; i++) await bindDriver(dir, vfAddress(pf, i), 'vfio-pci');
    }
    const crds = plane.cp.kc.makeApiClient(ApiextensionsV1Api);
    for (const file of [
      '02-crd-networknodepolicy.yaml',
      '03-crd-nodenetworkstate.yaml',
      '04-crd-noderesourcetopology.yaml',
    ]) {
      const body = parse(readFileSync(join(MANIFESTS, file), 'utf8')) as V1CustomResourceDefinition;
      await crds.createCustomResourceDefinition({ body });
      await waitFor(`CRD ${body.metadata?.name} established`, async () => {
        const crd = await crds.readCustomResourceDefinition({ name: body.metadata!.name! });
        return (
          crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') || undefined
        );
      });
    }
    await core().createNamespace({ body: { metadata: { name: AGENTS } } });
    api = loadKubeEndpoint(plane.cp.kubeconfigPath);
    const policy: NetworkNodePolicy = {
      apiVersion: 'wirespeed.io/v1alpha1',
      kind: 'NetworkNodePolicy',
      metadata: { name: 'race', namespace: AGENTS },
      spec: {
        resourceName: POOL,
        deviceType: 'vfio-pci',
        numVfs: VFS_PER_NUMA,
        nicSelector: { pfNames: layout.pfs.map((pf) => `${pf.name}#0-${VFS_PER_NUMA - 1}`) },
      },
    };
    const created = await api.json(`/apis/wirespeed.io/v1alpha1/namespaces/${AGENTS}/networknodepolicies`, {
      method: 'POST',
      body: policy,
    });
    expect(created.status).toBe(201);
  });
  const real = useRealNodes(
    () => plane.cp,
    NODES.map((name) => ({ name, numaFromHost: hosts[name]! })),
  );
  const agents: Agent[] = [];
  beforeAll(async () => {
    for (const name of NODES) {
      const node = real.node(name);
      agents.push(
        await startAgent(
          {
            nodeName: name,
            devicePluginDir: node.devicePluginDir,
            podResourcesSocket: node.podResourcesSocket,
            resourcePrefix: 'wirespeed.io',
            preferredAllocation: 'pack',
            rediscoverIntervalMs: 1000,
            podResourcesIntervalMs: 200,
            kubelet: kubeletTopology(node.kubeletConfigPath),
            metricsPort: null,
            bindAddress: '127.0.0.1',
            socketCheckIntervalMs: 500,
          },
          clusterDeps(
            api,
            { nodeName: name, namespace: AGENTS, hostRoot: hosts[name]! },
            { log: silentLogger, metrics: createAgentMetrics({ processMetrics: false }) },
          ),
        ),
      );
    }
    await allFree();
  });
  afterAll(async () => {
    for (const agent of agents) await agent.stop();
    api?.close();
  });

  const reports = async (): Promise<NodeNetworkState[]> => {
    const res = await api.json('/apis/wirespeed.io/v1alpha1/nodenetworkstates');
    return (res.body as { items?: NodeNetworkState[] }).items ?? [];
  };
  const freeSlots = async (): Promise<number> => {
    let slots = 0;
    for (const r of await reports())
      for (const pool of r.status?.pools ?? [])
        if (pool.resourceName === POOL)
          for (const n of pool.numaNodes) slots += Math.floor(n.free / POD_SIZE);
    return slots;
  };
  async function allFree(): Promise<void> {
    await waitFor(
      'every node to report all its VFs free and be allocatable',
      async () => {
        const nodes = await core().listNode();
        const allocatable = nodes.items.every(
          (n) => n.status?.allocatable?.[POOL] === String(2 * VFS_PER_NUMA),
        );
        return allocatable && nodes.items.length === NODES.length && (await freeSlots()) === 2 * NODES.length
          ? true
          : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
  }

  const run = async (mode: Mode) => {
    const namespace = `real-${mode}`;
    await core().createNamespace({ body: { metadata: { name: namespace } } });
    const local = await startLocalExtender(plane.cp, {
      leaseNamespace: AGENTS,
      managedResources: [POOL],
      ledger: mode !== 'reports-only',
      bindMode: mode === 'bind',
    });
    try {
      await plane.cp.startScheduler(
        local.schedulerConfig({ managedResources: [POOL], bind: mode === 'bind' }),
      );
      const started = Date.now();
      for (let i = 0; i < BURST; i += 25) {
        await Promise.all(
          Array.from({ length: Math.min(25, BURST - i) }, (_, j) => {
            const body = devicePod(namespace, `p-${i + j}`, POOL, POD_SIZE);
            body.spec!.terminationGracePeriodSeconds = 0;
            return core().createNamespacedPod({ namespace, body });
          }),
        );
      }
      let last = '';
      let lastChange = Date.now();
      let counts = { bound: 0, tae: 0, unbound: 0, running: 0 };
      await waitFor(
        `${mode}: placements to settle`,
        async () => {
          const pods = (await core().listNamespacedPod({ namespace })).items;
          counts = {
            bound: pods.filter((p) => p.spec?.nodeName).length,
            tae: pods.filter((p) => p.status?.reason === 'TopologyAffinityError').length,
            unbound: pods.filter((p) => !p.spec?.nodeName).length,
            running: pods.filter((p) => p.spec?.nodeName && p.status?.phase !== 'Failed').length,
          };
          const key = JSON.stringify(counts);
          if (key !== last) {
            last = key;
            lastChange = Date.now();
          }
          return Date.now() - lastChange > QUIET_MS ? true : undefined;
        },
        { timeoutMs: 240_000, intervalMs: 500 },
      );
      const free = await freeSlots();
      const moved = await movedPredictions(local.extender.port);
      const outcome = {
        topologyAffinityErrors: counts.tae,
        admitted: counts.running,
        pendingWhileCapacity: Math.min(counts.unbound, free),
        settleMs: lastChange - started,
      };
      process.stdout.write(
        `race (real kubelets) ${mode}: ${outcome.topologyAffinityErrors} TopologyAffinityErrors, ${outcome.admitted} admitted of ` +
          `${2 * NODES.length} aligned slots, ${outcome.pendingWhileCapacity} Pending while a slot was free, settled in ` +
          `${outcome.settleMs} ms (${BURST} pods of ${POD_SIZE}); ${moved} NUMA predictions moved by a report\n`,
      );
      return outcome;
    } finally {
      await plane.cp.stopScheduler();
      await core().deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 });
      await local.stop();
      await allFree();
    }
  };

  it('reports only: the race is real, the kubelets refuse double-booked pods', async () => {
    expect((await run('reports-only')).topologyAffinityErrors).toBeGreaterThan(0);
  }, 600_000);

  it.each<Mode>(['ledger', 'bind'])(
    '%s: no TopologyAffinityError, nothing Pending while a slot is free',
    async (mode) => {
      const outcome = await run(mode);
      expect(outcome.topologyAffinityErrors).toBe(0);
      expect(outcome.pendingWhileCapacity).toBe(0);
      expect(outcome.admitted).toBe(2 * NODES.length);
    },
    600_000,
  );
});
