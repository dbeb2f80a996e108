/**
 * The report's writers against a real kube-apiserver with our CRDs installed (no kubelet: the inputs are
 * built here): NodeNetworkState and NodeResourceTopology created owned by the Node, written only on change,
 * repaired after conflicts and deletion; the agent Lease created and renewed; the SR-IOV label set and removed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  type KubernetesObject,
  KubernetesObjectApi,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { NodeRef } from '../../src/agent/report/api.js';
import { createReporting } from '../../src/agent/report/index.js';
import { LeaseRenewer } from '../../src/agent/report/lease-renewer.js';
import type { ReportMetrics } from '../../src/agent/report/metrics.js';
import { NodeLabeler } from '../../src/agent/report/node-labeler.js';
import { NodeNetworkStateWriter } from '../../src/agent/report/node-network-state-writer.js';
import { NodeResourceTopologyWriter } from '../../src/agent/report/node-resource-topology-writer.js';
import { Reporter, type ReporterInput } from '../../src/agent/report/reporter.js';
import type { NodeResourceTopology } from '../../src/api/nrt-v1alpha2.js';
import type { NodeNetworkState, NodeNetworkStateStatus } from '../../src/api/wirespeed-v1alpha1.js';
import { accountNode } from '../../src/core/report/accounting.js';
import { leaseIsLive } from '../../src/core/report/liveness.js';
import { SRIOV_CAPABLE_LABEL } from '../../src/core/report/node-label.js';
import { createFakeNode, waitFor } from '../../src/devcluster/index.js';
import { KubeEndpoint, loadKubeEndpoint } from '../../src/kube/endpoint.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { allocatableOf, device, nodePods, podResources, pool } from '../support/report.js';
import { useControlPlane } from './support.js';

const MANIFESTS = join(import.meta.dirname, '..', '..', 'manifests');
const NAMESPACE = 'wirespeed-agent';
const A = 'intel.com/sriov_a';
const NNS = '/apis/wirespeed.io/v1alpha1/nodenetworkstates';
const NRT = '/apis/topology.node.k8s.io/v1alpha2/noderesourcetopologies';

const poolA = pool(A, [
  device('0000:3b:02.0', 0),
  device('0000:3b:02.1', 0),
  device('0000:af:02.0', 1, { pf: '0000:af:00.0' }),
  device('0000:af:02.1', 1, { pf: '0000:af:00.0', healthy: false }),
]);

const input = (held: string[]): ReporterInput => ({
  pools: [poolA],
  allocatable: allocatableOf([poolA]),
  podResources: held.length ? [podResources('telco', 'cnf-1', { [A]: held })] : [],
  pods: nodePods(['telco', 'cnf-1', 'uid-cnf-1', 'Running']),
  kubelet: { topologyManagerPolicy: 'single-numa-node', topologyManagerScope: 'pod' },
  numaNodes: [0, 1],
});

const report = (held: string[], at = '2026-12-01T09:00:00Z'): NodeNetworkStateStatus =>
  accountNode({ ...input(held), reportTime: new Date(at) }).status;

/** Counts of writes by object and result, to check what the reporter did. */
function recordingMetrics(): ReportMetrics & {
  count(object: string, result: string): number;
  latencies: number[];
} {
  const writes = new Map<string, number>();
  const latencies: number[] = [];
  return {
    writes: {
      inc: ({ object, result }) =>
        writes.set(`${object} ${result}`, (writes.get(`${object} ${result}`) ?? 0) + 1),
    },
    unaccounted: { set: () => undefined },
    reportLatency: { observe: (v) => latencies.push(v) },
    count: (object, result) => writes.get(`${object} ${result}`) ?? 0,
    latencies,
  };
}

async function installCrd(crds: ApiextensionsV1Api, file: string): Promise<void> {
  const body = parse(readFileSync(join(MANIFESTS, file), 'utf8')) as V1CustomResourceDefinition;
  await crds.createCustomResourceDefinition({ body });
  const name = body.metadata?.name ?? '';
  await waitFor(`CRD ${name} established`, async () => {
    const crd = await crds.readCustomResourceDefinition({ name });
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') || undefined;
  });
}

describe('report writers against a real kube-apiserver', () => {
  const plane = useControlPlane({ scheduler: false });
  let api: KubeEndpoint;
  let nodeUid: string;
  const get = async <T>(path: string): Promise<T> => {
    const response = await api.json(path);
    expect(response.status).toBe(200);
    return response.body as T;
  };

  beforeAll(async () => {
    const crds = plane.cp.kc.makeApiClient(ApiextensionsV1Api);
    await installCrd(crds, '03-crd-nodenetworkstate.yaml');
    await installCrd(crds, '04-crd-noderesourcetopology.yaml');
    const core = plane.cp.kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    for (const name of ['worker-1', 'worker-2', 'worker-3']) {
      await createFakeNode(plane.cp.kc, name, {}, { labels: { zone: 'a' } });
    }
    nodeUid = (await core.readNode({ name: 'worker-1' })).metadata?.uid ?? '';
    api = loadKubeEndpoint(plane.cp.kubeconfigPath);
  });

  describe('NodeNetworkStateWriter', () => {
    it('creates the object owned by the Node and writes the status', async () => {
      const writer = new NodeNetworkStateWriter(api, new NodeRef(api, 'worker-1'));
      expect(await writer.write(report(['0000:3b:02.0']))).toBe('created');
      const stored = await get<NodeNetworkState>(`${NNS}/worker-1`);
      expect(stored.metadata.ownerReferences).toEqual([
        { apiVersion: 'v1', kind: 'Node', name: 'worker-1', uid: nodeUid },
      ]);
      expect(stored.status).toEqual(report(['0000:3b:02.0']));
    });

    it('does not rewrite an unchanged report, even from a restarted agent; rewrites a changed one', async () => {
      const writer = new NodeNetworkStateWriter(api, new NodeRef(api, 'worker-1'));
      const before = (await get<NodeNetworkState>(`${NNS}/worker-1`)).metadata.resourceVersion;
      // A new writer (a restarted agent) reads the stored report first and finds it the same.
      expect(await writer.write(report(['0000:3b:02.0'], '2026-12-01T09:05:00Z'))).toBe('unchanged');
      expect(await writer.write(report(['0000:3b:02.0'], '2026-12-01T09:06:00Z'))).toBe('unchanged');
      expect((await get<NodeNetworkState>(`${NNS}/worker-1`)).metadata.resourceVersion).toBe(before);

      expect(await writer.write(report(['0000:3b:02.0', '0000:af:02.0'], '2026-12-01T09:07:00Z'))).toBe(
        'updated',
      );
      const stored = await get<NodeNetworkState>(`${NNS}/worker-1`);
      expect(stored.metadata.resourceVersion).not.toBe(before);
      expect(stored.status?.reportTime).toBe('2026-12-01T09:07:00Z');
      expect(stored.status?.pools[0]?.numaNodes).toEqual([
        { numaNode: 0, capacity: 2, allocatable: 2, allocated: 1, free: 1 },
        { numaNode: 1, capacity: 2, allocatable: 1, allocated: 1, free: 0 },
      ]);
    });

    it('stores every field of the contract as written (the schema prunes nothing), so it is not rewritten', async () => {
      const full: NodeNetworkStateStatus = {
        ...report(['0000:3b:02.0']),
        interfaces: [
          {
            pciAddress: '0000:3b:00.0',
            name: 'ens1f0',
            vendor: '8086',
            deviceID: '158b',
            driver: 'i40e',
            numaNode: 0,
            totalVfs: 64,
            numVfs: 2,
            linkState: 'up',
            mtu: 9000,
            vfs: [
              {
                pciAddress: '0000:3b:02.0',
                vfID: 0,
                driver: 'vfio-pci',
                iommuGroup: 41,
                netdev: null,
                pool: A,
              },
              {
                pciAddress: '0000:3b:02.1',
                vfID: 1,
                driver: null,
                iommuGroup: null,
                netdev: null,
                pool: null,
              },
            ],
          },
          {
            pciAddress: '0000:af:00.0',
            name: null,
            vendor: '15b3',
            deviceID: '101d',
            driver: null,
            numaNode: -1,
            totalVfs: 8,
            numVfs: 0,
            linkState: 'unknown',
            mtu: null,
            vfs: [],
          },
        ],
        syncStatus: 'NeedsEviction',
        syncMessage: 'PF 0000:3b:00.0: 1 VF held by telco/cnf-1',
        policyGenerations: { 'wirespeed-agent/sriov-a': 3 },
      };
      const writer = new NodeNetworkStateWriter(api, new NodeRef(api, 'worker-3'));
      expect(await writer.write(full)).toBe('created');
      expect((await get<NodeNetworkState>(`${NNS}/worker-3`)).status).toEqual(full);
      const restarted = new NodeNetworkStateWriter(api, new NodeRef(api, 'worker-3'));
      expect(await restarted.write({ ...full, reportTime: '2026-12-01T11:00:00Z' })).toBe('unchanged');
      expect((await api.json(`${NNS}/worker-3`, { method: 'DELETE' })).status).toBe(200);
    });

    it('is refused by the schema when a count is negative', async () => {
      const writer = new NodeNetworkStateWriter(api, new NodeRef(api, 'worker-3'));
      const bad = report([]);
      (bad.pools[0]?.numaNodes[0] as { free: number }).free = -1;
      await expect(writer.write(bad)).rejects.toThrow(
        /^writing NodeNetworkState worker-3 status: HTTP 422: .*free/,
      );
      expect((await api.json(`${NNS}/worker-3`, { method: 'DELETE' })).status).toBe(200);
    });

    it('re-reads and retries after a conflicting write', async () => {
      const writer = new NodeNetworkStateWriter(api, new NodeRef(api, 'worker-2'));
      expect(await writer.write(report([]))).toBe('created');
      // Someone else writes the status: the writer's resourceVersion is now stale.
      const other = new NodeNetworkStateWriter(api, new NodeRef(api, 'worker-2'));
      expect(await other.write(report(['0000:3b:02.1']))).toBe('updated');
      expect(await writer.write(report(['0000:3b:02.0']))).toBe('updated');
      expect((await get<NodeNetworkState>(`${NNS}/worker-2`)).status).toEqual(report(['0000:3b:02.0']));
    });

    it('creates the object again when it was deleted', async () => {
      const writer = new NodeNetworkStateWriter(api, new NodeRef(api, 'worker-2'));
      expect(await writer.write(report(['0000:3b:02.0']))).toBe('unchanged');
      expect((await api.json(`${NNS}/worker-2`, { method: 'DELETE' })).status).toBe(200);
      expect(await writer.write(report([]))).toBe('created');
      expect((await get<NodeNetworkState>(`${NNS}/worker-2`)).status).toEqual(report([]));
    });
  });

  describe('NodeResourceTopologyWriter', () => {
    it('creates zones node-<N> owned by the Node, and rewrites only on change', async () => {
      const writer = new NodeResourceTopologyWriter(api, new NodeRef(api, 'worker-1'), { numaNodes: [0, 1] });
      expect(await writer.write(report(['0000:3b:02.0']))).toBe('created');
      const created = await get<NodeResourceTopology>(`${NRT}/worker-1`);
      expect(created.metadata.ownerReferences).toEqual([
        { apiVersion: 'v1', kind: 'Node', name: 'worker-1', uid: nodeUid },
      ]);
      expect(created.topologyPolicies).toEqual(['SingleNUMANodePodLevel']);
      expect(created.attributes).toEqual([
        { name: 'topologyManagerPolicy', value: 'single-numa-node' },
        { name: 'topologyManagerScope', value: 'pod' },
      ]);
      expect(created.zones).toEqual([
        {
          name: 'node-0',
          type: 'Node',
          resources: [{ name: A, capacity: '2', allocatable: '2', available: '1' }],
        },
        {
          name: 'node-1',
          type: 'Node',
          resources: [{ name: A, capacity: '2', allocatable: '1', available: '1' }],
        },
      ]);

      const restarted = new NodeResourceTopologyWriter(api, new NodeRef(api, 'worker-1'), {
        numaNodes: [0, 1],
      });
      expect(await restarted.write(report(['0000:3b:02.0'], '2026-12-01T10:00:00Z'))).toBe('unchanged');
      expect((await get<NodeResourceTopology>(`${NRT}/worker-1`)).metadata.resourceVersion).toBe(
        created.metadata.resourceVersion,
      );
      expect(await restarted.write(report(['0000:3b:02.0', '0000:3b:02.1']))).toBe('updated');
      const updated = await get<NodeResourceTopology>(`${NRT}/worker-1`);
      expect(updated.zones[0]?.resources).toEqual([
        { name: A, capacity: '2', allocatable: '2', available: '0' },
      ]);
      expect(updated.metadata.ownerReferences?.[0]?.uid).toBe(nodeUid);
    });
  });

  describe('LeaseRenewer', () => {
    it('creates wirespeed-agent-<node> owned by the Node, and renews it', async () => {
      let clock = new Date('2026-12-01T09:00:00.500Z');
      const renewer = new LeaseRenewer(
        api,
        new NodeRef(api, 'worker-1'),
        { namespace: NAMESPACE, holderIdentity: 'wirespeed-agent-abcde' },
        { now: () => clock, log: silentLogger },
      );
      await renewer.renew();
      const path = `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/wirespeed-agent-worker-1`;
      type Lease = { metadata: NodeNetworkState['metadata']; spec: Record<string, unknown> };
      const first = await get<Lease>(path);
      expect(first.metadata.ownerReferences).toEqual([
        { apiVersion: 'v1', kind: 'Node', name: 'worker-1', uid: nodeUid },
      ]);
      expect(first.spec).toEqual({
        holderIdentity: 'wirespeed-agent-abcde',
        leaseDurationSeconds: 40,
        acquireTime: '2026-12-01T09:00:00.500000Z',
        renewTime: '2026-12-01T09:00:00.500000Z',
      });
      clock = new Date('2026-12-01T09:00:10.500Z');
      await renewer.renew();
      const second = await get<Lease>(path);
      expect(second.spec.renewTime).toBe('2026-12-01T09:00:10.500000Z');
      expect(second.spec.acquireTime).toBe('2026-12-01T09:00:00.500000Z');
      expect(second.metadata.resourceVersion).not.toBe(first.metadata.resourceVersion);
      expect(leaseIsLive(second.spec, new Date('2026-12-01T09:00:50Z'))).toBe(true);
      expect(leaseIsLive(second.spec, new Date('2026-12-01T09:00:51Z'))).toBe(false);
    });

    it('keeps renewing on its timer', async () => {
      const renewer = new LeaseRenewer(
        api,
        new NodeRef(api, 'worker-3'),
        { namespace: NAMESPACE, holderIdentity: 'worker-3', renewMs: 100 },
        { now: () => new Date(), log: silentLogger },
      );
      renewer.start();
      try {
        const path = `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/wirespeed-agent-worker-3`;
        const first = await waitFor('the Lease', () => get<{ spec: { renewTime: string } }>(path));
        await waitFor('a later renewal', async () => {
          const now = await get<{ spec: { renewTime: string } }>(path);
          return now.spec.renewTime > first.spec.renewTime || undefined;
        });
        expect(leaseIsLive((await get<{ spec: Record<string, never> }>(path)).spec, new Date())).toBe(true);
      } finally {
        renewer.stop();
      }
    });
  });

  describe('NodeLabeler', () => {
    it('sets the SR-IOV label and removes it, leaving other labels alone', async () => {
      const labeler = new NodeLabeler(api, new NodeRef(api, 'worker-1'));
      const labels = async () =>
        (await get<{ metadata: { labels: Record<string, string> } }>('/api/v1/nodes/worker-1')).metadata
          .labels;
      expect(await labeler.set(true)).toBe('updated');
      expect((await labels())[SRIOV_CAPABLE_LABEL]).toBe('true');
      expect(await labeler.set(true)).toBe('unchanged');
      expect(await labeler.set(false)).toBe('updated');
      const after = await labels();
      expect(after[SRIOV_CAPABLE_LABEL]).toBeUndefined();
      expect(after.zone).toBe('a');
    });
  });

  describe('Reporter', () => {
    it('writes the report, the topology and the label; unchanged inputs write nothing', async () => {
      const metrics = recordingMetrics();
      const node = new NodeRef(api, 'worker-3');
      const reporter = new Reporter(
        {},
        {
          nns: new NodeNetworkStateWriter(api, node),
          nrt: new NodeResourceTopologyWriter(api, node),
          labeler: new NodeLabeler(api, node, metrics),
          metrics,
          log: silentLogger,
          now: () => new Date(),
        },
      );
      try {
        expect(reporter.notReadyReason()).toBe('no report written yet');
        await reporter.update({ ...input(['0000:af:02.0']), sriovCapable: true });
        expect(reporter.notReadyReason()).toBeUndefined();
        const stored = await get<NodeNetworkState>(`${NNS}/worker-3`);
        expect(stored.status?.pods).toEqual([
          {
            uid: 'uid-cnf-1',
            namespace: 'telco',
            name: 'cnf-1',
            devices: [{ resourceName: A, numaNode: 1, ids: ['0000:af:02.0'] }],
          },
        ]);
        const nrt = await get<NodeResourceTopology>(`${NRT}/worker-3`);
        expect(nrt.zones.map((z) => z.resources?.[0]?.available)).toEqual(['2', '0']);
        expect(metrics.count('NodeNetworkState', 'created')).toBe(1);
        expect(metrics.count('NodeResourceTopology', 'created')).toBe(1);
        expect(metrics.count('Node', 'updated')).toBe(1);

        await reporter.update({ ...input(['0000:af:02.0']), sriovCapable: true });
        expect(metrics.count('NodeNetworkState', 'unchanged')).toBe(1);
        expect((await get<NodeNetworkState>(`${NNS}/worker-3`)).metadata.resourceVersion).toBe(
          stored.metadata.resourceVersion,
        );

        // The pod leaves: the next update writes it.
        await reporter.update({ ...input([]), sriovCapable: true });
        expect(metrics.count('NodeNetworkState', 'updated')).toBe(1);
        expect((await get<NodeNetworkState>(`${NNS}/worker-3`)).status?.pods).toEqual([]);
        expect(metrics.latencies).toHaveLength(2);
      } finally {
        await reporter.stop();
      }
    });

    it('collapses a burst of updates into the latest', async () => {
      const metrics = recordingMetrics();
      const node = new NodeRef(api, 'worker-3');
      const reporter = new Reporter(
        {},
        { nns: new NodeNetworkStateWriter(api, node), metrics, log: silentLogger, now: () => new Date() },
      );
      try {
        const burst = [
          ['0000:3b:02.0'],
          ['0000:3b:02.1'],
          ['0000:3b:02.0', '0000:3b:02.1'],
          ['0000:af:02.0'],
        ];
        await Promise.all(burst.map((held) => reporter.update(input(held))));
        expect((await get<NodeNetworkState>(`${NNS}/worker-3`)).status?.pods[0]?.devices).toEqual([
          { resourceName: A, numaNode: 1, ids: ['0000:af:02.0'] },
        ]);
        // The first update is written on its own; the three behind it collapse into one write.
        expect(metrics.count('NodeNetworkState', 'updated')).toBe(2);
      } finally {
        await reporter.stop();
      }
    });
  });

  describe("as the agent's ServiceAccount, with the shipped RBAC", () => {
    let agent: KubeEndpoint;

    beforeAll(async () => {
      const objects = KubernetesObjectApi.makeApiClient(plane.cp.kc);
      for (const file of [
        '50-agent-serviceaccount.yaml',
        '50-agent-rbac-cluster.yaml',
        '50-agent-rbac-namespace.yaml',
      ]) {
        for (const doc of parseAllDocuments(readFileSync(join(MANIFESTS, file), 'utf8'))) {
          await objects.create(doc.toJS() as KubernetesObject);
        }
      }
      const token = await plane.cp.kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
        name: 'wirespeed-agent',
        namespace: NAMESPACE,
        body: { spec: { audiences: [], expirationSeconds: 3600 } },
      });
      agent = new KubeEndpoint({
        server: plane.cp.server,
        ca: plane.cp.ca.certPem,
        token: token.status?.token ?? '',
      });
    });

    it('can do everything the report needs (createReporting, as startAgent is given it)', async () => {
      // RBAC is evaluated from a cache the API server fills asynchronously; wait until the grant is seen.
      await waitFor(
        'the agent RBAC to take effect',
        async () => (await new NodeRef(agent, 'worker-2').uid()) || undefined,
      );
      const registry = new Registry();
      const { report, lease } = createReporting(
        { nodeName: 'worker-2', namespace: NAMESPACE, holderIdentity: 'agent-pod' },
        { endpoint: agent, log: silentLogger, metrics: registry },
      );
      const writes = async () => {
        const metric = (await registry.getMetricsAsJSON()).find(
          (m) => m.name === 'wirespeed_agent_report_writes_total',
        );
        return Object.fromEntries(
          (metric?.values ?? []).map((v) => [`${v.labels.object} ${v.labels.result}`, v.value]),
        );
      };
      try {
        await report.update({ ...input(['0000:3b:02.1']), sriovCapable: true });
        expect(report.notReadyReason()).toBeUndefined();
        await report.update({ ...input([]), sriovCapable: false });
        expect(report.notReadyReason()).toBeUndefined();
        await lease.renew();
        await lease.renew();
        expect(await writes()).toEqual({
          'NodeNetworkState updated': 2,
          'NodeResourceTopology created': 1,
          'NodeResourceTopology updated': 1,
          'Node updated': 2,
          'Lease created': 1,
          'Lease updated': 1,
        });
        expect((await get<NodeNetworkState>(`${NNS}/worker-2`)).status?.pods).toEqual([]);
        const labels = (await get<{ metadata: { labels: Record<string, string> } }>('/api/v1/nodes/worker-2'))
          .metadata.labels;
        expect(labels[SRIOV_CAPABLE_LABEL]).toBeUndefined();
      } finally {
        await report.stop();
      }
    });

    it('cannot delete what it writes, write spec, or touch Secrets', async () => {
      expect((await agent.json(`${NNS}/worker-2`, { method: 'DELETE' })).status).toBe(403);
      expect((await agent.json(`${NRT}/worker-2`, { method: 'DELETE' })).status).toBe(403);
      const stored = await get<NodeNetworkState>(`${NNS}/worker-2`);
      expect((await agent.json(`${NNS}/worker-2`, { method: 'PUT', body: stored })).status).toBe(403);
      expect((await agent.json('/api/v1/nodes/worker-2', { method: 'DELETE' })).status).toBe(403);
      expect((await agent.json(`/api/v1/namespaces/${NAMESPACE}/secrets`)).status).toBe(403);
      const leases = `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/wirespeed-agent-worker-2`;
      expect((await agent.json(leases, { method: 'DELETE' })).status).toBe(403);
    });
  });
});
