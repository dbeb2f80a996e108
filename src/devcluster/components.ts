/**
 * The control plane's components as objects with start/stop, envtest's shape: each knows its flags, its
 * readiness and how to stop; `Processes` is what they share (binaries, logs, the ready timeout, and the rule that
 * any component dying fails every wait with its own log tail rather than a timeout).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CoreV1Api } from '@kubernetes/client-node';
import type { Logger } from '../telemetry/logger.js';
import { apiserverArgs, apiserverReady } from './apiserver.js';
import type { ControlPlaneCredentials } from './credentials.js';
import { type EtcdEndpoints, etcdArgs, etcdHealthy, etcdUrl } from './etcd.js';
import {
  type Component,
  describeExit,
  logTail,
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

export type ComponentName = 'etcd' | 'kube-apiserver' | 'kube-scheduler';

export class Processes {
  private readonly running = new Map<ComponentName, Component>();

  constructor(
    private readonly opts: {
      binDir: string;
      logsDir: string;
      log: Logger;
      readyTimeoutMs: number;
      detached: boolean;
    },
  ) {}

  spawn(name: ComponentName, args: string[]): Component {
    const component = spawnComponent({
      name,
      command: join(this.opts.binDir, name),
      args,
      logPath: join(this.opts.logsDir, `${name}.log`),
      detached: this.opts.detached,
    });
    this.running.set(name, component);
    this.opts.log.info({ component: name, pid: component.pid }, `started ${name} (pid ${component.pid})`);
    return component;
  }

  waitReady<T>(component: Component, what: string, fn: () => Promise<T | undefined>): Promise<T> {
    return waitFor(`${component.name} ${what}`, fn, {
      timeoutMs: this.opts.readyTimeoutMs,
      abortIf: () => this.deadComponent(),
      detail: () => `last lines of ${component.logPath}:\n${logTail(component.logPath)}`,
    });
  }

  async stop(name: ComponentName, graceMs?: number): Promise<void> {
    const component = this.running.get(name);
    if (!component) return;
    await stopComponent(component, graceMs);
    this.running.delete(name);
  }

  pids(): Partial<Record<ComponentName, number>> {
    return Object.fromEntries([...this.running].map(([name, c]) => [name, c.pid]));
  }

  /** Lets every running child outlive this process (`wirespeed dev-cluster up`). */
  releaseAll(): void {
    for (const component of this.running.values()) releaseComponent(component);
  }

  private deadComponent(): Error | undefined {
    for (const component of this.running.values()) {
      const status = component.exitStatus();
      if (status) {
        return new Error(
          `${component.name} ${describeExit(status)} during start-up; last lines of ${component.logPath}:\n` +
            logTail(component.logPath),
        );
      }
    }
    return undefined;
  }
}

export class Etcd {
  private component: Component | undefined;

  constructor(
    private readonly processes: Processes,
    private readonly dir: string,
    readonly endpoints: EtcdEndpoints,
  ) {}

  get url(): string {
    return etcdUrl(this.endpoints);
  }

  /** Spawns etcd without waiting, so that other work can overlap its boot; `ready()` waits. */
  start(): void {
    this.component = this.processes.spawn('etcd', etcdArgs(this.dir, this.endpoints));
  }

  async ready(): Promise<void> {
    if (!this.component) throw new Error('etcd was not started');
    await this.processes.waitReady(this.component, 'health', () => etcdHealthy(this.endpoints));
  }

  stop(graceMs?: number): Promise<void> {
    return this.processes.stop('etcd', graceMs);
  }
}

export class APIServer {
  private component: Component | undefined;

  constructor(
    private readonly processes: Processes,
    private readonly opts: {
      dir: string;
      port: number;
      etcdUrl: string;
      credentials: ControlPlaneCredentials;
    },
  ) {}

  get server(): string {
    return `https://127.0.0.1:${this.opts.port}`;
  }

  /** It retries its storage connection itself, so it need not wait for etcd. */
  start(): void {
    const { dir, port, etcdUrl, credentials } = this.opts;
    this.component = this.processes.spawn(
      'kube-apiserver',
      apiserverArgs({ dir, port, etcdUrl, credentials }),
    );
  }

  async ready(): Promise<void> {
    const tls = { caPem: this.opts.credentials.ca.certPem, ...this.opts.credentials.admin };
    await this.wait('readiness (/readyz)', () => apiserverReady(this.server, tls));
  }

  wait<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
    if (!this.component) throw new Error('kube-apiserver was not started');
    return this.processes.waitReady(this.component, what, fn);
  }

  stop(graceMs?: number): Promise<void> {
    return this.processes.stop('kube-apiserver', graceMs);
  }
}

export class Scheduler {
  constructor(
    private readonly processes: Processes,
    private readonly opts: { dir: string; kubeconfigPath: string; core: CoreV1Api; log: Logger },
  ) {}

  /** (Re)starts with `config` laid over the defaults and waits until a probe pod is tried. */
  async start(config: Record<string, unknown> = {}): Promise<void> {
    await this.stop();
    const began = Date.now();
    const { dir, kubeconfigPath, core } = this.opts;
    const configPath = join(dir, 'kube-scheduler.yaml');
    writeFileSync(configPath, renderSchedulerConfig(kubeconfigPath, config));
    const scheduler = this.processes.spawn('kube-scheduler', schedulerArgs(configPath));
    const probe = await this.processes.waitReady(scheduler, 'probe pod creation', () =>
      createSchedulerProbe(core, probeSchedulerName(config)),
    );
    await this.processes.waitReady(scheduler, 'to try the probe pod', () => schedulerProbed(core, probe));
    await deleteSchedulerProbe(core, probe);
    this.opts.log.info({ ms: Date.now() - began }, 'kube-scheduler is scheduling');
  }

  stop(graceMs?: number): Promise<void> {
    return this.processes.stop('kube-scheduler', graceMs);
  }
}
