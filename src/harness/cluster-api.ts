/**
 * The API objects a local cluster needs before its agents start (CRDs, the agents' namespace, the
 * NetworkNodePolicies), and the wait until every agent's report is written and its pools are allocatable.
 */
import { readFileSync } from 'node:fs';
import type { CoreV1Api } from '@kubernetes/client-node';
import { parse } from 'yaml';
import type { Agent } from '../agent/main.js';
import type { NetworkNodePolicy, NodeNetworkState } from '../api/wirespeed-v1alpha1.js';
import { waitFor } from '../devcluster/wait.js';
import { type KubeEndpoint, statusMessage } from '../kube/endpoint.js';
import {
  CRDS,
  collectionPath,
  NETWORK_NODE_POLICIES,
  NODE_NETWORK_STATES,
  objectPath,
} from '../kube/paths.js';
import { ensureNamespace, ensureNodeNetworkStateCrd } from './local-extender.js';

const MANIFESTS = new URL('../../manifests/', import.meta.url);
const AGENT_CRDS = ['02-crd-networknodepolicy.yaml', '04-crd-noderesourcetopology.yaml'];

async function ensureCrd(endpoint: KubeEndpoint, file: string): Promise<void> {
  const crd = parse(readFileSync(new URL(file, MANIFESTS), 'utf8')) as {
    metadata: { name: string };
    spec: { group: string; names: { plural: string }; versions: { name: string }[] };
  };
  const created = await endpoint.json(collectionPath(CRDS), {
    method: 'POST',
    body: crd,
  });
  if (created.status !== 201 && created.status !== 409)
    throw new Error(`create CRD ${crd.metadata.name}: ${statusMessage(created)}`);
  const version = crd.spec.versions[0]?.name ?? 'v1alpha1';
  await waitFor(
    `CRD ${crd.metadata.name} to be served`,
    async () =>
      (await endpoint.json(collectionPath({ group: crd.spec.group, version, plural: crd.spec.names.plural })))
        .status === 200
        ? true
        : undefined,
    { timeoutMs: 30_000 },
  );
}

/** NetworkNodePolicy, NodeNetworkState and NodeResourceTopology CRDs, and the agents' namespace. */
export async function installAgentCrds(endpoint: KubeEndpoint, namespace: string): Promise<void> {
  await Promise.all([
    ensureNodeNetworkStateCrd(endpoint),
    ...AGENT_CRDS.map((file) => ensureCrd(endpoint, file)),
    ensureNamespace(endpoint, namespace),
  ]);
}

export async function createPolicies(
  endpoint: KubeEndpoint,
  namespace: string,
  policies: readonly NetworkNodePolicy[],
): Promise<void> {
  for (const policy of policies) {
    const res = await endpoint.json(collectionPath(NETWORK_NODE_POLICIES, namespace), {
      method: 'POST',
      body: { ...policy, metadata: { ...policy.metadata, namespace } },
    });
    if (res.status !== 201)
      throw new Error(`create NetworkNodePolicy ${policy.metadata.name}: ${statusMessage(res)}`);
  }
}

export async function readNodeNetworkState(
  endpoint: KubeEndpoint,
  node: string,
): Promise<NodeNetworkState | undefined> {
  const res = await endpoint.json(objectPath(NODE_NETWORK_STATES, undefined, node));
  return res.status === 200 ? (res.body as NodeNetworkState) : undefined;
}

/** Why a node is not settled yet: agent not ready, no report, or the Node's allocatable behind the report. */
async function unsettled(
  endpoint: KubeEndpoint,
  core: CoreV1Api,
  node: { name: string; agent: Agent; deviceSetup: boolean },
): Promise<string | undefined> {
  const notReady = node.agent.notReadyReason();
  if (notReady) return `agent of ${node.name}: ${notReady}`;
  const state = await readNodeNetworkState(endpoint, node.name);
  if (!state?.status) return `no NodeNetworkState for ${node.name}`;
  if (node.deviceSetup) {
    const applied = state.status.appliedPfs;
    if (applied === undefined) return `${node.name}: device setup has not run yet`;
    // The report right after an apply may still count the host as it was before it.
    const set = new Set(applied.flatMap((pf) => pf.pools.map((p) => p.resourceName)));
    const empty = state.status.pools.find(
      (p) => set.has(p.resourceName) && p.numaNodes.every((n) => n.allocatable === 0),
    );
    if (empty) return `${node.name}: pool ${empty.resourceName} set up but not yet served`;
  }
  const sync = state.status.syncStatus;
  if (sync && sync !== 'Succeeded')
    return `${node.name}: ${sync}${state.status.syncMessage ? ` (${state.status.syncMessage})` : ''}`;
  const allocatable = (await core.readNode({ name: node.name })).status?.allocatable ?? {};
  for (const pool of state.status.pools) {
    const want = pool.numaNodes.reduce((sum, n) => sum + n.allocatable, 0);
    if (allocatable[pool.resourceName] !== String(want))
      return `Node ${node.name} shows ${allocatable[pool.resourceName] ?? 'no'} ${pool.resourceName}, its report ${want}`;
  }
  return undefined;
}

/**
 * Waits until every agent is ready, has reported (after its first device setup when it sets devices up), and the
 * kubelet shows each reported pool as allocatable.
 */
export async function agentsSettled(
  endpoint: KubeEndpoint,
  core: CoreV1Api,
  nodes: readonly { name: string; agent: Agent; deviceSetup: boolean }[],
): Promise<void> {
  let last: string | undefined;
  await waitFor(
    'every agent to report and every pool to be allocatable',
    async () => {
      for (const node of nodes) {
        last = await unsettled(endpoint, core, node);
        if (last) return undefined;
      }
      return true;
    },
    { timeoutMs: 90_000, intervalMs: 250, detail: () => last ?? '' },
  );
}
