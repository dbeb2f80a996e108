/**
 * The whole system on one machine, in one call, for the demo and for tests: the real control plane, the webhook
 * (TLS, registered with the API server), the extender in kube-scheduler's configuration (bind mode on), and N
 * real nodes (the real kubelet on a fake runtime), each over its own simulated host with its own agent. Every
 * process and server started is stopped by `stop()`, also when a start fails half-way or is interrupted.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { kubeletTopology } from '../agent/command.js';
import type { SimHostLayout } from '../agent/host/simulated/layout.js';
import { type Agent, startAgent } from '../agent/main.js';
import { createAgentMetrics } from '../agent/metrics.js';
import { clusterDeps } from '../agent/production.js';
import type { NetworkNodePolicy } from '../api/wirespeed-v1alpha1.js';
import { defaultInjectionConfig, type InjectionConfig } from '../core/inject/config.js';
import { DEFAULT_AGENT_NAMESPACE } from '../core/report/liveness.js';
import { resolveK8sBinaries, resolveNodeBinaries } from '../devcluster/binaries.js';
import { type ControlPlane, startControlPlane } from '../devcluster/controlplane.js';
import { type RealNode, startRealNode } from '../devcluster/kubelet.js';
import { type KubeEndpoint, loadKubeEndpoint } from '../kube/endpoint.js';
import { type Logger, silentLogger } from '../telemetry/logger.js';
import { agentsSettled, createPolicies, installAgentCrds } from './cluster-api.js';
import { createHost, type SimulatedHosts, simulatedHostsDir, type VfDrivers } from './cluster-hosts.js';
import { type LocalExtender, startLocalExtender } from './local-extender.js';
import { type LocalWebhook, startLocalWebhook } from './local-webhook.js';

export interface ClusterNodeSpec {
  name: string;
  layout: SimHostLayout;
  /** VFs put on vfio-pci or given a vDPA device before the agent starts (for agents without device setup). */
  drivers?: VfDrivers;
  labels?: Record<string, string>;
}

export interface ClusterOptions {
  nodes: ClusterNodeSpec[];
  /** Created in the agents' namespace before the agents start. */
  policies: NetworkNodePolicy[];
  /** The pools kube-scheduler hands to the extender. */
  managedResources: string[];
  webhook?: Partial<InjectionConfig>;
  /** The agents create and bind VFs from the policies (default true); false: they serve what the hosts have. */
  deviceSetup?: boolean;
  /** Control-plane and node binaries; default: built or reused as scripts/k8s-binaries does. */
  binDir?: string;
  nodeBinDir?: string;
  log?: Logger;
  /** One line per step, with its time. */
  progress?: (line: string) => void;
}

export interface ClusterNode {
  name: string;
  hostDir: string;
  node: RealNode;
  agent: Agent;
}

export interface Cluster {
  cp: ControlPlane;
  webhook: LocalWebhook;
  extender: LocalExtender;
  nodes: ClusterNode[];
  endpoint: KubeEndpoint;
  agentNamespace: string;
  /** Restarts kube-scheduler with the extender in its configuration (bind mode), or as it ships (`false`). */
  useExtender(on: boolean): Promise<void>;
  stop(): Promise<void>;
}

/** Thrown by a start that `stop()` interrupted. */
export class ClusterStopped extends Error {
  override readonly name = 'ClusterStopped';
}

/**
 * A cluster whose `stop()` may be called at any time, before `start()` has finished too (Ctrl-C): whatever is
 * running stops, and the pending start fails with `ClusterStopped`.
 */
export class LocalCluster {
  private readonly stoppers: Array<{ what: string; stop: () => Promise<void> | void }> = [];
  /** Idempotent clean-ups run by every stop pass: a start in flight may write into a directory again. */
  private readonly cleanups: Array<() => void> = [];
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private starting: Promise<Cluster> | undefined;

  constructor(private readonly opts: ClusterOptions) {}

  async start(): Promise<Cluster> {
    this.starting = this.startAll();
    try {
      return await this.starting;
    } catch (err) {
      // A step cut short by stop() fails with whatever its component said as it went (a refused connection).
      const interrupted = this.stopped;
      await this.stop();
      if (interrupted && !(err instanceof ClusterStopped))
        throw new ClusterStopped('stopped before the cluster was up', { cause: err });
      throw err;
    }
  }

  /**
   * Stops what runs now, then, if a start is in flight, waits for it to give up (its next step refuses) and
   * stops what it started meanwhile.
   */
  stop(): Promise<void> {
    this.stopped = true;
    this.stopping ??= (async () => {
      await this.stopAll();
      await this.starting?.catch(() => undefined);
      await this.stopAll();
    })();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    const log = this.opts.log ?? silentLogger;
    // Last started, first stopped: agents before their kubelets, the scheduler's extender before the plane.
    for (const { what, stop } of this.stoppers.splice(0).reverse()) {
      try {
        await stop();
      } catch (err) {
        log.warn({ err }, `could not stop ${what}`);
      }
    }
    for (const cleanup of this.cleanups) cleanup();
  }

  private owns(what: string, stop: () => Promise<void> | void): void {
    this.stoppers.push({ what, stop });
  }

  private async step<T>(what: string, fn: () => Promise<T>, done?: (value: T) => string): Promise<T> {
    if (this.stopped) throw new ClusterStopped('stopped before the cluster was up');
    const began = Date.now();
    this.opts.progress?.(`==> ${what}`);
    const value = await fn();
    if (this.stopped) throw new ClusterStopped('stopped before the cluster was up');
    const secs = ((Date.now() - began) / 1000).toFixed(1);
    this.opts.progress?.(`    ${done ? done(value) : 'done'} (${secs}s)`);
    return value;
  }

  private async startAll(): Promise<Cluster> {
    const { opts } = this;
    const log = opts.log ?? silentLogger;
    const [binDir, nodeBinDir] = await this.step(
      'Kubernetes binaries (etcd, kube-apiserver, kube-scheduler, kubelet; built on first use)',
      async () => [
        opts.binDir ?? (await resolveK8sBinaries()),
        opts.nodeBinDir ?? (await resolveNodeBinaries()),
      ],
      ([dir]) => `in ${dir}`,
    );
    const cp = await this.step(
      'control plane: etcd and kube-apiserver',
      async () => {
        const plane = await startControlPlane({ binDir, scheduler: false, log });
        this.owns('the control plane', () => plane.stop());
        return plane;
      },
      (plane) => `API server ${plane.server}`,
    );
    const endpoint = loadKubeEndpoint(cp.kubeconfigPath);
    this.owns('the API client', () => endpoint.close());
    const [webhook, extender] = await this.step(
      'webhook (TLS, registered with the API server) and extender (bind mode); CRDs and policies',
      () => this.startServers(cp, endpoint),
      ([w, e]) => `webhook https://127.0.0.1:${w.server.port}/mutate, extender ${e.url}`,
    );
    const schedulerConfig = extender.schedulerConfig({ managedResources: opts.managedResources, bind: true });
    await this.step(
      'kube-scheduler with the extender in its configuration',
      async () => {
        await cp.startScheduler(schedulerConfig);
        this.owns('kube-scheduler', () => cp.stopScheduler());
      },
      () => `managed pools: ${opts.managedResources.join(', ')}`,
    );
    const hosts = simulatedHostsDir();
    this.cleanups.push(() => hosts.remove());
    const nodes = await this.step(
      `${opts.nodes.length} real nodes (kubelet + fake runtime over a simulated host) and their agents`,
      () => this.startNodes(cp, nodeBinDir, hosts),
      (started) => started.map((n) => n.name).join(', '),
    );
    const settled =
      (opts.deviceSetup ?? true)
        ? 'agents: VFs created and bound as the policies say, reports written, pools allocatable on every Node'
        : 'agents reporting, pools allocatable on every Node';
    await this.step(settled, () =>
      agentsSettled(
        endpoint,
        cp.kc.makeApiClient(CoreV1Api),
        nodes.map((n) => ({ ...n, deviceSetup: opts.deviceSetup ?? true })),
      ),
    );
    return {
      cp,
      webhook,
      extender,
      nodes,
      endpoint,
      agentNamespace: DEFAULT_AGENT_NAMESPACE,
      useExtender: (on) => cp.startScheduler(on ? schedulerConfig : {}),
      stop: () => this.stop(),
    };
  }

  private async startServers(
    cp: ControlPlane,
    endpoint: KubeEndpoint,
  ): Promise<[LocalWebhook, LocalExtender]> {
    const { opts } = this;
    const log = opts.log ?? silentLogger;
    const injection = defaultInjectionConfig(opts.webhook);
    const webhook = startLocalWebhook(cp, { config: () => injection, log }).then((w) => {
      this.owns('the webhook', () => w.stop());
      return w;
    });
    await installAgentCrds(endpoint, DEFAULT_AGENT_NAMESPACE);
    const extender = startLocalExtender(
      cp,
      { bindMode: true, managedResources: opts.managedResources },
      { log },
    ).then((e) => {
      this.owns('the extender', () => e.stop());
      return e;
    });
    await createPolicies(endpoint, DEFAULT_AGENT_NAMESPACE, opts.policies);
    return Promise.all([webhook, extender]);
  }

  private async startNodes(cp: ControlPlane, binDir: string, hosts: SimulatedHosts): Promise<ClusterNode[]> {
    const log = this.opts.log ?? silentLogger;
    const results = await Promise.allSettled(
      this.opts.nodes.map(async (spec): Promise<ClusterNode> => {
        const hostDir = hosts.hostDir(spec.name);
        await createHost(hostDir, spec.layout, spec.drivers);
        const node = await startRealNode({
          controlPlane: cp,
          name: spec.name,
          numaFromHost: hostDir,
          binDir,
          log,
          ...(spec.labels ? { labels: spec.labels } : {}),
        });
        this.owns(`node ${spec.name}`, () => node.stop());
        const agent = await startNodeAgent(cp, node, hostDir, log, this.opts.deviceSetup ?? true);
        this.owns(`the agent of ${spec.name}`, () => agent.stop());
        return { name: spec.name, hostDir, node, agent };
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return results.map((r) => (r as PromiseFulfilledResult<ClusterNode>).value);
  }
}

async function startNodeAgent(
  cp: ControlPlane,
  node: RealNode,
  hostDir: string,
  log: Logger,
  deviceSetup: boolean,
): Promise<Agent> {
  const api = loadKubeEndpoint(cp.kubeconfigPath);
  const agentLog = log.child({ agent: node.name });
  try {
    const agent = await startAgent(
      {
        nodeName: node.name,
        devicePluginDir: node.devicePluginDir,
        podResourcesSocket: node.podResourcesSocket,
        resourcePrefix: 'wirespeed.io',
        preferredAllocation: 'pack',
        rediscoverIntervalMs: 5000,
        podResourcesIntervalMs: 1000,
        kubelet: kubeletTopology(node.kubeletConfigPath),
        metricsPort: null,
        bindAddress: '127.0.0.1',
      },
      clusterDeps(
        api,
        {
          nodeName: node.name,
          namespace: DEFAULT_AGENT_NAMESPACE,
          hostRoot: hostDir,
          ...(deviceSetup ? { setup: { evict: false, writeTimeoutMs: 10_000, parallelism: 2 } } : {}),
        },
        { log: agentLog, metrics: createAgentMetrics({ processMetrics: false }) },
      ),
    );
    return {
      ...agent,
      stop: async () => {
        await agent.stop();
        api.close();
      },
    };
  } catch (err) {
    api.close();
    throw err;
  }
}

/** Starts the cluster; on failure everything started is stopped before the error is thrown. */
export function startCluster(opts: ClusterOptions): Promise<Cluster> {
  return new LocalCluster(opts).start();
}
