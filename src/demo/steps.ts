/**
 * The demo's steps against a running cluster: publish the NADs, submit pods and wait until each has settled
 * (running with its devices reported, rejected, or unschedulable), read the outcome, clean a burst up.
 */
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { waitFor } from '../devcluster/wait.js';
import type { Cluster } from '../harness/cluster.js';
import { createNad } from '../harness/nads.js';
import { podOutcome, podSettled, poolsFree, readStates } from './collect.js';
import type { PodOutcome, PoolFree } from './outcome.js';
import { DEMO_NADS, DEMO_NAMESPACE } from './scenario.js';

/** Progress lines: `==> what`, then `    result (1.2s)`. */
export type Progress = (line: string) => void;

export async function timed<T>(
  progress: Progress,
  what: string,
  fn: () => Promise<T>,
  done?: (value: T) => string,
): Promise<T> {
  const began = Date.now();
  progress(`==> ${what}`);
  const value = await fn();
  progress(`    ${done ? done(value) : 'done'} (${((Date.now() - began) / 1000).toFixed(1)}s)`);
  return value;
}

const nodeNames = (c: Cluster) => c.nodes.map((n) => n.name);

export async function publishNads(c: Cluster): Promise<void> {
  const core = c.cp.kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: DEMO_NAMESPACE } } });
  for (const nad of DEMO_NADS) await createNad(c.cp.kc, DEMO_NAMESPACE, nad);
}

/** Free devices per node, as the reports say now. */
export async function freeByNode(c: Cluster): Promise<Map<string, PoolFree[]>> {
  const states = await readStates(c.endpoint, nodeNames(c));
  return new Map(nodeNames(c).map((n) => [n, poolsFree(states.get(n))]));
}

async function listPods(c: Cluster, names: readonly string[]): Promise<V1Pod[]> {
  const core = c.cp.kc.makeApiClient(CoreV1Api);
  const wanted = new Set(names);
  const list = await core.listNamespacedPod({ namespace: DEMO_NAMESPACE });
  return list.items
    .filter((p) => wanted.has(p.metadata?.name ?? ''))
    .sort((a, b) => names.indexOf(a.metadata?.name ?? '') - names.indexOf(b.metadata?.name ?? ''));
}

/** Creates the pods (through the webhook) and waits until every one has settled; returns their outcomes. */
export async function submitAndSettle(
  c: Cluster,
  pods: readonly V1Pod[],
  timeoutMs: number,
): Promise<PodOutcome[]> {
  const core = c.cp.kc.makeApiClient(CoreV1Api);
  for (const body of pods) await core.createNamespacedPod({ namespace: DEMO_NAMESPACE, body });
  const names = pods.map((p) => p.metadata?.name ?? '');
  let waiting: string[] = [];
  await waitFor(
    `pods ${names.join(', ')} to settle`,
    async () => {
      const [current, states] = await Promise.all([listPods(c, names), readStates(c.endpoint, nodeNames(c))]);
      waiting = current.filter((p) => !podSettled(p, states)).map((p) => p.metadata?.name ?? '');
      return current.length === names.length && waiting.length === 0 ? true : undefined;
    },
    { timeoutMs, intervalMs: 500, detail: () => `still waiting for ${waiting.join(', ')}` },
  );
  return collectPods(c, names);
}

export async function collectPods(c: Cluster, names: readonly string[]): Promise<PodOutcome[]> {
  const core = c.cp.kc.makeApiClient(CoreV1Api);
  const [current, states] = await Promise.all([listPods(c, names), readStates(c.endpoint, nodeNames(c))]);
  return Promise.all(current.map((p) => podOutcome(core, p, states)));
}

const totalFree = (pools: readonly PoolFree[]) =>
  JSON.stringify(pools.map((p) => [p.resourceName, p.numaNodes.map((n) => n.free)]));

/** Deletes the pods at once and waits until they are gone and every report shows `baseline` free again. */
export async function removePods(
  c: Cluster,
  names: readonly string[],
  baseline: ReadonlyMap<string, PoolFree[]>,
  timeoutMs: number,
): Promise<void> {
  const core = c.cp.kc.makeApiClient(CoreV1Api);
  await Promise.all(
    names.map((name) => core.deleteNamespacedPod({ name, namespace: DEMO_NAMESPACE, gracePeriodSeconds: 0 })),
  );
  let behind = '';
  await waitFor(
    'the burst pods to be gone and their devices free again',
    async () => {
      if ((await listPods(c, names)).length > 0) {
        behind = 'pods still listed';
        return undefined;
      }
      const now = await freeByNode(c);
      const node = [...baseline].find(([n, pools]) => totalFree(pools) !== totalFree(now.get(n) ?? []));
      behind = node ? `node ${node[0]} has not freed its devices yet` : '';
      return node ? undefined : true;
    },
    { timeoutMs, intervalMs: 500, detail: () => behind },
  );
}
