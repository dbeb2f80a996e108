import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { PemPair } from '../certs/pki.js';
import { type Logger, silentLogger } from '../telemetry/logger.js';
import { K8S_BINARIES, resolveK8sBinaries } from './binaries.js';
import { APIServer, type ComponentName, Etcd, Processes, Scheduler } from './components.js';
import { writeControlPlaneCredentials } from './credentials.js';
import { renderKubeconfig } from './kubeconfig.js';
import { freePorts } from './ports.js';
import { disownDirectory, ownDirectory } from './process.js';

export interface ControlPlaneOptions {
  /** Directory holding etcd, kube-apiserver and kube-scheduler; default: `resolveK8sBinaries()`. */
  binDir?: string;
  /** Run kube-scheduler too (default true), optionally with extra KubeSchedulerConfiguration fields. */
  scheduler?: boolean | { config?: Record<string, unknown> };
  /** State directory (must be absent or empty); default a fresh temporary directory. */
  dir?: string;
  log?: Logger;
  /** How long each component may take to become ready; default 60 s. */
  readyTimeoutMs?: number;
  /**
   * Children in their own process groups that outlive this process once ready (`wirespeed dev-cluster up`).
   * Until then they are owned like any other, so a failed start still cleans up.
   */
  detached?: boolean;
}

export type { ComponentName };

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  server: string;
  /** Admin (system:masters) client-certificate kubeconfig. */
  kubeconfigPath: string;
  kubeconfig: string;
  kc: KubeConfig;
  /** The CA that signs the apiserver serving certificate and the client certificates. */
  ca: PemPair;
  dir: string;
  logsDir: string;
  /** Process ids of the components now running. */
  pids(): Partial<Record<ComponentName, number>>;
  /** (Re)starts kube-scheduler with `config` laid over the defaults and waits until it schedules. */
  startScheduler(config?: Record<string, unknown>): Promise<void>;
  stopScheduler(): Promise<void>;
  /** Stops every component and removes the state directory unless `keepDir`. */
  stop(opts?: { keepDir?: boolean }): Promise<void>;
}

/** Set to keep state directories (etcd data, logs, certificates) for a look after a failed run. */
const KEEP_DIR_ENV = 'WIRESPEED_KEEP_CLUSTER_DIR';

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = opts.log ?? silentLogger;
  const startedAt = Date.now();
  const binDir = opts.binDir ?? (await resolveK8sBinaries());
  const missing = K8S_BINARIES.filter((b) => !existsSync(join(binDir, b)));
  if (missing.length > 0) throw new Error(`${binDir} lacks ${missing.join(', ')} (see scripts/k8s-binaries)`);
  const dir = opts.dir ? prepareStateDir(opts.dir) : mkdtempSync(join(tmpdir(), 'wirespeed-cluster-'));
  const keepOnExit = process.env[KEEP_DIR_ENV] === '1';
  // Removed if this process dies before stop(); a detached plane is let go of once it is ready.
  if (!keepOnExit) ownDirectory(dir);
  const logsDir = join(dir, 'logs');
  mkdirSync(logsDir, { recursive: true });

  const processes = new Processes({
    binDir,
    logsDir,
    log,
    readyTimeoutMs: opts.readyTimeoutMs ?? 60_000,
    detached: opts.detached ?? false,
  });
  /**
   * The apiserver goes before etcd: without its storage it hangs in shutdown until SIGKILL. `graceMs` 0 is for
   * a failed start, where there is nothing left to shut down cleanly.
   */
  const stopAll = async (graceMs?: number): Promise<void> => {
    await Promise.all([processes.stop('kube-scheduler', graceMs), processes.stop('kube-apiserver', graceMs)]);
    await processes.stop('etcd', graceMs);
  };
  const removeDir = (keepDir: boolean): void => {
    disownDirectory(dir);
    if (!keepDir && !keepOnExit) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };

  try {
    const [etcdClientPort = 0, etcdPeerPort = 0, apiserverPort = 0] = await freePorts(3);
    const etcd = new Etcd(processes, dir, { clientPort: etcdClientPort, peerPort: etcdPeerPort });
    etcd.start();
    // Key generation costs CPU while etcd boots; the apiserver then starts without waiting for etcd.
    const credentials = await writeControlPlaneCredentials(dir);
    const apiserver = new APIServer(processes, { dir, port: apiserverPort, etcdUrl: etcd.url, credentials });
    const server = apiserver.server;
    const kubeconfig = renderKubeconfig({ server, caPem: credentials.ca.certPem, user: credentials.admin });
    const kubeconfigPath = join(dir, 'admin.kubeconfig');
    writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
    apiserver.start();
    await Promise.all([
      etcd.ready().then(() => log.info({ ms: Date.now() - startedAt }, 'etcd is healthy')),
      apiserver.ready(),
    ]);
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    await apiserver.wait('to create the default namespace', async () =>
      (await namespaceExists(core, 'default')) ? true : undefined,
    );
    log.info({ ms: Date.now() - startedAt, server }, 'kube-apiserver is ready');

    const scheduler = new Scheduler(processes, { dir, kubeconfigPath, core, log });
    const schedulerOpt = opts.scheduler ?? true;
    if (schedulerOpt !== false) {
      await scheduler.start(schedulerOpt === true ? {} : schedulerOpt.config);
    }
    if (opts.detached) {
      processes.releaseAll();
      disownDirectory(dir);
    }
    log.info({ ms: Date.now() - startedAt }, 'control plane is ready');

    return {
      server,
      kubeconfigPath,
      kubeconfig,
      kc,
      ca: credentials.ca,
      dir,
      logsDir,
      pids: () => processes.pids(),
      startScheduler: (config) => scheduler.start(config),
      stopScheduler: () => scheduler.stop(),
      async stop(stopOpts = {}) {
        await stopAll();
        removeDir(stopOpts.keepDir ?? false);
      },
    };
  } catch (err) {
    await stopAll(0);
    removeDir(false);
    throw err;
  }
}

/** A caller-chosen state directory is removed by `stop()`, so it must hold nothing of anyone else's. */
function prepareStateDir(dir: string): string {
  const abs = resolve(dir);
  if (existsSync(abs) && readdirSync(abs).length > 0) {
    throw new Error(`state directory ${abs} is not empty; remove it or choose another`);
  }
  mkdirSync(abs, { recursive: true });
  return abs;
}

async function namespaceExists(core: CoreV1Api, name: string): Promise<boolean> {
  try {
    await core.readNamespace({ name });
    return true;
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return false;
    throw err;
  }
}
