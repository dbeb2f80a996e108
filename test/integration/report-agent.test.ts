/**
 * The agent's liveness and label against a real kube-apiserver: the Lease wirespeed-agent-<node> created
 * owned by the Node and renewed; the SR-IOV node label set and removed; and everything the report does,
 * done as the agent's ServiceAccount under the shipped RBAC, which refuses the rest.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, type KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { NodeRef } from '../../src/agent/report/api.js';
import { createReporting } from '../../src/agent/report/index.js';
import { LeaseRenewer } from '../../src/agent/report/lease-renewer.js';
import { NodeLabeler } from '../../src/agent/report/node-labeler.js';
import type { NodeNetworkState } from '../../src/api/wirespeed-v1alpha1.js';
import { leaseIsLive } from '../../src/core/report/liveness.js';
import { SRIOV_CAPABLE_LABEL } from '../../src/core/report/node-label.js';
import { waitFor } from '../../src/devcluster/index.js';
import { KubeEndpoint } from '../../src/kube/endpoint.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { input, MANIFESTS, NAMESPACE, NNS, NRT, useReportCluster } from './report-support.js';

describe('agent liveness, label and RBAC against a real kube-apiserver', () => {
  const cluster = useReportCluster();
  const { plane, get } = cluster;
  let api: ReturnType<typeof cluster.api>;
  let nodeUid: string;
  beforeAll(() => {
    api = cluster.api();
    nodeUid = cluster.nodeUid();
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
          'NodeNetworkState created': 1,
          'NodeNetworkState updated': 1,
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
