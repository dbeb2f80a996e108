import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { PemPair } from '../certs/pki.js';
import { type Logger, silentLogger } from '../telemetry/logger.js';
import { apiserverArgs, apiserverReady } from './apiserver.js';
import { K8S_BINARIES, resolveK8sBinaries } from './binaries.js';
import { writeControlPlaneCredentials } from './credentials.js';
import { etcdArgs, etcdHealthy, etcdUrl } from './etcd.js';
import { renderKubeconfig } from './kubeconfig.js';
import { freePorts } from './ports.js';
import {
  type Component,
  describeExit,
  disownDirectory,
  logTail,
  ownDirectory,
  releaseComponent,
  spawnComponent,
  stopComponent,
} from './process.js';
import {
  createSchedulerProbe,
  deleteSchedulerProbe,
  probeSchedulerName,
  renderSchedulerConfig,
  schedulerArgs,
  schedulerProbed,
} from './scheduler.js';
import { waitFor } from './wait.js';

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

export type ComponentName = 'etcd' | 'kube-apiserver' | 'kube-scheduler';

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
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
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

  const running = new Map<ComponentName, Component>();
  const start = (name: ComponentName, args: string[]): Component => {
    const component = spawnComponent({
      name,
      command: join(binDir, name),
      args,
      logPath: join(logsDir, `${name}.log`),
      detached: opts.detached ?? false,
    });
    running.set(name, component);
    log.info({ component: name, pid: component.pid }, `started ${name} (pid ${component.pid})`);
    return component;
  };
  /** Any component that died fails every wait, with its own log tail rather than a timeout. */
  const deadComponent = (): Error | undefined => {
    for (const component of running.values()) {
      const status = component.exitStatus();
      if (status) {
        return new Error(
          `${component.name} ${describeExit(status)} during start-up; last lines of ${component.logPath}:\n` +
            logTail(component.logPath),
        );
      }
    }
    return undefined;
  };
  const waitReady = <T>(component: Component, what: string, fn: () => Promise<T | undefined>) =>
    waitFor(`${component.name} ${what}`, fn, {
      timeoutMs: readyTimeoutMs,
      abortIf: deadComponent,
      detail: () => `last lines of ${component.logPath}:\n${logTail(component.logPath)}`,
    });

  /**
   * The apiserver goes before etcd: without its storage it hangs in shutdown until SIGKILL. `graceMs` 0 is for
   * a failed start, where there is nothing left to shut down cleanly.
   */
  const stopAll = async (graceMs?: number): Promise<void> => {
    const scheduler = running.get('kube-scheduler');
    const apiserver = running.get('kube-apiserver');
    await Promise.all([scheduler, apiserver].map((c) => c && stopComponent(c, graceMs)));
    const etcd = running.get('etcd');
    if (etcd) await stopComponent(etcd, graceMs);
    running.clear();
  };
  const removeDir = (keepDir: boolean): void => {
    disownDirectory(dir);
    if (!keepDir && !keepOnExit) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };

  try {
    const [etcdClientPort = 0, etcdPeerPort = 0, apiserverPort = 0] = await freePorts(3);
    const etcdEndpoints = { clientPort: etcdClientPort, peerPort: etcdPeerPort };
    const etcd = start('etcd', etcdArgs(dir, etcdEndpoints));
    // Key generation costs CPU while etcd boots; the apiserver then starts without waiting for etcd,
    // as it retries its storage connection itself.
    const credentials = await writeControlPlaneCredentials(dir);
    const server = `https://127.0.0.1:${apiserverPort}`;
    const kubeconfig = renderKubeconfig({ server, caPem: credentials.ca.certPem, user: credentials.admin });
    const kubeconfigPath = join(dir, 'admin.kubeconfig');
    writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
    const apiserver = start(
      'kube-apiserver',
      apiserverArgs({ dir, port: apiserverPort, etcdUrl: etcdUrl(etcdEndpoints), credentials }),
    );
    const tls = { caPem: credentials.ca.certPem, ...credentials.admin };
    await Promise.all([
      waitReady(etcd, 'health', () => etcdHealthy(etcdEndpoints)).then(() =>
        log.info({ ms: Date.now() - startedAt }, 'etcd is healthy'),
      ),
      waitReady(apiserver, 'readiness (/readyz)', () => apiserverReady(server, tls)),
    ]);
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    await waitReady(apiserver, 'to create the default namespace', async () =>
      (await namespaceExists(core, 'default')) ? true : undefined,
    );
    log.info({ ms: Date.now() - startedAt, server }, 'kube-apiserver is ready');

    const stopScheduler = async (): Promise<void> => {
      const scheduler = running.get('kube-scheduler');
      if (!scheduler) return;
      await stopComponent(scheduler);
      running.delete('kube-scheduler');
    };
    const startScheduler = async (config: Record<string, unknown> = {}): Promise<void> => {
      await stopScheduler();
      const began = Date.now();
      const configPath = join(dir, 'kube-scheduler.yaml');
      writeFileSync(configPath, renderSchedulerConfig(kubeconfigPath, config));
      const scheduler = start('kube-scheduler', schedulerArgs(configPath));
      const probe = await waitReady(scheduler, 'probe pod creation', () =>
        createSchedulerProbe(core, probeSchedulerName(config)),
      );
      await waitReady(scheduler, 'to try the probe pod', () => schedulerProbed(core, probe));
      await deleteSchedulerProbe(core, probe);
      log.info({ ms: Date.now() - began }, 'kube-scheduler is scheduling');
    };

    const schedulerOpt = opts.scheduler ?? true;
    if (schedulerOpt !== false) {
      await startScheduler(schedulerOpt === true ? {} : schedulerOpt.config);
    }
    if (opts.detached) {
      for (const component of running.values()) releaseComponent(component);
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
      pids: () => Object.fromEntries([...running].map(([name, c]) => [name, c.pid])),
      startScheduler,
      stopScheduler,
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
