/**
 * What the report's integration tests share: a control plane with our CRDs, the agent's namespace and three
 * fake Nodes; one pool and the reports it gives; counters that remember what was written.
 */
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { beforeAll, expect } from 'vitest';
import type { ReportMetrics } from '../../src/agent/report/metrics.js';
import type { ReporterInput } from '../../src/agent/report/reporter.js';
import type { NodeNetworkStateStatus } from '../../src/api/wirespeed-v1alpha1.js';
import { accountNode } from '../../src/core/report/accounting.js';
import { createFakeNode } from '../../src/devcluster/index.js';
import { type KubeEndpoint, loadKubeEndpoint } from '../../src/kube/endpoint.js';
import { installCrdFiles } from '../support/crds.js';
import { allocatableOf, device, nodePods, podResources, pool } from '../support/report.js';
import { useControlPlane } from './support.js';

export const MANIFESTS = join(import.meta.dirname, '..', '..', 'manifests');
export const NAMESPACE = 'wirespeed-agent';
export const A = 'intel.com/sriov_a';
export const NNS = '/apis/wirespeed.io/v1alpha1/nodenetworkstates';
export const NRT = '/apis/topology.node.k8s.io/v1alpha2/noderesourcetopologies';
export const NODES = ['worker-1', 'worker-2', 'worker-3'];

/** Pool A: two VFs on NUMA 0, two on NUMA 1 (one of them unhealthy). */
const poolA = pool(A, [
  device('0000:3b:02.0', 0),
  device('0000:3b:02.1', 0),
  device('0000:af:02.0', 1, { pf: '0000:af:00.0' }),
  device('0000:af:02.1', 1, { pf: '0000:af:00.0', healthy: false }),
]);

/** The reporter's input when telco/cnf-1 holds `held` of pool A. */
export const input = (held: string[]): ReporterInput => ({
  pools: [poolA],
  allocatable: allocatableOf([poolA]),
  podResources: held.length ? [podResources('telco', 'cnf-1', { [A]: held })] : [],
  pods: nodePods(['telco', 'cnf-1', 'uid-cnf-1', 'Running']),
  kubelet: { topologyManagerPolicy: 'single-numa-node', topologyManagerScope: 'pod' },
  numaNodes: [0, 1],
});

export const report = (held: string[], at = '2026-12-01T09:00:00Z'): NodeNetworkStateStatus =>
  accountNode({ ...input(held), reportTime: new Date(at) }).status;

/** Counts of writes by object and result, to check what the reporter did. */
export function recordingMetrics(): ReportMetrics & {
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

/** A control plane for the file with the CRDs, the namespace and `NODES`; `api` is an admin connection. */
export function useReportCluster() {
  const plane = useControlPlane({ scheduler: false });
  const state = { api: undefined as KubeEndpoint | undefined, nodeUid: '' };
  beforeAll(async () => {
    await installCrdFiles(plane.cp.kubeconfigPath, [
      '03-crd-nodenetworkstate.yaml',
      '04-crd-noderesourcetopology.yaml',
    ]);
    const core = plane.cp.kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    for (const name of NODES) await createFakeNode(plane.cp.kc, name, {}, { labels: { zone: 'a' } });
    state.nodeUid = (await core.readNode({ name: 'worker-1' })).metadata?.uid ?? '';
    state.api = loadKubeEndpoint(plane.cp.kubeconfigPath);
  });
  const api = (): KubeEndpoint => {
    if (!state.api) throw new Error('the report cluster is not started yet (use it inside tests or hooks)');
    return state.api;
  };
  return {
    plane,
    api,
    /** worker-1's uid. */
    nodeUid: () => state.nodeUid,
    /** GETs `path` as admin, expecting 200. */
    get: async <T>(path: string): Promise<T> => {
      const response = await api().json(path);
      expect(response.status).toBe(200);
      return response.body as T;
    },
  };
}
