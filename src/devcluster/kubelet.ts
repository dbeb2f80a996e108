import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ApiException,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Node,
} from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { type Logger, silentLogger } from '../telemetry/logger.js';
import { K8S_NODE_BINARIES, repoRoot, resolveNodeBinaries } from './binaries.js';
import type { ControlPlane } from './controlplane.js';
import { hostLayout, simulatedHugepages, simulatedNumaNodes, writeNumaTree } from './numa.js';
import { freePorts } from './ports.js';
import {
  type Component,
  describeExit,
  disownDirectory,
  logTail,
  ownDirectory,
  spawnComponent,
  stopComponent,
} from './process.js';
import {
  kubeletArgs,
  kubeletConfiguration,
  nodePaths,
  type TopologyManagerPolicy,
  type TopologyManagerScope,
} from './real-node-config.js';
import { ensureNodeRoleBinding, nodeKubeconfig } from './real-node-credentials.js';
import { type CriRequest, readCriRecord } from './real-node-cri.js';
import { parentDeathPrefix } from './real-node-support.js';
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
/** A unix socket path longer than this (108 with the NUL) fails to bind; plugin sockets need room too. */
const MAX_DIR_LENGTH = 60;

export async function startRealNode(opts: RealNodeOptions): Promise<RealNode> {
  const log = (opts.log ?? silentLogger).child({ node: opts.name });
  const startedAt = Date.now();
  const binDir = opts.binDir ?? (await resolveNodeBinaries());
  const missing = K8S_NODE_BINARIES.filter((b) => !existsSync(join(binDir, b)));
  if (missing.length > 0)
    throw new Error(`${binDir} lacks ${missing.join(', ')} (run scripts/k8s-binaries --node)`);
  const numaNodes = opts.numaFromHost ? simulatedNumaNodes(opts.numaFromHost).length : (opts.numaNodes ?? 2);
  const layout = hostLayout(
    numaNodes,
    opts.numaFromHost ? simulatedHugepages(opts.numaFromHost, numaNodes) : undefined,
  );
  const dir = opts.dir ? prepareNodeDir(opts.dir) : mkdtempSync(join(tmpdir(), 'wsnode-'));
  ownDirectory(dir);
  const paths = nodePaths(dir);
  for (const d of [
    paths.devicePluginDir,
    paths.certDir,
    paths.logsDir,
    paths.runtimeFs,
    paths.podLogs,
    paths.volumePlugins,
  ]) {
    mkdirSync(d, { recursive: true });
  }
  writeNumaTree(paths.numaTree, layout);

  const cp = opts.controlPlane;
  const core = cp.kc.makeApiClient(CoreV1Api);
  let kubelet: Component | undefined;
  let fakecri: Component | undefined;
  const dead = (): Error | undefined => {
    for (const c of [fakecri, kubelet]) {
      const status = c?.exitStatus();
      if (c && status)
        return new Error(
          `${c.name} ${describeExit(status)}; last lines of ${c.logPath}:\n${logTail(c.logPath)}`,
        );
    }
    return undefined;
  };
  const kill = async (graceMs: number): Promise<void> => {
    if (kubelet) await stopComponent(kubelet, graceMs);
    if (fakecri) await stopComponent(fakecri, Math.min(graceMs, 2000));
  };
  const removeDir = (): void => {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    disownDirectory(dir);
  };

  try {
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
    writeFileSync(paths.kubeconfig, nodeKubeconfig({ server: cp.server, ca: cp.ca, name: opts.name }), {
      mode: 0o600,
    });
    await ensureNodeRoleBinding(cp.kc);

    fakecri = spawnComponent({
      name: `fakecri (node ${opts.name})`,
      ...withParentDeath(join(binDir, 'fakecri'), [
        `-listen=unix://${paths.criSocket}`,
        `-record=${paths.criRecord}`,
        `-fs-dir=${paths.runtimeFs}`,
      ]),
      logPath: join(paths.logsDir, 'fakecri.log'),
    });
    await waitFor(
      `fakecri of node ${opts.name} to listen`,
      async () => (existsSync(paths.criSocket) ? true : undefined),
      {
        timeoutMs: 10_000,
        abortIf: dead,
      },
    );

    const namespaceScript = join(repoRoot(), 'src', 'devcluster', 'node-namespace.sh');
    const launchKubelet = (): Component =>
      spawnComponent({
        name: `kubelet (node ${opts.name})`,
        // unshare and the script both exec, so the pid is the kubelet's and a kill by pid ends the namespace.
        ...withParentDeath('unshare', [
          '-m',
          '--propagation',
          'private',
          namespaceScript,
          dir,
          '--',
          join(binDir, 'kubelet'),
          ...kubeletArgs(dir, opts.name),
        ]),
        logPath: join(paths.logsDir, 'kubelet.log'),
      });
    const waitReady = async (after: number): Promise<void> => {
      const current = kubelet;
      await waitFor(
        `node ${opts.name} to be Ready`,
        async () => (nodeReadySince(await readNode(core, opts.name), after) ? true : undefined),
        {
          timeoutMs: opts.readyTimeoutMs ?? 60_000,
          intervalMs: 200,
          abortIf: dead,
          detail: () => (current ? `last lines of ${current.logPath}:\n${logTail(current.logPath)}` : ''),
        },
      );
    };

    kubelet = launchKubelet();
    log.info({ pid: kubelet.pid, fakecri: fakecri.pid, numaNodes }, `started kubelet for node ${opts.name}`);
    await waitReady(0);
    if (opts.labels && Object.keys(opts.labels).length > 0) await labelNode(core, opts.name, opts.labels);
    log.info({ ms: Date.now() - startedAt }, `node ${opts.name} is Ready`);

    let stopped = false;
    return {
      name: opts.name,
      dir,
      devicePluginDir: paths.devicePluginDir,
      podResourcesSocket: paths.podResourcesSocket,
      kubeletConfigPath: paths.kubeletConfig,
      kubeletConfig,
      numaNodes,
      logsDir: paths.logsDir,
      pids: () => ({
        ...(kubelet && !kubelet.exitStatus() ? { kubelet: kubelet.pid } : {}),
        ...(fakecri && !fakecri.exitStatus() ? { fakecri: fakecri.pid } : {}),
      }),
      criRecord: () => readCriRecord(paths.criRecord),
      async restartKubelet() {
        if (stopped) throw new Error(`node ${opts.name} is stopped`);
        const began = Date.now();
        if (kubelet) await stopComponent(kubelet, KUBELET_GRACE_MS);
        const down = Date.now();
        kubelet = launchKubelet();
        await waitReady(down);
        log.info({ ms: Date.now() - began, pid: kubelet.pid }, `kubelet of node ${opts.name} restarted`);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await kill(KUBELET_GRACE_MS);
        await deleteNode(core, opts.name).catch((err: unknown) =>
          log.warn({ err }, 'could not delete the Node'),
        );
        removeDir();
      },
    };
  } catch (err) {
    await kill(0);
    removeDir();
    throw err;
  }
}

/** Ready, with a heartbeat from a kubelet started after `after` (heartbeats are whole seconds). */
export function nodeReadySince(node: V1Node | undefined, after: number): boolean {
  const ready = node?.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return false;
  if (after === 0) return true;
  const beat = ready.lastHeartbeatTime ? new Date(ready.lastHeartbeatTime).getTime() : 0;
  return beat >= Math.floor(after / 1000) * 1000 + 1000;
}

function withParentDeath(command: string, args: string[]): { command: string; args: string[] } {
  const prefix = parentDeathPrefix();
  return prefix.length === 0
    ? { command, args }
    : { command: prefix[0] as string, args: [...prefix.slice(1), command, ...args] };
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

/** A caller-chosen node directory is removed by `stop()`, so it must hold nothing of anyone else's. */
function prepareNodeDir(dir: string): string {
  const abs = resolve(dir);
  if (abs.length > MAX_DIR_LENGTH) {
    throw new Error(
      `node directory ${abs} is longer than ${MAX_DIR_LENGTH} characters: its unix sockets would not bind`,
    );
  }
  if (existsSync(abs) && readdirSync(abs).length > 0) {
    throw new Error(`node directory ${abs} is not empty; remove it or choose another`);
  }
  mkdirSync(abs, { recursive: true });
  return abs;
}
