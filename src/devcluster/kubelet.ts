import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiException,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Node,
} from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { type Logger, silentLogger } from '../telemetry/logger.js';
import { K8S_NODE_BINARIES, resolveNodeBinaries } from './binaries.js';
import type { ControlPlane } from './controlplane.js';
import {
  hostLayout,
  type NumaLayout,
  simulatedHugepages,
  simulatedNumaNodes,
  writeHugepagesTree,
  writeNumaTree,
} from './numa.js';
import { freePorts } from './ports.js';
import {
  kubeletConfiguration,
  nodePaths,
  type TopologyManagerPolicy,
  type TopologyManagerScope,
} from './real-node-config.js';
import { ensureNodeRoleBinding, nodeKubeconfig } from './real-node-credentials.js';
import { type CriRequest, readCriRecord } from './real-node-cri.js';
import { createNodeDir } from './real-node-dir.js';
import { NodeProcesses } from './real-node-processes.js';
import { waitFor } from './wait.js';

export type { TopologyManagerPolicy, TopologyManagerScope } from './real-node-config.js';
export type { CriContainer, CriPod, CriRequest } from './real-node-cri.js';
export { realNodeSupport } from './real-node-support.js';

export interface RealNodeOptions {
  controlPlane: ControlPlane;
  /** The Node's name (`--hostname-override`). */
  name: string;
  /** NUMA nodes the kubelet sees (default 2); ignored when `numaFromHost` is given. */
  numaNodes?: number;
  /** Root directory of a simulated host: the kubelet sees as many NUMA nodes as `<root>/sys/devices/system/node` has. */
  numaFromHost?: string;
  /** Default `single-numa-node`. */
  topologyManagerPolicy?: TopologyManagerPolicy;
  /** Default `container`. */
  topologyManagerScope?: TopologyManagerScope;
  /** Static CPU manager with CPU 0 reserved (default true); false runs the `none` policy. */
  cpuManager?: boolean;
  /** Directory holding kubelet and fakecri; default `resolveNodeBinaries()` (builds them when missing). */
  binDir?: string;
  /** Node directory (must be absent or empty); default a fresh temporary directory. Removed by `stop()`. */
  dir?: string;
  log?: Logger;
  /** Labels set on the Node once it registers (any key: set by the admin, not the kubelet). */
  labels?: Record<string, string>;
  /** How long the kubelet may take to get the Node Ready; default 60 s. */
  readyTimeoutMs?: number;
}

export interface RealNode {
  name: string;
  dir: string;
  /** The kubelet's device-plugin directory, a real path on the host (`/var/lib/kubelet/device-plugins` to the kubelet). */
  devicePluginDir: string;
  /** The kubelet's pod-resources socket, a real path on the host. */
  podResourcesSocket: string;
  kubeletConfigPath: string;
  kubeletConfig: Record<string, unknown>;
  /** NUMA nodes the kubelet sees. */
  numaNodes: number;
  logsDir: string;
  pids(): { kubelet?: number; fakecri?: number };
  /** Every CRI request recorded so far (RunPodSandbox, CreateContainer with envs, devices, mounts, cpuset, …). */
  criRecord(): Promise<CriRequest[]>;
  /** Stops the kubelet (the runtime and its pods stay) and starts it again; resolves when the Node is Ready again. */
  restartKubelet(): Promise<void>;
  /** Kills the kubelet and fakecri, deletes the Node object and removes the node directory. */
  stop(): Promise<void>;
}

/** The kubelet gets a SIGTERM and this long to exit before SIGKILL. */
const KUBELET_GRACE_MS = 5000;

export async function startRealNode(opts: RealNodeOptions): Promise<RealNode> {
  const log = (opts.log ?? silentLogger).child({ node: opts.name });
  const startedAt = Date.now();
  checkNodeName(opts.name);
  const binDir = await nodeBinaries(opts.binDir);
  const layout = numaLayout(opts);
  const numaNodes = layout.cpus.length;
  const { dir, remove, swept } = createNodeDir(opts.dir);
  if (swept.length > 0) log.info({ dirs: swept }, 'removed node directories of processes that died');
  const paths = nodePaths(dir);
  const cp = opts.controlPlane;
  const core = cp.kc.makeApiClient(CoreV1Api);
  const procs = new NodeProcesses(opts.name, dir, binDir);
  try {
    writeNumaTree(paths.numaTree, layout);
    writeHugepagesTree(join(dir, 'sys-hugepages'), layout);
    const kubeletConfig = await writeNodeConfig(opts, dir);
    await ensureNodeRoleBinding(cp.kc);
    await procs.startFakeCri();
    const port = kubeletConfig.port as number;
    const waitReady = (after?: number): Promise<true> =>
      waitFor(
        `node ${opts.name} to be Ready`,
        async () => (nodeReadyFrom(await readNode(core, opts.name), { port, after }) ? true : undefined),
        {
          timeoutMs: opts.readyTimeoutMs ?? 60_000,
          intervalMs: 200,
          abortIf: () => procs.dead(),
          detail: () => procs.kubeletLogTail(),
        },
      );
    const kubelet = procs.startKubelet();
    log.info({ pid: kubelet.pid, numaNodes }, `started the kubelet of node ${opts.name}`);
    await waitReady();
    if (opts.labels && Object.keys(opts.labels).length > 0) await labelNode(core, opts.name, opts.labels);
    log.info({ ms: Date.now() - startedAt }, `node ${opts.name} is Ready`);

    let stopped = false;
    const handle: RealNode = {
      name: opts.name,
      dir,
      devicePluginDir: paths.devicePluginDir,
      podResourcesSocket: paths.podResourcesSocket,
      kubeletConfigPath: paths.kubeletConfig,
      kubeletConfig,
      numaNodes,
      logsDir: paths.logsDir,
      pids: () => procs.pids(),
      criRecord: () => readCriRecord(paths.criRecord),
      async restartKubelet() {
        if (stopped) throw new Error(`node ${opts.name} is stopped`);
        const began = Date.now();
        await procs.stopKubelet(KUBELET_GRACE_MS);
        const down = Date.now();
        const restarted = procs.startKubelet();
        await waitReady(down);
        log.info({ ms: Date.now() - began, pid: restarted.pid }, `kubelet of node ${opts.name} restarted`);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await procs.stopAll(KUBELET_GRACE_MS);
        await deleteNode(core, opts.name).catch((err: unknown) =>
          log.warn({ err }, 'could not delete the Node'),
        );
        remove();
      },
    };
    return handle;
  } catch (err) {
    await procs.stopAll(0);
    // The kubelet may have registered before the start failed.
    await deleteNode(core, opts.name).catch(() => undefined);
    remove();
    throw err;
  }
}

/** A Node name is a DNS-1123 subdomain; the kubelet would otherwise fail to register, later and less clearly. */
export function checkNodeName(name: string): void {
  if (name.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name)) {
    throw new Error(
      `node name ${JSON.stringify(name)} is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')`,
    );
  }
}

async function nodeBinaries(given: string | undefined): Promise<string> {
  const binDir = given ?? (await resolveNodeBinaries());
  const missing = K8S_NODE_BINARIES.filter((b) => !existsSync(join(binDir, b)));
  if (missing.length > 0) {
    throw new Error(`${binDir} lacks ${missing.join(', ')} (run scripts/k8s-binaries --node)`);
  }
  return binDir;
}

/** As many NUMA nodes as asked for, or as the simulated host has (with its hugepages). */
function numaLayout(opts: RealNodeOptions): NumaLayout {
  if (!opts.numaFromHost) return hostLayout(opts.numaNodes ?? 2);
  const count = simulatedNumaNodes(opts.numaFromHost).length;
  return hostLayout(count, simulatedHugepages(opts.numaFromHost, count));
}

/** Writes the KubeletConfiguration and the node's kubeconfig; returns the configuration. */
async function writeNodeConfig(opts: RealNodeOptions, dir: string): Promise<Record<string, unknown>> {
  const paths = nodePaths(dir);
  const [port = 0, healthzPort = 0] = await freePorts(2);
  const kubeletConfig = kubeletConfiguration({
    dir,
    port,
    healthzPort,
    topologyManagerPolicy: opts.topologyManagerPolicy ?? 'single-numa-node',
    topologyManagerScope: opts.topologyManagerScope ?? 'container',
    cpuManager: opts.cpuManager ?? true,
  });
  writeFileSync(paths.kubeletConfig, stringify(kubeletConfig));
  const cp = opts.controlPlane;
  const kubeconfig = nodeKubeconfig({ server: cp.server, ca: cp.ca, name: opts.name });
  writeFileSync(paths.kubeconfig, kubeconfig, { mode: 0o600 });
  return kubeletConfig;
}

/**
 * Ready as our kubelet reports it: its port in the Node's daemon endpoints (a Node an earlier kubelet of the same
 * name left behind has another), and with `after` (a restart) a heartbeat from a later whole second than the
 * stopped kubelet could have sent, as heartbeats are whole seconds.
 */
export function nodeReadyFrom(node: V1Node | undefined, kubelet: { port: number; after?: number }): boolean {
  const ready = node?.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return false;
  if (node?.status?.daemonEndpoints?.kubeletEndpoint?.Port !== kubelet.port) return false;
  if (kubelet.after === undefined) return true;
  const beat = ready.lastHeartbeatTime ? new Date(ready.lastHeartbeatTime).getTime() : 0;
  return beat >= Math.floor(kubelet.after / 1000) * 1000 + 1000;
}

async function readNode(core: CoreV1Api, name: string): Promise<V1Node | undefined> {
  try {
    return await core.readNode({ name });
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return undefined;
    throw err;
  }
}

async function labelNode(core: CoreV1Api, name: string, labels: Record<string, string>): Promise<void> {
  await core.patchNode(
    { name, body: { metadata: { labels } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

async function deleteNode(core: CoreV1Api, name: string): Promise<void> {
  try {
    await core.deleteNode({ name });
  } catch (err) {
    if (!(err instanceof ApiException && err.code === 404)) throw err;
  }
}
