/**
 * The extender on a local control plane, as the cluster would run it next to kube-scheduler: served from
 * this process on loopback, with the scheduler configuration that points at it. Also the writes a test
 * makes in the agents' place (NodeNetworkState reports and agent Leases).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { V1Pod } from '@kubernetes/client-node';
import { parse } from 'yaml';
import {
  NODE_NETWORK_STATE_PLURAL,
  type NodeNetworkStateStatus,
  WIRESPEED_API_VERSION,
  WIRESPEED_GROUP,
} from '../api/wirespeed-v1alpha1.js';
import { formatMicroTime } from '../core/report/liveness.js';
import type { ControlPlane } from '../devcluster/controlplane.js';
import { waitFor } from '../devcluster/wait.js';
import { DEFAULT_EXTENDER_CONFIG, type ExtenderConfig } from '../extender/config.js';
import { type Extender, startExtender } from '../extender/main.js';
import { createExtenderMetrics } from '../extender/metrics.js';
import { type KubeEndpoint, loadKubeEndpoint, statusMessage } from '../kube/endpoint.js';
import { CRDS, collectionPath, LEASES, NAMESPACES, NODE_NETWORK_STATES, objectPath } from '../kube/paths.js';
import { type Logger, silentLogger } from '../telemetry/logger.js';

export const NODE_NETWORK_STATE_CRD = new URL(
  '../../manifests/03-crd-nodenetworkstate.yaml',
  import.meta.url,
);

/** Used while the agent's CRD manifest is not in manifests/: the same names, status as a subresource. */
const INLINE_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${NODE_NETWORK_STATE_PLURAL}.${WIRESPEED_GROUP}` },
  spec: {
    group: WIRESPEED_GROUP,
    scope: 'Cluster',
    names: {
      plural: NODE_NETWORK_STATE_PLURAL,
      singular: 'nodenetworkstate',
      kind: 'NodeNetworkState',
      listKind: 'NodeNetworkStateList',
    },
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

async function mustSucceed(
  what: string,
  p: Promise<{ status: number; body: unknown }>,
  ok = [200, 201],
): Promise<unknown> {
  const res = await p;
  if (!ok.includes(res.status)) throw new Error(`${what}: ${statusMessage(res)}`);
  return res.body;
}

/** Installs the NodeNetworkState CRD (the agent's manifest when present) and waits until it is served. */
export async function ensureNodeNetworkStateCrd(endpoint: KubeEndpoint): Promise<void> {
  const crd = existsSync(NODE_NETWORK_STATE_CRD)
    ? parse(readFileSync(NODE_NETWORK_STATE_CRD, 'utf8'))
    : INLINE_CRD;
  await mustSucceed(
    'create the NodeNetworkState CRD',
    endpoint.json(collectionPath(CRDS), { method: 'POST', body: crd }),
    [201, 409],
  );
  await waitFor(
    'NodeNetworkState CRD to be served',
    async () =>
      (await endpoint.json(collectionPath(NODE_NETWORK_STATES))).status === 200 ? true : undefined,
    { timeoutMs: 30_000 },
  );
}

export async function ensureNamespace(endpoint: KubeEndpoint, name: string): Promise<void> {
  await mustSucceed(
    `create namespace ${name}`,
    endpoint.json(collectionPath(NAMESPACES), {
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    }),
    [201, 409],
  );
}

/** Writes a node's report as the agent would: the object, then its status (subresource when the CRD has one). */
export async function writeNodeNetworkState(
  endpoint: KubeEndpoint,
  node: string,
  status: NodeNetworkStateStatus,
): Promise<void> {
  const base = collectionPath(NODE_NETWORK_STATES);
  await mustSucceed(
    `create NodeNetworkState ${node}`,
    endpoint.json(base, {
      method: 'POST',
      body: { apiVersion: WIRESPEED_API_VERSION, kind: 'NodeNetworkState', metadata: { name: node } },
    }),
    [201, 409],
  );
  const patch = { method: 'PATCH' as const, body: { status }, contentType: 'application/merge-patch+json' };
  const res = await endpoint.json(`${base}/${encodeURIComponent(node)}/status`, patch);
  if (res.status === 404)
    await mustSucceed(
      `write NodeNetworkState ${node}`,
      endpoint.json(`${base}/${encodeURIComponent(node)}`, patch),
    );
  else if (res.status !== 200)
    throw new Error(`write NodeNetworkState ${node} status: ${statusMessage(res)}`);
}

export async function deleteNodeNetworkState(endpoint: KubeEndpoint, node: string): Promise<void> {
  const path = objectPath(NODE_NETWORK_STATES, undefined, node);
  await mustSucceed(
    `delete NodeNetworkState ${node}`,
    endpoint.json(path, { method: 'DELETE' }),
    [200, 202, 404],
  );
}

/** Renews (or creates) the agent Lease of `node` as renewed at `renewedAt`. */
export async function writeAgentLease(
  endpoint: KubeEndpoint,
  namespace: string,
  node: string,
  opts: { renewedAt?: Date; durationSeconds?: number; prefix?: string } = {},
): Promise<void> {
  const name = `${opts.prefix ?? DEFAULT_EXTENDER_CONFIG.leaseNamePrefix}${node}`;
  const spec = {
    holderIdentity: node,
    leaseDurationSeconds: opts.durationSeconds ?? 40,
    renewTime: formatMicroTime(opts.renewedAt ?? new Date()),
  };
  const base = collectionPath(LEASES, namespace);
  const created = await endpoint.json(base, {
    method: 'POST',
    body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec },
  });
  if (created.status === 201) return;
  if (created.status !== 409) throw new Error(`create Lease ${namespace}/${name}: ${statusMessage(created)}`);
  await mustSucceed(
    `renew Lease ${namespace}/${name}`,
    endpoint.json(`${base}/${encodeURIComponent(name)}`, {
      method: 'PATCH',
      body: { spec },
      contentType: 'application/merge-patch+json',
    }),
  );
}

export interface SchedulerExtenderOptions {
  managedResources: string[];
  bind?: boolean;
  /** Call prioritize (default true); without it the scheduler makes one round trip per pod instead of two. */
  prioritize?: boolean;
  weight?: number;
  httpTimeout?: string;
  schedulerName?: string;
}

/** The KubeSchedulerConfiguration fields (for `cp.startScheduler`) that send pods to the extender at `url`. */
export function extenderSchedulerConfig(
  url: string,
  opts: SchedulerExtenderOptions,
): Record<string, unknown> {
  return {
    profiles: [{ schedulerName: opts.schedulerName ?? 'default-scheduler', percentageOfNodesToScore: 100 }],
    extenders: [
      {
        urlPrefix: url,
        filterVerb: 'filter',
        ...(opts.prioritize === false ? {} : { prioritizeVerb: 'prioritize', weight: opts.weight ?? 3 }),
        ...(opts.bind ? { bindVerb: 'bind' } : {}),
        nodeCacheCapable: true,
        httpTimeout: opts.httpTimeout ?? '5s',
        ignorable: false,
        managedResources: opts.managedResources.map((name) => ({ name, ignoredByScheduler: false })),
      },
    ],
  };
}

export interface LocalExtender {
  extender: Extender;
  endpoint: KubeEndpoint;
  /** `http://127.0.0.1:<port>`, the scheduler's urlPrefix. */
  url: string;
  schedulerConfig(opts: SchedulerExtenderOptions): Record<string, unknown>;
  stop(): Promise<void>;
}

/** Starts the extender against `cp` on a free loopback port; the CRD is installed first. Waits until ready. */
export async function startLocalExtender(
  cp: ControlPlane,
  config: Partial<ExtenderConfig> = {},
  opts: { log?: Logger } = {},
): Promise<LocalExtender> {
  const endpoint = loadKubeEndpoint(cp.kubeconfigPath);
  await ensureNodeNetworkStateCrd(endpoint);
  const extender = await startExtender(
    { ...DEFAULT_EXTENDER_CONFIG, port: 0, bindAddress: '127.0.0.1', ...config },
    { endpoint, log: opts.log ?? silentLogger, metrics: createExtenderMetrics({ processMetrics: false }) },
  );
  await waitFor(
    'the extender to be ready',
    async () => (extender.notReadyReason() === undefined ? true : undefined),
    {
      timeoutMs: 30_000,
      detail: () => extender.notReadyReason() ?? '',
    },
  );
  const url = `http://127.0.0.1:${extender.port}${config.prefix ?? ''}`;
  return {
    extender,
    endpoint,
    url,
    schedulerConfig: (o) => extenderSchedulerConfig(url, o),
    stop: async () => {
      await extender.stop();
      endpoint.close();
    },
  };
}

/** A report of one node from per-NUMA-node `[free, allocatable]` counts per pool (capacity = allocatable). */
export function reportStatus(
  pools: Record<string, [free: number, allocatable: number][]>,
  opts: {
    policy?: NodeNetworkStateStatus['kubelet']['topologyManagerPolicy'];
    scope?: NodeNetworkStateStatus['kubelet']['topologyManagerScope'];
    pods?: NodeNetworkStateStatus['pods'];
    reportTime?: Date;
  } = {},
): NodeNetworkStateStatus {
  return {
    kubelet: {
      topologyManagerPolicy: opts.policy ?? 'single-numa-node',
      topologyManagerScope: opts.scope ?? 'pod',
    },
    pools: Object.entries(pools).map(([resourceName, numa]) => ({
      resourceName,
      deviceType: 'vfio-pci' as const,
      numaNodes: numa.map(([free, allocatable], numaNode) => ({
        numaNode,
        capacity: allocatable,
        allocatable,
        allocated: allocatable - free,
        free,
      })),
    })),
    pods: opts.pods ?? [],
    reportTime: (opts.reportTime ?? new Date()).toISOString(),
  };
}

/** A pod asking for `count` devices of `pool` (requests = limits), for the default scheduler unless named. */
export function devicePod(
  namespace: string,
  name: string,
  pool: string,
  count: number,
  schedulerName?: string,
): V1Pod {
  return {
    metadata: { name, namespace },
    spec: {
      ...(schedulerName ? { schedulerName } : {}),
      containers: [
        {
          name: 'app',
          image: 'registry.k8s.io/pause:3.10',
          resources: { requests: { [pool]: String(count) }, limits: { [pool]: String(count) } },
        },
      ],
    },
  };
}
