/**
 * Device setup with a real kubelet (v1.36.3 on the fake runtime, its NUMA topology the simulated host's): the
 * simulated host starts with no VFs; the agent creates them from NetworkNodePolicies through the simulated
 * kernel (writes in child processes), the pools appear in the Node's allocatable without restarting anything,
 * pods run on them; a numVfs change under a pod is refused with NeedsEviction naming it, and an agent run with
 * --evict evicts exactly that pod and then applies the change.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  type V1CustomResourceDefinition,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { rootedHost } from '../../src/agent/host/rooted-host.js';
import { type SimHostLayout, simulatedLayout } from '../../src/agent/host/simulated/layout.js';
import { createSimulatedHost } from '../../src/agent/host/simulated/simulated-host.js';
import { type Agent, startAgent } from '../../src/agent/main.js';
import { createAgentMetrics } from '../../src/agent/metrics.js';
import { observeHost } from '../../src/agent/observe.js';
import { clusterDeps } from '../../src/agent/production.js';
import type { NetworkNodePolicy, NodeNetworkState } from '../../src/api/wirespeed-v1alpha1.js';
import { waitFor } from '../../src/devcluster/wait.js';
import { type KubeEndpoint, loadKubeEndpoint } from '../../src/kube/endpoint.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { agentConfigOn } from '../support/agent.js';
import { boundDevicePod } from '../support/builders.js';
import { realNodeSkipReason, useRealNodes, waitForCreateContainer } from '../support/real-node.js';
import { useControlPlane } from './support.js';

const NODE = 'setup-a';
const NAMESPACE = 'wirespeed-agent';
const DPDK = 'wirespeed.io/dpdk';
const NET = 'wirespeed.io/net';
const MANIFESTS = join(import.meta.dirname, '..', '..', 'manifests');
const simDir = mkdtempSync(join(tmpdir(), 'ws-setup-host-'));
const layout: SimHostLayout = simulatedLayout({ pfs: 2, vfs: 8, numa: 2 });
const [pf0, pf1] = layout.pfs as [SimHostLayout['pfs'][number], SimHostLayout['pfs'][number]];
const POLICIES = `/apis/wirespeed.io/v1alpha1/namespaces/${NAMESPACE}/networknodepolicies`;

function policy(name: string, resourceName: string, deviceType: 'vfio-pci' | 'netdevice', pf: string) {
  return {
    apiVersion: 'wirespeed.io/v1alpha1',
    kind: 'NetworkNodePolicy',
    metadata: { name, namespace: NAMESPACE },
    spec: { resourceName, deviceType, numVfs: 2, nicSelector: { pfNames: [pf] } },
  } satisfies NetworkNodePolicy;
}

const devicePod = (name: string, resource: string): V1Pod => boundDevicePod(name, NODE, resource);

async function installCrd(crds: ApiextensionsV1Api, file: string): Promise<void> {
  const body = parse(readFileSync(join(MANIFESTS, file), 'utf8')) as V1CustomResourceDefinition;
  await crds.createCustomResourceDefinition({ body });
  const name = body.metadata?.name ?? '';
  await waitFor(`CRD ${name} established`, async () => {
    const crd = await crds.readCustomResourceDefinition({ name });
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') || undefined;
  });
}

afterAll(() => rmSync(simDir, { recursive: true, force: true }));

describe.skipIf(realNodeSkipReason)('device setup with a real kubelet', () => {
  const plane = useControlPlane({ scheduler: false });
  const core = () => plane.cp.kc.makeApiClient(CoreV1Api);
  let api: KubeEndpoint;
  beforeAll(async () => {
    await createSimulatedHost(simDir, layout);
    const crds = plane.cp.kc.makeApiClient(ApiextensionsV1Api);
    for (const file of [
      '02-crd-networknodepolicy.yaml',
      '03-crd-nodenetworkstate.yaml',
      '04-crd-noderesourcetopology.yaml',
    ])
      await installCrd(crds, file);
    await core().createNamespace({ body: { metadata: { name: NAMESPACE } } });
    api = loadKubeEndpoint(plane.cp.kubeconfigPath);
    for (const p of [policy('dpdk', DPDK, 'vfio-pci', pf0.name), policy('net', NET, 'netdevice', pf1.name)])
      expect((await api.json(POLICIES, { method: 'POST', body: p })).status).toBe(201);
  });
  const real = useRealNodes(() => plane.cp, [{ name: NODE, numaFromHost: simDir }]);
  let agent: Agent | undefined;
  const start = async (evict: boolean) => {
    const node = real.node(NODE);
    agent = await startAgent(
      agentConfigOn(NODE, node, { metricsPort: null }),
      clusterDeps(
        api,
        {
          nodeName: NODE,
          namespace: NAMESPACE,
          hostRoot: simDir,
          setup: { evict, writeTimeoutMs: 20_000, parallelism: 2, waitMs: 10_000 },
        },
        { log: silentLogger, metrics: createAgentMetrics({ processMetrics: false }) },
      ),
    );
  };
  afterAll(async () => {
    await agent?.stop();
    api?.close();
  });

  const allocatable = async () => (await core().readNode({ name: NODE })).status?.allocatable ?? {};
  const state = async () => {
    const got = await api.json(`/apis/wirespeed.io/v1alpha1/nodenetworkstates/${NODE}`);
    return got.status === 200 ? (got.body as NodeNetworkState).status : undefined;
  };
  const numVfs = async () =>
    (await observeHost(rootedHost(simDir))).pfs.map((pf) => pf.vfs.map((v) => v.driver));
  const slow = { timeoutMs: 60_000, intervalMs: 200 };

  it('creates the VFs from the policies; the pools appear in Node allocatable without a restart', async () => {
    expect(await numVfs()).toEqual([[], []]);
    await start(false);
    await waitFor(
      'pools allocatable',
      async () => {
        const a = await allocatable();
        return a[DPDK] === '2' && a[NET] === '2' ? true : undefined;
      },
      slow,
    );
    expect(await numVfs()).toEqual([
      ['vfio-pci', 'vfio-pci'],
      ['iavf', 'iavf'],
    ]);
    const s = await waitFor(
      'NodeNetworkState Succeeded',
      async () => {
        const st = await state();
        return st?.syncStatus === 'Succeeded' && st.appliedPfs ? st : undefined;
      },
      slow,
    );
    expect(s.appliedPfs?.map((p) => [p.name, p.syncStatus, p.numVfs, p.pools])).toEqual([
      [pf0.name, 'Succeeded', 2, [{ resourceName: DPDK, deviceType: 'vfio-pci', vfs: '0-1' }]],
      [pf1.name, 'Succeeded', 2, [{ resourceName: NET, deviceType: 'netdevice', vfs: '0-1' }]],
    ]);
  });

  it('pods run on the new VFs', async () => {
    await core().createNamespacedPod({ namespace: 'default', body: devicePod('dpdk-1', DPDK) });
    await core().createNamespacedPod({ namespace: 'default', body: devicePod('web-1', NET) });
    const dpdk = await waitForCreateContainer(real.node(NODE), 'dpdk-1');
    expect(dpdk.container?.envs.PCIDEVICE_WIRESPEED_IO_DPDK?.split(',').length).toBe(1);
    await waitForCreateContainer(real.node(NODE), 'web-1');
    await waitFor(
      'the report to list both pods',
      async () => {
        const names = (await state())?.pods.map((p) => p.name).sort();
        return names?.join() === 'dpdk-1,web-1' ? true : undefined;
      },
      slow,
    );
  });

  it('a numVfs change under a running pod is refused with NeedsEviction naming it; the host is left as it is', async () => {
    const patch = await api.json(`${POLICIES}/dpdk`, {
      method: 'PATCH',
      body: { spec: { numVfs: 4 } },
      contentType: 'application/merge-patch+json',
    });
    expect(patch.status).toBe(200);
    const s = await waitFor(
      'NeedsEviction',
      async () => {
        const st = await state();
        return st?.syncStatus === 'NeedsEviction' ? st : undefined;
      },
      slow,
    );
    expect(s.appliedPfs?.[0]?.pods).toEqual([{ namespace: 'default', name: 'dpdk-1' }]);
    expect(s.syncMessage).toContain(`numVfs of PF ${pf0.name} (${pf0.pciAddress}) changes 2 → 4`);
    expect(s.syncMessage).toContain('pods hold them: default/dpdk-1');
    expect((await numVfs())[0]).toEqual(['vfio-pci', 'vfio-pci']);
  });

  it('with --evict only that pod is evicted, then the change is applied', async () => {
    await agent?.stop();
    await start(true);
    await waitFor(
      'dpdk-1 gone',
      async () => {
        const pods = await core().listNamespacedPod({ namespace: 'default' });
        return pods.items.some((p) => p.metadata?.name === 'dpdk-1') ? undefined : true;
      },
      slow,
    );
    await waitFor(
      '4 dpdk VFs allocatable',
      async () => ((await allocatable())[DPDK] === '4' ? true : undefined),
      slow,
    );
    const web = await core().readNamespacedPod({ namespace: 'default', name: 'web-1' });
    expect([web.metadata?.deletionTimestamp, web.status?.phase]).toEqual([undefined, 'Running']);
    expect(await numVfs()).toEqual([
      ['vfio-pci', 'vfio-pci', 'vfio-pci', 'vfio-pci'],
      ['iavf', 'iavf'],
    ]);
    const s = await waitFor(
      'Succeeded again',
      async () => {
        const st = await state();
        return st?.syncStatus === 'Succeeded' ? st : undefined;
      },
      slow,
    );
    expect(s.pods.map((p) => p.name)).toEqual(['web-1']);
  });
});
