/**
 * The agent (policies by list/watch from the API server) against a real kubelet (v1.36.3 on the fake runtime,
 * in its own mount namespace) whose NUMA topology is the simulated host's: 2 PFs, one per NUMA node, 4 VFs
 * each; VFs 0-1 of each PF on vfio-pci in pool wirespeed.io/vfio, VFs 2-3 on iavf in pool wirespeed.io/net.
 * The kubelet's device manager, Topology Manager (single-numa-node) and pod-resources API are the real ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SimHostLayout,
  simulatedLayout,
  vfAddress,
  vfIommuGroup,
} from '../../src/agent/host/simulated/layout.js';
import { bindDriver, createSimulatedHost } from '../../src/agent/host/simulated/simulated-host.js';
import { type Agent, startAgent } from '../../src/agent/main.js';
import { createAgentMetrics } from '../../src/agent/metrics.js';
import { clusterDeps } from '../../src/agent/production.js';
import type { NodeResourceTopology } from '../../src/api/nrt-v1alpha2.js';
import type { NetworkNodePolicy, NodeNetworkState } from '../../src/api/wirespeed-v1alpha1.js';
import { agentLeaseName } from '../../src/core/report/liveness.js';
import { waitFor } from '../../src/devcluster/wait.js';
import { type KubeEndpoint, loadKubeEndpoint } from '../../src/kube/endpoint.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { agentConfigOn } from '../support/agent.js';
import { boundDevicePod } from '../support/builders.js';
import { installCrdFiles } from '../support/crds.js';
import { realNodeSkipReason, useRealNodes } from '../support/real-node.js';
import { useControlPlane } from './support.js';

const NODE = 'agent-a';
const NAMESPACE = 'wirespeed-agent';
const VFIO = 'wirespeed.io/vfio';
const NET = 'wirespeed.io/net';
const simDir = mkdtempSync(join(tmpdir(), 'ws-agent-host-'));
const layout: SimHostLayout = simulatedLayout({ pfs: 2, vfs: 4, numVfs: 4, numa: 2 });
const [pf0, pf1] = layout.pfs as [SimHostLayout['pfs'][number], SimHostLayout['pfs'][number]];
/** VF i of the PF on NUMA node n. */
const vf = (numa: 0 | 1, i: number) => vfAddress(numa === 0 ? pf0 : pf1, i);

function policy(name: string, resourceName: string, deviceType: 'vfio-pci' | 'netdevice', range: string) {
  return {
    apiVersion: 'wirespeed.io/v1alpha1',
    kind: 'NetworkNodePolicy',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      resourceName,
      deviceType,
      numVfs: 4,
      nicSelector: { pfNames: [`${pf0.name}#${range}`, `${pf1.name}#${range}`] },
    },
  } satisfies NetworkNodePolicy;
}

const devicePod = (name: string, resource: string, count: number): V1Pod =>
  boundDevicePod(name, NODE, resource, count);

afterAll(() => rmSync(simDir, { recursive: true, force: true }));

describe.skipIf(realNodeSkipReason)('the agent with a real kubelet', () => {
  const plane = useControlPlane({ scheduler: false });
  const core = () => plane.cp.kc.makeApiClient(CoreV1Api);
  beforeAll(async () => {
    await createSimulatedHost(simDir, layout);
    for (const numa of [0, 1] as const)
      for (const i of [0, 1]) await bindDriver(simDir, vf(numa, i), 'vfio-pci');
    await installCrdFiles(plane.cp.kubeconfigPath, [
      '02-crd-networknodepolicy.yaml',
      '03-crd-nodenetworkstate.yaml',
      '04-crd-noderesourcetopology.yaml',
    ]);
    await core().createNamespace({ body: { metadata: { name: NAMESPACE } } });
    const admin = loadKubeEndpoint(plane.cp.kubeconfigPath);
    for (const p of [policy('vfio', VFIO, 'vfio-pci', '0-1'), policy('net', NET, 'netdevice', '2-3')]) {
      const created = await admin.json(
        `/apis/wirespeed.io/v1alpha1/namespaces/${NAMESPACE}/networknodepolicies`,
        {
          method: 'POST',
          body: p,
        },
      );
      expect(created.status).toBe(201);
    }
    admin.close();
  });
  const real = useRealNodes(() => plane.cp, [{ name: NODE, numaFromHost: simDir }]);
  let agent: Agent;
  let api: KubeEndpoint;
  const metrics = createAgentMetrics({ processMetrics: false });

  beforeAll(async () => {
    const node = real.node(NODE);
    api = loadKubeEndpoint(plane.cp.kubeconfigPath);
    agent = await startAgent(
      agentConfigOn(NODE, node),
      clusterDeps(
        api,
        { nodeName: NODE, namespace: NAMESPACE, hostRoot: simDir },
        { log: silentLogger, metrics },
      ),
    );
  });
  afterAll(async () => {
    await agent?.stop();
    api?.close();
  });

  const nodeResources = async () => {
    const status = (await core().readNode({ name: NODE })).status;
    return { capacity: status?.capacity ?? {}, allocatable: status?.allocatable ?? {} };
  };
  const state = async (): Promise<NodeNetworkState | undefined> => {
    const got = await api.json(`/apis/wirespeed.io/v1alpha1/nodenetworkstates/${NODE}`);
    return got.status === 200 ? (got.body as NodeNetworkState) : undefined;
  };
  const poolCounts = async (resource: string) =>
    (await state())?.status?.pools.find((p) => p.resourceName === resource)?.numaNodes;
  const podOf = (name: string) => core().readNamespacedPod({ namespace: 'default', name });
  const created = async (name: string) =>
    waitFor(`CreateContainer of ${name}`, async () =>
      (await real.node(NODE).criRecord()).find((r) => r.method === 'CreateContainer' && r.pod?.name === name),
    );

  it('serves both pools: the Node shows them allocatable and the report counts them per NUMA node', async () => {
    await waitFor('pools allocatable', async () => {
      const { allocatable } = await nodeResources();
      return allocatable[VFIO] === '4' && allocatable[NET] === '4' ? true : undefined;
    });
    await waitFor('agent ready', async () => (agent.notReadyReason() === undefined ? true : undefined), {
      detail: () => agent.notReadyReason() ?? '',
    });
    const report = (await state())?.status;
    expect(report?.syncStatus).toBe('Succeeded');
    expect(report?.policyGenerations).toEqual({ 'wirespeed-agent/net': 1, 'wirespeed-agent/vfio': 1 });
    expect(report?.kubelet).toEqual({
      topologyManagerPolicy: 'single-numa-node',
      topologyManagerScope: 'container',
    });
    expect(report?.pools).toEqual([
      {
        resourceName: NET,
        deviceType: 'netdevice',
        numaNodes: [
          { numaNode: 0, capacity: 2, allocatable: 2, allocated: 0, free: 2 },
          { numaNode: 1, capacity: 2, allocatable: 2, allocated: 0, free: 2 },
        ],
      },
      {
        resourceName: VFIO,
        deviceType: 'vfio-pci',
        numaNodes: [
          { numaNode: 0, capacity: 2, allocatable: 2, allocated: 0, free: 2 },
          { numaNode: 1, capacity: 2, allocatable: 2, allocated: 0, free: 2 },
        ],
      },
    ]);
  });

  it('publishes NodeResourceTopology zones per NUMA node and renews its Lease', async () => {
    const nrt = await waitFor('the NodeResourceTopology', async () => {
      const got = await api.json(`/apis/topology.node.k8s.io/v1alpha2/noderesourcetopologies/${NODE}`);
      return got.status === 200 ? (got.body as NodeResourceTopology) : undefined;
    });
    expect(nrt.zones.map((z) => [z.name, z.resources?.find((r) => r.name === VFIO)?.available])).toEqual([
      ['node-0', '2'],
      ['node-1', '2'],
    ]);
    const lease = await api.json(
      `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/${agentLeaseName(NODE)}`,
    );
    expect(lease.status).toBe(200);
    expect((lease.body as { spec?: { holderIdentity?: string } }).spec?.holderIdentity).toBe(NODE);
  });

  let first: { numa: 0 | 1; ids: string[] } | undefined;

  it('a pod gets 2 VFIO devices of one NUMA node: env and /dev/vfio specs reach the runtime, the report follows', async () => {
    const createdAt = Date.now();
    const pod = await core().createNamespacedPod({
      namespace: 'default',
      body: devicePod('dpdk-1', VFIO, 2),
    });
    const request = await created('dpdk-1');
    const ids = (request.container?.envs.PCIDEVICE_WIRESPEED_IO_VFIO ?? '').split(',').sort();
    const numa = ids[0] === vf(0, 0) ? 0 : 1;
    first = { numa, ids };
    expect(ids).toEqual([vf(numa, 0), vf(numa, 1)].sort());
    const pf = numa === 0 ? pf0 : pf1;
    expect(request.container?.devices).toEqual([
      { containerPath: '/dev/vfio/vfio', hostPath: '/dev/vfio/vfio', permissions: 'rw' },
      ...[0, 1].map((i) => ({
        containerPath: `/dev/vfio/${vfIommuGroup(pf, i)}`,
        hostPath: `/dev/vfio/${vfIommuGroup(pf, i)}`,
        permissions: 'rw',
      })),
    ]);
    const info = JSON.parse(request.container?.envs.PCIDEVICE_WIRESPEED_IO_VFIO_INFO ?? '{}') as Record<
      string,
      unknown
    >;
    expect(Object.keys(info).sort()).toEqual(ids);
    const report = await waitFor(
      'the report to list dpdk-1',
      async () => {
        const s = (await state())?.status;
        return s?.pods.some((p) => p.name === 'dpdk-1') ? s : undefined;
      },
      { intervalMs: 20 },
    );
    process.stderr.write(`[agent] pod created → NodeNetworkState lists it: ${Date.now() - createdAt} ms\n`);
    expect(report.pods).toEqual([
      {
        uid: pod.metadata?.uid,
        namespace: 'default',
        name: 'dpdk-1',
        devices: [{ resourceName: VFIO, numaNode: numa, ids }],
      },
    ]);
    expect(report.pools.find((p) => p.resourceName === VFIO)?.numaNodes[numa]).toEqual({
      numaNode: numa,
      capacity: 2,
      allocatable: 2,
      allocated: 2,
      free: 0,
    });
  });

  it('a pod asking for more VFIO devices than one NUMA node holds is rejected with TopologyAffinityError', async () => {
    await core().createNamespacedPod({ namespace: 'default', body: devicePod('too-wide', VFIO, 3) });
    const pod = await waitFor('too-wide to fail', async () => {
      const p = await podOf('too-wide');
      return p.status?.phase === 'Failed' ? p : undefined;
    });
    expect(pod.status?.reason).toBe('TopologyAffinityError');
    expect((await real.node(NODE).criRecord()).some((r) => r.pod?.name === 'too-wide')).toBe(false);
  });

  it('GetPreferredAllocation packs: a 1-device pod gets the lowest VF of the NUMA node the kubelet chose', async () => {
    await core().createNamespacedPod({ namespace: 'default', body: devicePod('net-1', NET, 1) });
    const request = await created('net-1');
    const id = request.container?.envs.PCIDEVICE_WIRESPEED_IO_NET;
    expect([vf(0, 2), vf(1, 2)]).toContain(id);
    expect(request.container?.devices).toEqual([]);
  });

  it('a VF moved to the wrong driver leaves allocatable (capacity stays) and comes back when rebound', async () => {
    const other = first?.numa === 0 ? 1 : 0;
    await bindDriver(simDir, vf(other, 1), 'iavf');
    await waitFor('VFIO allocatable 3', async () => {
      const { capacity, allocatable } = await nodeResources();
      return allocatable[VFIO] === '3' && capacity[VFIO] === '4' ? true : undefined;
    });
    await waitFor('the report to show it', async () =>
      (await poolCounts(VFIO))?.[other]?.allocatable === 1 ? true : undefined,
    );
    await bindDriver(simDir, vf(other, 1), 'vfio-pci');
    await waitFor('VFIO allocatable 4 again', async () =>
      (await nodeResources()).allocatable[VFIO] === '4' ? true : undefined,
    );
  });

  it('deleting a pod frees its devices in the report once the kubelet lets them go', async () => {
    const deletedAt = Date.now();
    await core().deleteNamespacedPod({ namespace: 'default', name: 'dpdk-1', gracePeriodSeconds: 0 });
    // Between the API delete and the kubelet's release the pod is unknown but its devices still count.
    const report = await waitFor(
      'dpdk-1 to leave the report and its devices to be free',
      async () => {
        const s = (await state())?.status;
        const vfio = s?.pools.find((p) => p.resourceName === VFIO);
        return s &&
          !s.pods.some((p) => p.name === 'dpdk-1') &&
          vfio?.numaNodes.every((n) => n.allocated === 0)
          ? s
          : undefined;
      },
      { intervalMs: 20 },
    );
    process.stderr.write(`[agent] pod deleted → NodeNetworkState frees it: ${Date.now() - deletedAt} ms\n`);
    expect(report.pools.find((p) => p.resourceName === VFIO)?.numaNodes).toEqual([
      { numaNode: 0, capacity: 2, allocatable: 2, allocated: 0, free: 2 },
      { numaNode: 1, capacity: 2, allocatable: 2, allocated: 0, free: 2 },
    ]);
    expect(report.pods.map((p) => p.name)).toEqual(['net-1']);
  });

  it('survives a kubelet restart: serves again on a fresh socket, registers again, stays allocatable', async () => {
    const reserves = async () => (await metrics.reserves.get()).values.reduce((sum, v) => sum + v.value, 0);
    const before = await reserves();
    const restartedAt = Date.now();
    await real.node(NODE).restartKubelet();
    await waitFor('both pools allocatable after the restart', async () => {
      const { allocatable } = await nodeResources();
      return allocatable[VFIO] === '4' && allocatable[NET] === '4' ? true : undefined;
    });
    process.stderr.write(
      `[agent] kubelet restart → pools allocatable again: ${Date.now() - restartedAt} ms\n`,
    );
    expect(await reserves()).toBeGreaterThanOrEqual(before + 2);
    // The restarted kubelet hands out devices through the new registration.
    await core().createNamespacedPod({ namespace: 'default', body: devicePod('after-restart', VFIO, 1) });
    const request = await created('after-restart');
    expect(request.container?.envs.PCIDEVICE_WIRESPEED_IO_VFIO).toMatch(
      /^0000:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/,
    );
    await waitFor('agent ready after the restart', async () =>
      agent.notReadyReason() === undefined ? true : undefined,
    );
  });
});
