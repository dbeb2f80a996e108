/**
 * The demo end to end: the whole system on this machine (control plane, webhook, extender in bind mode, real
 * kubelets over simulated hosts with their agents), sample policies, NADs and workloads, and what happened to
 * each pod and each node's devices, as tables or as one JSON object. With `compare`, the same burst first goes
 * through kube-scheduler alone, so the TopologyAffinityErrors Wirespeed prevents are counted, not claimed.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { UsageError } from '../cli/errors.js';
import { parseAllowedHostPaths } from '../core/inject/host-paths.js';
import { realNodeSupport } from '../devcluster/kubelet.js';
import { type Cluster, LocalCluster } from '../harness/cluster.js';
import type { Logger } from '../telemetry/logger.js';
import {
  type BurstCount,
  compareTable,
  countMisaligned,
  type DemoOutcome,
  demoJson,
  nodesTable,
  type PodOutcome,
  type PoolFree,
  podsTable,
} from './outcome.js';
import {
  ALLOWED_HOST_PATHS,
  burstPods,
  DEMO_NAMESPACE,
  DEMO_POLICIES,
  demoNodes,
  demoWorkloads,
  POOLS,
  UNPLACEABLE,
} from './scenario.js';
import {
  collectPods,
  freeByNode,
  type Progress,
  publishNads,
  removePods,
  submitAndSettle,
  timed,
} from './steps.js';

export interface DemoOptions {
  nodes: number;
  /** Size of the burst. */
  pods: number;
  compare: boolean;
  json: boolean;
  keep: boolean;
  binDir?: string;
  nodeBinDir?: string;
  log?: Logger;
}

export interface DemoIo {
  /** Tables, or the one JSON object. */
  out: (text: string) => void;
  progress: Progress;
  /** Called once the cluster runs, with the function that stops it (for Ctrl-C). */
  onStop?: (stop: () => Promise<void>) => void;
  /** Called with the running cluster after the outcome is read, before it stops (the demo's test checks it). */
  inspect?: (cluster: Cluster, outcome: DemoOutcome) => Promise<void>;
}

export const DEMO_LIMITS = { nodes: 12, pods: 40 } as const;
const SETTLE_TIMEOUT_MS = 120_000;

/** Why the demo cannot run here, with how to run it, or undefined. Checked before anything starts. */
export function demoRefusal(opts: Pick<DemoOptions, 'nodes' | 'pods'>): string | undefined {
  if (!Number.isInteger(opts.nodes) || opts.nodes < 1 || opts.nodes > DEMO_LIMITS.nodes)
    return `--nodes ${opts.nodes}: give 1 to ${DEMO_LIMITS.nodes}`;
  if (!Number.isInteger(opts.pods) || opts.pods < 1 || opts.pods > DEMO_LIMITS.pods)
    return `--pods ${opts.pods}: give 1 to ${DEMO_LIMITS.pods}`;
  const why = realNodeSupport({ checkBinaries: false });
  if (why)
    return `the demo runs real kubelets, which cannot run here: ${why}. Run it as root, e.g. \`sudo -E npm run demo\` (or in CI, which runs as root)`;
  return undefined;
}

export async function runDemo(opts: DemoOptions, io: DemoIo): Promise<DemoOutcome> {
  const refusal = demoRefusal(opts);
  if (refusal) throw new UsageError(refusal);
  const began = Date.now();
  const hostPaths = parseAllowedHostPaths(ALLOWED_HOST_PATHS, 'the demo allow-list');
  if (!hostPaths.ok) throw new Error(hostPaths.problem.message);
  const local = new LocalCluster({
    nodes: demoNodes(opts.nodes),
    policies: DEMO_POLICIES,
    managedResources: Object.values(POOLS),
    webhook: { allowedHostPaths: hostPaths.value },
    progress: io.progress,
    ...(opts.binDir ? { binDir: opts.binDir } : {}),
    ...(opts.nodeBinDir ? { nodeBinDir: opts.nodeBinDir } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  io.onStop?.(() => local.stop());
  try {
    const cluster = await local.start();
    const outcome = await walkThrough(cluster, opts, io.progress);
    io.progress(`==> done in ${((Date.now() - began) / 1000).toFixed(1)}s`);
    if (opts.json) io.out(`${JSON.stringify(demoJson(outcome))}\n`);
    else io.out(renderOutcome(outcome));
    await io.inspect?.(cluster, outcome);
    if (opts.keep) {
      io.progress(keepText(cluster));
      await new Promise<never>(() => undefined);
    }
    return outcome;
  } finally {
    if (!opts.keep) await timed(io.progress, 'stopping every process', () => local.stop());
  }
}

/** --compare: the burst through kube-scheduler alone, counted, then deleted; the extender back in place. */
async function plainRound(
  c: Cluster,
  burst: readonly V1Pod[],
  before: ReadonlyMap<string, PoolFree[]>,
  progress: Progress,
): Promise<PodOutcome[]> {
  await timed(progress, 'kube-scheduler restarted without the extender', () => c.useExtender(false));
  const outcomes = await timed(
    progress,
    `--compare: a burst of ${burst.length} pods × 2 ${POOLS.sriovNet} through kube-scheduler alone`,
    () => submitAndSettle(c, burst, SETTLE_TIMEOUT_MS),
    burstSummary,
  );
  const names = burst.map((p) => p.metadata?.name ?? '');
  await timed(progress, 'removing the burst', () => removePods(c, names, before, SETTLE_TIMEOUT_MS));
  await timed(progress, 'kube-scheduler restarted with the extender (bind mode)', () => c.useExtender(true));
  return outcomes;
}

async function walkThrough(c: Cluster, opts: DemoOptions, progress: Progress): Promise<DemoOutcome> {
  await timed(
    progress,
    'namespace demo and the NADs (SR-IOV netdevice, vfio + hugepages, vhost-user mount)',
    () => publishNads(c),
  );
  const before = await freeByNode(c);
  const burst = burstPods(opts.pods);
  const plainBurst = opts.compare ? await plainRound(c, burst, before, progress) : undefined;
  const workloads = demoWorkloads();
  await timed(
    progress,
    `workloads: a DPDK CNF (2 VFs on one NUMA node + hugepages), SR-IOV pods, ${UNPLACEABLE} (fits nowhere)`,
    () => submitAndSettle(c, workloads, SETTLE_TIMEOUT_MS),
    burstSummary,
  );
  const burstOutcomes = await timed(
    progress,
    `a burst of ${opts.pods} pods × 2 ${POOLS.sriovNet} through kube-scheduler + wirespeed`,
    () => submitAndSettle(c, burst, SETTLE_TIMEOUT_MS),
    burstSummary,
  );
  const pods = await collectPods(
    c,
    [...workloads, ...burst].map((p) => p.metadata?.name ?? ''),
  );
  const after = await freeByNode(c);
  const count = (o: readonly PodOutcome[]): BurstCount => ({
    pods: o.length,
    misaligned: countMisaligned(o),
  });
  return {
    pods,
    nodes: c.nodes.map((n) => ({
      name: n.name,
      before: before.get(n.name) ?? [],
      after: after.get(n.name) ?? [],
    })),
    compare: plainBurst ? { plain: count(plainBurst), wirespeed: count(burstOutcomes) } : null,
    ...(plainBurst ? { plainBurst } : {}),
  };
}

function burstSummary(
  outcomes: readonly { phase: string; topologyRejected: boolean; node: string | null }[],
): string {
  const running = outcomes.filter((o) => o.phase === 'Running').length;
  const rejected = outcomes.filter((o) => o.topologyRejected).length;
  const pending = outcomes.filter((o) => o.phase === 'Pending' && o.node === null).length;
  return `${running} running, ${rejected} rejected by a kubelet (TopologyAffinityError), ${pending} pending`;
}

export function renderOutcome(outcome: DemoOutcome): string {
  const parts = [
    `\nPods (namespace ${DEMO_NAMESPACE}): where each landed, its devices (from its node's NodeNetworkState), what admission injected\n`,
    podsTable(outcome.pods),
    '\nFree/allocatable devices per pool and NUMA node, before -> after\n',
    nodesTable(outcome.nodes),
    `\nMisaligned pods (devices on several NUMA nodes, or rejected by a kubelet): ${countMisaligned(outcome.pods)}\n`,
  ];
  if (outcome.plainBurst)
    parts.push(
      '\n--compare: the same burst through kube-scheduler alone, before the run above (then deleted)\n',
      podsTable(outcome.plainBurst),
    );
  if (outcome.compare) parts.push('\nThe same burst, both ways\n', compareTable(outcome.compare));
  return parts.join('');
}

function keepText(c: Cluster): string {
  return [
    '',
    'Everything keeps running. In another shell:',
    `  export KUBECONFIG=${c.cp.kubeconfigPath}`,
    '  kubectl get nodes',
    '  kubectl get nodenetworkstates -o yaml',
    `  kubectl -n ${DEMO_NAMESPACE} get pods -o wide`,
    `  kubectl -n ${DEMO_NAMESPACE} describe pod ${UNPLACEABLE}`,
    `  npx tsx src/cli.ts nodes --kubeconfig ${c.cp.kubeconfigPath}`,
    'Press Ctrl-C to stop every process.',
  ].join('\n');
}
