/**
 * Figures of the agent against a real kubelet (root, Linux, unshare; otherwise they are left out with the
 * reason): allocation → NodeNetworkState latency over 50 pods, and the resident memory of the agent process.
 * Each figure starts its own control plane, real node (2 NUMA nodes) and simulated host, and stops them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  type V1CustomResourceDefinition,
  type V1Pod,
} from '@kubernetes/client-node';
import { parse } from 'yaml';
import { kubeletTopology } from '../src/agent/command.js';
import { simulatedLayout, vfAddress } from '../src/agent/host/simulated/layout.js';
import { bindDriver, createSimulatedHost } from '../src/agent/host/simulated/simulated-host.js';
import { startAgent } from '../src/agent/main.js';
import { createAgentMetrics } from '../src/agent/metrics.js';
import { clusterDeps } from '../src/agent/production.js';
import type { NodeNetworkState } from '../src/api/wirespeed-v1alpha1.js';
import { resolveK8sBinaries, resolveNodeBinaries } from '../src/devcluster/binaries.js';
import { type ControlPlane, startControlPlane } from '../src/devcluster/controlplane.js';
import { type RealNode, realNodeSupport, startRealNode } from '../src/devcluster/kubelet.js';
import { freePort } from '../src/devcluster/ports.js';
import { waitFor } from '../src/devcluster/wait.js';
import { type KubeEndpoint, loadKubeEndpoint } from '../src/kube/endpoint.js';
import { collectionPath, NETWORK_NODE_POLICIES, NODE_NETWORK_STATES } from '../src/kube/paths.js';
import { silentLogger } from '../src/telemetry/logger.js';

/** The shape of bench/agent.ts's figures. */
interface Figure {
  name: string;
  what: string;
  target: number;
  unit: string;
  run(): Promise<{ value: number; detail?: string }>;
}

const NODE = 'bench-agent';
const NAMESPACE = 'wirespeed-agent';
const POOL = 'wirespeed.io/vfio';
const CHANGES = 50;
const MANIFESTS = join(import.meta.dirname, '..', 'manifests');

interface Env {
  cp: ControlPlane;
  node: RealNode;
  api: KubeEndpoint;
  hostDir: string;
  stop(): Promise<void>;
}

/** A control plane, our CRDs and a policy, a simulated host (2 PFs × 8 VFs on vfio-pci) and a real node on it. */
async function environment(): Promise<Env> {
  const hostDir = await mkdtemp(join(tmpdir(), 'ws-bench-host-'));
  const layout = simulatedLayout({ pfs: 2, vfs: 8, numVfs: 8, numa: 2 });
  await createSimulatedHost(hostDir, layout);
  for (const pf of layout.pfs)
    for (let i = 0; i < 8; i++) await bindDriver(hostDir, vfAddress(pf, i), 'vfio-pci');
  const cp = await startControlPlane({ binDir: await resolveK8sBinaries(), scheduler: false });
  const crds = cp.kc.makeApiClient(ApiextensionsV1Api);
  for (const file of [
    '02-crd-networknodepolicy.yaml',
    '03-crd-nodenetworkstate.yaml',
    '04-crd-noderesourcetopology.yaml',
  ]) {
    const body = parse(readFileSync(join(MANIFESTS, file), 'utf8')) as V1CustomResourceDefinition;
    await crds.createCustomResourceDefinition({ body });
    await waitFor(
      `CRD ${file}`,
      async () =>
        (
          await crds.readCustomResourceDefinition({ name: body.metadata?.name ?? '' })
        ).status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') || undefined,
    );
  }
  await cp.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NAMESPACE } } });
  const api = loadKubeEndpoint(cp.kubeconfigPath);
  await api.json(collectionPath(NETWORK_NODE_POLICIES, NAMESPACE), {
    method: 'POST',
    body: {
      apiVersion: 'wirespeed.io/v1alpha1',
      kind: 'NetworkNodePolicy',
      metadata: { name: 'vfio', namespace: NAMESPACE },
      spec: {
        resourceName: 'vfio',
        deviceType: 'vfio-pci',
        numVfs: 8,
        nicSelector: { vendor: layout.pfs[0]!.vendor },
      },
    },
  });
  const node = await startRealNode({
    controlPlane: cp,
    name: NODE,
    numaFromHost: hostDir,
    binDir: await resolveNodeBinaries(),
  });
  return {
    cp,
    node,
    api,
    hostDir,
    async stop() {
      api.close();
      await node.stop();
      await cp.stop();
      await rm(hostDir, { recursive: true, force: true });
    },
  };
}

function devicePod(name: string): V1Pod {
  return {
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'c', image: 'example.invalid/none:1', resources: { limits: { [POOL]: '1' } } }],
    },
  };
}

/** Calls `seen(report, at)` for every NodeNetworkState event of the node, as it arrives. */
async function watchReport(
  api: KubeEndpoint,
  seen: (state: NodeNetworkState, at: number) => void,
): Promise<() => void> {
  const abort = new AbortController();
  const res = await api.open(
    `${collectionPath(NODE_NETWORK_STATES)}?watch=true&fieldSelector=metadata.name%3D${NODE}`,
    { signal: abort.signal },
  );
  if (res.statusCode !== 200) throw new Error(`watching NodeNetworkState ${NODE}: HTTP ${res.statusCode}`);
  res.setEncoding('utf8');
  let buffered = '';
  res.on('data', (chunk: string) => {
    const at = performance.now();
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const event = line.trim()
        ? (JSON.parse(line) as { type?: string; object?: NodeNetworkState })
        : undefined;
      if (event?.object?.kind === 'NodeNetworkState') seen(event.object, at);
    }
  });
  res.on('error', () => undefined);
  return () => abort.abort();
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
};

const allocation: Figure = {
  name: 'allocation-report',
  what: `Allocate (the kubelet's call) → NodeNetworkState stored with the pod, p99 over ${CHANGES} one-VF pods on a real kubelet`,
  target: 1000,
  unit: 'ms',
  async run() {
    const env = await environment();
    let allocatedAt: number | undefined;
    const reportedAt = new Map<string, number>();
    const agent = await startAgent(
      {
        nodeName: NODE,
        devicePluginDir: env.node.devicePluginDir,
        podResourcesSocket: env.node.podResourcesSocket,
        resourcePrefix: 'wirespeed.io',
        preferredAllocation: 'pack',
        rediscoverIntervalMs: 10_000,
        podResourcesIntervalMs: 500,
        kubelet: kubeletTopology(env.node.kubeletConfigPath),
        metricsPort: null,
        bindAddress: '127.0.0.1',
      },
      {
        ...clusterDeps(
          env.api,
          { nodeName: NODE, namespace: NAMESPACE, hostRoot: env.hostDir },
          {
            log: silentLogger,
            metrics: createAgentMetrics({ processMetrics: false }),
          },
        ),
        onAllocated: () => {
          allocatedAt ??= performance.now();
        },
      },
    );
    const core = env.cp.kc.makeApiClient(CoreV1Api);
    const latencies: number[] = [];
    const endToEnd: number[] = [];
    let stopWatch: () => void = () => undefined;
    try {
      // A CRD's watch cache answers 429 until it has initialized: retry.
      stopWatch = await waitFor('a NodeNetworkState watch', () =>
        watchReport(env.api, (state, at) => {
          for (const pod of state.status?.pods ?? [])
            if (!reportedAt.has(pod.name)) reportedAt.set(pod.name, at);
        }),
      );
      await waitFor('agent ready', async () => (agent.notReadyReason() === undefined ? true : undefined), {
        timeoutMs: 60_000,
      });
      for (let i = 0; i < CHANGES; i++) {
        const name = `p${i}`;
        allocatedAt = undefined;
        const created = performance.now();
        await core.createNamespacedPod({ namespace: 'default', body: devicePod(name) });
        const reported = await waitFor(`${name} reported`, async () => reportedAt.get(name), {
          intervalMs: 5,
        });
        // Pods go one at a time, so the first Allocate after the create is this pod's.
        if (allocatedAt !== undefined) latencies.push(reported - allocatedAt);
        endToEnd.push(reported - created);
        await core.deleteNamespacedPod({ namespace: 'default', name, gracePeriodSeconds: 0 });
      }
    } finally {
      stopWatch();
      await agent.stop();
      await env.stop();
    }
    return {
      value: quantile(latencies, 0.99),
      detail: `p50 ${quantile(latencies, 0.5).toFixed(0)} ms over ${latencies.length}; pod create → report p50 ${quantile(endToEnd, 0.5).toFixed(0)} ms, p99 ${quantile(endToEnd, 0.99).toFixed(0)} ms`,
    };
  },
};

/** NODE_OPTIONS of the agent container in the shipped DaemonSet, so the figure is the process as deployed. */
function daemonSetNodeOptions(): string {
  const ds = parse(readFileSync(join(MANIFESTS, '50-agent-daemonset.yaml'), 'utf8')) as {
    spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } };
  };
  const env = ds.spec?.template?.spec?.containers?.[0]?.env ?? [];
  return env.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
}

const rss: Figure = {
  name: 'agent-rss',
  what: 'resident memory of `wirespeed agent` (the built CLI) serving 16 VFs to a real kubelet, after 20 pods',
  target: 80,
  unit: 'MB',
  async run() {
    const cli = join(import.meta.dirname, '..', 'dist', 'src', 'cli.js');
    const built = existsSync(cli);
    // BENCH_AGENT_NODE_OPTIONS tries other flags than the DaemonSet's.
    const nodeOptions = process.env.BENCH_AGENT_NODE_OPTIONS ?? daemonSetNodeOptions();
    const env = await environment();
    const port = await freePort();
    const child: ChildProcess = spawn(
      process.execPath,
      [
        ...(built ? [cli] : ['--import', 'tsx', join(import.meta.dirname, '..', 'src', 'cli.ts')]),
        'agent',
        `--node-name=${NODE}`,
        `--namespace=${NAMESPACE}`,
        `--host-root=${env.hostDir}`,
        `--device-plugin-dir=${env.node.devicePluginDir}`,
        `--pod-resources-socket=${env.node.podResourcesSocket}`,
        `--kubelet-config=${env.node.kubeletConfigPath}`,
        `--metrics-port=${port}`,
        '--bind-address=127.0.0.1',
        `--kubeconfig=${env.cp.kubeconfigPath}`,
        '--log-level=warn',
      ],
      { stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: nodeOptions } },
    );
    try {
      await waitFor(
        'agent ready',
        async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined),
        {
          timeoutMs: 60_000,
        },
      );
      const core = env.cp.kc.makeApiClient(CoreV1Api);
      for (let i = 0; i < 20; i++) {
        await core.createNamespacedPod({ namespace: 'default', body: devicePod(`r${i}`) });
        await waitFor(
          `r${i} created`,
          async () =>
            (await env.node.criRecord()).some(
              (r) => r.method === 'CreateContainer' && r.pod?.name === `r${i}`,
            ) || undefined,
        );
        await core.deleteNamespacedPod({ namespace: 'default', name: `r${i}`, gracePeriodSeconds: 0 });
      }
      const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
      const how = built ? 'dist/src/cli.js' : 'tsx src/cli.ts (npm run build for the shipped figure)';
      return {
        value: kb / 1024,
        detail: `${how}, NODE_OPTIONS "${nodeOptions}"${process.env.BENCH_AGENT_NODE_OPTIONS === undefined ? ' as in the DaemonSet' : ''}`,
      };
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      await env.stop();
    }
  },
};

/** The figures, or none (with the reason on stderr) where a real kubelet cannot run. */
export function kubeletFigures(): Figure[] {
  const reason = realNodeSupport({ checkBinaries: false });
  if (reason) {
    process.stderr.write(`agent figures with a real kubelet left out: ${reason}\n`);
    return [];
  }
  return [allocation, rss];
}
