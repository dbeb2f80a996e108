import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeNode } from '../../src/devcluster/nodes.js';
import { waitFor } from '../../src/devcluster/wait.js';
import {
  deleteNodeNetworkState,
  devicePod,
  ensureNamespace,
  type LocalExtender,
  reportStatus,
  startLocalExtender,
  writeAgentLease,
  writeNodeNetworkState,
} from '../../src/harness/local-extender.js';
import { loadKubeEndpoint } from '../../src/kube/endpoint.js';
import { useControlPlane } from './support.js';

const POOL = 'example.com/sriov_a';
const STALE_POOL = 'example.com/sriov_stale';
const BIND_POOL = 'example.com/sriov_bind';
const AGENTS = 'wirespeed-agent';
const NS = 'extender-test';

describe('the extender with the real kube-scheduler (fake nodes, test-written reports)', () => {
  const plane = useControlPlane({ scheduler: false });
  let local: LocalExtender;
  let core: CoreV1Api;

  const nodeOf = (name: string) =>
    waitFor(`pod ${name} to be bound`, async () => {
      const pod = await core.readNamespacedPod({ name, namespace: NS });
      return pod.spec?.nodeName;
    });
  const failedScheduling = (name: string, text: string) =>
    waitFor(`a FailedScheduling event of ${name} saying "${text}"`, async () => {
      const events = await core.listNamespacedEvent({ namespace: NS });
      return events.items.find(
        (e) => e.involvedObject.name === name && e.reason === 'FailedScheduling' && e.message?.includes(text),
      )?.message;
    });

  beforeAll(async () => {
    const { cp } = plane;
    core = cp.kc.makeApiClient(CoreV1Api);
    const endpoint = loadKubeEndpoint(cp.kubeconfigPath);
    await ensureNamespace(endpoint, AGENTS);
    await ensureNamespace(endpoint, NS);
    local = await startLocalExtender(cp, { leaseNamespace: AGENTS, managedResources: [POOL, STALE_POOL] });
    // The node-level count (8) passes every pod here; only the per-NUMA-node reports tell the nodes apart.
    await createFakeNode(cp.kc, 'numa-split', { [POOL]: '8' });
    await writeNodeNetworkState(
      endpoint,
      'numa-split',
      reportStatus({
        [POOL]: [
          [2, 2],
          [2, 2],
        ],
      }),
    );
    await createFakeNode(cp.kc, 'numa-three', { [POOL]: '8' });
    await writeNodeNetworkState(
      endpoint,
      'numa-three',
      reportStatus({
        [POOL]: [
          [1, 1],
          [3, 3],
        ],
      }),
    );
    await createFakeNode(cp.kc, 'stale-agent', { [STALE_POOL]: '8' });
    await writeNodeNetworkState(
      endpoint,
      'stale-agent',
      reportStatus({
        [STALE_POOL]: [
          [4, 4],
          [4, 4],
        ],
      }),
    );
    for (const node of ['numa-split', 'numa-three']) await writeAgentLease(endpoint, AGENTS, node);
    await writeAgentLease(endpoint, AGENTS, 'stale-agent', { renewedAt: new Date(Date.now() - 600_000) });
    await waitFor('the extender to see three reports and their Leases', async () => {
      const r = local.extender.reports;
      const now = Date.now();
      return r.lookup('numa-split', now).kind === 'fresh' &&
        r.lookup('numa-three', now).kind === 'fresh' &&
        r.lookup('stale-agent', now).kind === 'stale'
        ? true
        : undefined;
    });
    await cp.startScheduler(local.schedulerConfig({ managedResources: [POOL, STALE_POOL, BIND_POOL] }));
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('places a pod only where its devices fit on one NUMA node', async () => {
    await core.createNamespacedPod({ namespace: NS, body: devicePod(NS, 'three', POOL, 3) });
    expect(await nodeOf('three')).toBe('numa-three');
    expect(
      local.extender.ledger?.get(
        (await core.readNamespacedPod({ name: 'three', namespace: NS })).metadata!.uid!,
      ),
    ).toMatchObject({
      node: 'numa-three',
      numaNode: 1,
    });
  });

  it('holds the devices of a bound pod in the ledger, so the next pod goes elsewhere before any report', async () => {
    // numa-three's report still says NUMA node 1 has 3 free; the ledger says the pod above holds them.
    await core.createNamespacedPod({ namespace: NS, body: devicePod(NS, 'two', POOL, 2) });
    expect(await nodeOf('two')).toBe('numa-split');
  });

  it('leaves an unplaceable pod Pending with the reason in its FailedScheduling event', async () => {
    await core.createNamespacedPod({ namespace: NS, body: devicePod(NS, 'four', POOL, 4) });
    const message = await failedScheduling('four', 'no NUMA node has 4 allocatable example.com/sriov_a');
    expect(message).toContain('2 no NUMA node has 4 allocatable example.com/sriov_a');
    expect((await core.readNamespacedPod({ name: 'four', namespace: NS })).spec?.nodeName).toBeUndefined();
  });

  it('rejects a node whose agent Lease expired, and takes it once the agent renews', async () => {
    await core.createNamespacedPod({ namespace: NS, body: devicePod(NS, 'on-stale', STALE_POOL, 1) });
    await failedScheduling('on-stale', 'stale topology report');
    await writeAgentLease(local.endpoint, AGENTS, 'stale-agent');
    await waitFor('the renewal to reach the extender', async () =>
      local.extender.reports.lookup('stale-agent', Date.now()).kind === 'fresh' ? true : undefined,
    );
    // A Lease is no event to the scheduler; a Node update is, and requeues the pod at once.
    await core.patchNode(
      { name: 'stale-agent', body: { metadata: { labels: { 'wirespeed.io/agent-renewed': 'true' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(await nodeOf('on-stale')).toBe('stale-agent');
  });

  it('forgets a deleted report and sees one created after start (scheduler-plugins#967)', async () => {
    const filter = async (): Promise<unknown> => {
      const res = await fetch(`${local.url}/filter`, {
        method: 'POST',
        body: JSON.stringify({ Pod: devicePod(NS, 'probe', POOL, 1), NodeNames: ['late-node'] }),
      });
      return res.json();
    };
    expect(await filter()).toEqual({
      NodeNames: [],
      FailedNodes: { 'late-node': 'no topology report' },
      FailedAndUnresolvableNodes: {},
      Error: '',
    });
    await writeNodeNetworkState(local.endpoint, 'late-node', reportStatus({ [POOL]: [[1, 1]] }));
    await writeAgentLease(local.endpoint, AGENTS, 'late-node');
    await waitFor('the new report to be used', async () =>
      ((await filter()) as { NodeNames: string[] }).NodeNames.length === 1 ? true : undefined,
    );
    await deleteNodeNetworkState(local.endpoint, 'late-node');
    await waitFor('the deleted report to be forgotten', async () =>
      ((await filter()) as { FailedNodes: Record<string, string> }).FailedNodes['late-node'] ===
      'no topology report'
        ? true
        : undefined,
    );
  });

  it('binds in bind mode: racing pods for two aligned devices, two win and the third waits', async () => {
    const { cp } = plane;
    const binder = await startLocalExtender(cp, {
      leaseNamespace: AGENTS,
      managedResources: [BIND_POOL],
      bindMode: true,
    });
    try {
      await createFakeNode(cp.kc, 'bind-node', { [BIND_POOL]: '4' });
      // The node-level count says 4; only 2 are healthy and free, one per NUMA node.
      await writeNodeNetworkState(
        binder.endpoint,
        'bind-node',
        reportStatus({
          [BIND_POOL]: [
            [1, 1],
            [1, 1],
          ],
        }),
      );
      await writeAgentLease(binder.endpoint, AGENTS, 'bind-node');
      await waitFor('the binder to see bind-node', async () =>
        binder.extender.reports.lookup('bind-node', Date.now()).kind === 'fresh' ? true : undefined,
      );
      await cp.startScheduler(
        binder.schedulerConfig({ managedResources: [POOL, STALE_POOL, BIND_POOL], bind: true }),
      );
      await Promise.all(
        ['bind-1', 'bind-2', 'bind-3'].map((name) =>
          core.createNamespacedPod({ namespace: NS, body: devicePod(NS, name, BIND_POOL, 1) }),
        ),
      );
      await waitFor('two of the three to be bound', async () => {
        const pods = await Promise.all(
          ['bind-1', 'bind-2', 'bind-3'].map((name) => core.readNamespacedPod({ name, namespace: NS })),
        );
        const bound = pods.filter((p) => p.spec?.nodeName === 'bind-node');
        return bound.length === 2 ? pods : undefined;
      });
      const waiting = ['bind-1', 'bind-2', 'bind-3'];
      const pods = await Promise.all(waiting.map((name) => core.readNamespacedPod({ name, namespace: NS })));
      const pending = pods.filter((p) => !p.spec?.nodeName).map((p) => p.metadata!.name!);
      expect(pending).toHaveLength(1);
      await failedScheduling(pending[0]!, 'no NUMA node has 1 free example.com/sriov_bind');
      const binds = await binder.extender.metrics.binds.get();
      expect(binds.values.find((v) => v.labels.result === 'bound')?.value).toBe(2);
      const held = binder.extender
        .ledger!.reservationsOn('bind-node')
        .map((r) => r.numaNode)
        .sort();
      expect(held).toEqual([0, 1]);
    } finally {
      await binder.stop();
    }
  });
});
