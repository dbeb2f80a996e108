/**
 * The node agent: observe the host → pools from the NetworkNodePolicies → one device-plugin server per pool,
 * registered with the kubelet → pod-resources read every `podResourcesIntervalMs` and right after each Allocate
 * → the per-NUMA report. The host is read again every `rediscoverIntervalMs` and on every policy or Node label
 * change, so VFs created later, removed, rebound or losing their carrier reach the kubelet without a restart.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeletTopology } from '../api/wirespeed-v1alpha1.js';
import type { PoolSelection, PoolSelectionInput } from '../core/pools/select-pools.js';
import type { Pool } from '../core/pools/types.js';
import type { NodeReport } from '../core/report/accounting.js';
import type { Logger } from '../telemetry/logger.js';
import { AgentLoop } from './agent-loop.js';
import { type SetupRunner, setupLoop } from './apply/agent-setup.js';
import { DevicePlugins } from './deviceplugin/device-plugins.js';
import type { PreferredAllocationPolicy } from './deviceplugin/preferred.js';
import type { Host } from './host/host.js';
import { type AgentMetrics, createAgentMetrics, devicePluginEvents } from './metrics.js';
import { createPodResourcesClient } from './podresources/client.js';
import type { NodePods } from './podresources/node-pods.js';
import { PodResourcesPoller } from './podresources/poller.js';
import type { PolicySource } from './policy-source.js';
import { probes } from './probes.js';
import type { ReporterInput } from './report/reporter.js';

export interface AgentConfig {
  nodeName: string;
  devicePluginDir: string;
  podResourcesSocket: string;
  /** Given to pool selection: the prefix of a policy's resourceName that has none. */
  resourcePrefix: string;
  preferredAllocation: PreferredAllocationPolicy;
  rediscoverIntervalMs: number;
  podResourcesIntervalMs: number;
  /** The kubelet's Topology Manager policy and scope (from its configuration). */
  kubelet: KubeletTopology;
  /** Probes and metrics; port 0 picks a free one, null serves none (tests). */
  metricsPort: number | null;
  bindAddress: string;
  /** How often socket presence and registration are checked besides directory events. */
  socketCheckIntervalMs?: number;
}

/** Pool selection (`selectPools` of src/core/pools): policies × the observed host → pools and policy outcomes. */
export type PoolSelector = (input: PoolSelectionInput) => PoolSelection;

/**
 * Where reports go: accounts the input and writes NodeNetworkState, NodeResourceTopology and the node label
 * when they changed (`Reporter` of src/agent/report satisfies this).
 */
export interface ReportSink {
  update(input: ReporterInput): Promise<void>;
  /** Why the report is not current on the API server (also before the first write), or undefined. */
  notReadyReason(): string | undefined;
  lastReport(): NodeReport | undefined;
  stop(): Promise<void>;
}

export interface AgentDeps {
  log: Logger;
  host: Host;
  policies: PolicySource;
  selectPools: PoolSelector;
  nodePods: NodePods;
  /** Labels of this agent's Node, for policy node selectors. */
  nodeLabels: () => Readonly<Record<string, string>>;
  report: ReportSink;
  /** The agent's Lease (liveness), renewed while the agent runs. */
  lease?: { start(): void; stop(): void };
  metrics?: AgentMetrics;
  /** Told after each Allocate the kubelet made (the benchmark times allocation → report from here). */
  onAllocated?: (resourceName: string, ids: readonly string[]) => void;
  /** Device setup from the policies (src/agent/apply); absent: the agent discovers and serves only. */
  setup?: SetupRunner;
}

export interface Agent {
  stop(): Promise<void>;
  notReadyReason(): string | undefined;
  /** Reads the host again now (tests, and the benchmark). */
  rediscover(): Promise<void>;
  /** The pools as last served. */
  pools(): readonly Pool[];
  /** The last report published. */
  lastReport(): NodeReport | undefined;
  /** The probes' and metrics' port, when served. */
  port: number | undefined;
}

export async function startAgent(config: AgentConfig, deps: AgentDeps): Promise<Agent> {
  const log = deps.log;
  const metrics = deps.metrics ?? createAgentMetrics({ processMetrics: false });
  const plugins = new DevicePlugins(
    {
      devicePluginDir: config.devicePluginDir,
      preferredAllocation: config.preferredAllocation,
      ...(config.socketCheckIntervalMs ? { checkIntervalMs: config.socketCheckIntervalMs } : {}),
    },
    {
      log: log.child({ part: 'device-plugin' }),
      events: {
        ...devicePluginEvents(metrics),
        // The kubelet records the allocation right after Allocate returns; read it back at once.
        allocated: (resourceName, ids) => {
          setTimeout(() => void poller.pollSoon(), 20).unref();
          deps.onAllocated?.(resourceName, ids);
        },
      },
    },
  );
  const poller = new PodResourcesPoller(
    createPodResourcesClient(config.podResourcesSocket),
    { intervalMs: config.podResourcesIntervalMs, socket: config.podResourcesSocket },
    {
      log: log.child({ part: 'pod-resources' }),
      onChange: () => {
        void loop.publish();
        setup?.podsChanged();
      },
      polled: (result) => metrics.podResourcesPolls.inc({ result }),
    },
  );
  const loop = new AgentLoop(config, { ...deps, metrics }, plugins, poller);
  const setup = deps.setup
    ? setupLoop({
        setup: deps.setup,
        log: log.child({ part: 'setup' }),
        policies: () => deps.policies.policies(),
        nodeLabels: deps.nodeLabels,
        podResources: () => (poller.snapshot.allocatable === null ? null : poller.snapshot.pods),
        pods: () => deps.nodePods.pods(),
        changed: loop.rediscover,
        report: () => void loop.publish(),
      })
    : undefined;
  if (setup) {
    loop.setupFields = setup.reportFields;
    loop.observed = (host) => void setup.kick(host);
  }

  const notReadyReason = (): string | undefined => {
    if (loop.stopping) return 'shutting down';
    return (
      deps.policies.notReadyReason() ??
      loop.discoveryError ??
      loop.serveError ??
      (loop.host ? undefined : 'the host has not been read yet') ??
      plugins.notReadyReason() ??
      poller.notReadyReason() ??
      deps.nodePods.notReadyReason() ??
      deps.report.notReadyReason()
    );
  };

  const server =
    config.metricsPort === null
      ? undefined
      : await listen(
          probes({ notReadyReason, registry: metrics.registry }),
          config.metricsPort,
          config.bindAddress,
        );
  await plugins.start();
  deps.policies.onChange(() => void loop.rediscover());
  deps.nodePods.onChange(() => void loop.publish());
  await Promise.all([deps.policies.start(), deps.nodePods.start()]);
  deps.lease?.start();
  await loop.rediscover();
  await poller.start();
  const timer = setInterval(() => void loop.rediscover(), config.rediscoverIntervalMs);
  timer.unref();
  log.info(
    { node: config.nodeName, pools: loop.pools.map((p) => `${p.resourceName}=${p.devices.length}`) },
    'agent started',
  );

  return {
    notReadyReason,
    rediscover: loop.rediscover,
    pools: () => loop.pools,
    lastReport: () => deps.report.lastReport(),
    port: server ? (server.address() as AddressInfo).port : undefined,
    async stop() {
      loop.stopping = true;
      clearInterval(timer);
      setup?.stop();
      poller.stop();
      deps.policies.stop();
      deps.nodePods.stop();
      await plugins.stop();
      await deps.setup?.close?.();
      deps.lease?.stop();
      await deps.report.stop();
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
      log.info('agent stopped');
    },
  };
}

function listen(handler: RequestListener, port: number, host: string): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
