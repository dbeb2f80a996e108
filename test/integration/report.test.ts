/**
 * The report's writers against a real kube-apiserver with our CRDs installed (no kubelet: the inputs are
 * built here): NodeNetworkState and NodeResourceTopology created owned by the Node, written only on change,
 * repaired after conflicts and deletion, every contract field stored unpruned; the Reporter collapsing bursts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { NodeRef } from '../../src/agent/report/api.js';
import { NodeLabeler } from '../../src/agent/report/node-labeler.js';
import { NodeNetworkStateWriter } from '../../src/agent/report/node-network-state-writer.js';
import { NodeResourceTopologyWriter } from '../../src/agent/report/node-resource-topology-writer.js';
import { Reporter } from '../../src/agent/report/reporter.js';
import type { NodeResourceTopology } from '../../src/api/nrt-v1alpha2.js';
import type { NodeNetworkState, NodeNetworkStateStatus } from '../../src/api/wirespeed-v1alpha1.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { A, input, NNS, NRT, recordingMetrics, report, useReportCluster } from './report-support.js';

describe('report writers against a real kube-apiserver', () => {
  const cluster = useReportCluster();
  const { get } = cluster;
  let api: ReturnType<typeof cluster.api>;
  let nodeUid: string;
  beforeAll(() => {
    api = cluster.api();
    nodeUid = cluster.nodeUid();
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
});
