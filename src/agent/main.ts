/**
 * The node agent: observe the host → pools from the NetworkNodePolicies → one device-plugin server per pool,
 * registered with the kubelet → pod-resources read every `podResourcesIntervalMs` and right after each Allocate
 * → the per-NUMA report. The host is read again every `rediscoverIntervalMs` and on every policy or Node label
 * change, so VFs created later, removed, rebound or losing their carrier reach the kubelet without a restart.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeletTopology } from '../api/wirespeed-v1alpha1.js';
import type { ObservedHost } from '../core/host/observed.js';
import { interfacesStatus } from '../core/pools/interfaces.js';
import type { PolicyOutcome } from '../core/pools/outcomes.js';
import type { PoolSelection, PoolSelectionInput } from '../core/pools/select-pools.js';
import type { Pool } from '../core/pools/types.js';
import type { NodeReport } from '../core/report/accounting.js';
import type { Logger } from '../telemetry/logger.js';
import { DevicePlugins } from './deviceplugin/device-plugins.js';
import type { PreferredAllocationPolicy } from './deviceplugin/preferred.js';
import { heldDevices, keepHeldVanished } from './deviceplugin/vanished.js';
import type { Host } from './host/host.js';
import { type AgentMetrics, createAgentMetrics, devicePluginEvents } from './metrics.js';
import { observeHost } from './observe.js';
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
  const state = {
    host: undefined as ObservedHost | undefined,
    pools: [] as Pool[],
    discoveryError: undefined as string | undefined,
    outcomes: '',
    generations: {} as Record<string, number>,
    stopping: false,
  };
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
        allocated: () => setTimeout(() => void poller.pollSoon(), 20).unref(),
      },
    },
  );
  const poller = new PodResourcesPoller(
    createPodResourcesClient(config.podResourcesSocket),
    { intervalMs: config.podResourcesIntervalMs, socket: config.podResourcesSocket },
    {
      log: log.child({ part: 'pod-resources' }),
      onChange: () => reportSoon(),
      polled: (result) => metrics.podResourcesPolls.inc({ result }),
    },
  );

  const rediscover = single(async () => {
    if (state.stopping) return;
    const end = metrics.discoveryDuration.startTimer();
    let host: ObservedHost;
    try {
      host = await observeHost(deps.host);
      metrics.discoveries.inc({ result: 'ok' });
      state.discoveryError = undefined;
    } catch (err) {
      metrics.discoveries.inc({ result: 'error' });
      state.discoveryError = `reading the host under ${deps.host.root} failed: ${(err as Error).message}`;
      log.error({ err }, 'discovery failed');
      return;
    } finally {
      end();
    }
    const selection = deps.selectPools({
      observed: host,
      policies: deps.policies.policies(),
      nodeLabels: deps.nodeLabels(),
      resourcePrefix: config.resourcePrefix,
      previous: state.pools,
    });
    logOutcomes(log, state, selection.policies);
    const pools = keepHeldVanished(state.pools, selection.pools, heldDevices(poller.snapshot.pods));
    state.host = host;
    state.pools = pools;
    countDevices(metrics, pools);
    await plugins.sync(pools);
    await publish();
  });

  const publish = single(async () => {
    if (!state.host || state.stopping) return;
    await deps.report.update({
      pools: state.pools,
      allocatable: poller.snapshot.allocatable,
      podResources: poller.snapshot.pods,
      pods: deps.nodePods.pods(),
      kubelet: config.kubelet,
      numaNodes: state.host.numaNodes.map((n) => n.id),
      sriovCapable: state.host.pfs.length > 0,
      interfaces: interfacesStatus(state.host, state.pools),
      policyGenerations: state.generations,
    });
  });
  const reportSoon = () => void publish();

  const notReadyReason = (): string | undefined => {
    if (state.stopping) return 'shutting down';
    return (
      deps.policies.notReadyReason() ??
      state.discoveryError ??
      (state.host ? undefined : 'the host has not been read yet') ??
      plugins.notReadyReason() ??
      poller.notReadyReason() ??
      deps.nodePods.notReadyReason() ??
      deps.report.notReadyReason()
    );
  };

  let server: Server | undefined;
  if (config.metricsPort !== null) {
    server = createServer(probes({ notReadyReason, registry: metrics.registry }));
    const listening = server;
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(config.metricsPort as number, config.bindAddress, () => resolve());
    });
  }

  await plugins.start();
  deps.policies.onChange(() => void rediscover());
  await Promise.all([deps.policies.start(), deps.nodePods.start()]);
  deps.lease?.start();
  deps.nodePods.onChange(reportSoon);
  await rediscover();
  await poller.start();
  const timer = setInterval(() => void rediscover(), config.rediscoverIntervalMs);
  timer.unref();
  log.info(
    { node: config.nodeName, pools: state.pools.map((p) => `${p.resourceName}=${p.devices.length}`) },
    'agent started',
  );

  return {
    notReadyReason,
    rediscover,
    pools: () => state.pools,
    lastReport: () => deps.report.lastReport(),
    port: server ? (server.address() as AddressInfo).port : undefined,
    async stop() {
      state.stopping = true;
      clearInterval(timer);
      poller.stop();
      deps.policies.stop();
      deps.nodePods.stop();
      await plugins.stop();
      deps.lease?.stop();
      await deps.report.stop();
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
      log.info('agent stopped');
    },
  };
}

/** Runs `task` one at a time; calls while it runs coalesce into one more run after it. */
function single(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  const loop = async () => {
    do {
      again = false;
      await task();
    } while (again);
  };
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = loop().finally(() => {
      running = undefined;
    });
    return running;
  };
}

/** Logs what the policies are told when it changes, and keeps the generations of those applied. */
function logOutcomes(
  log: Logger,
  state: { outcomes: string; generations: Record<string, number> },
  outcomes: readonly PolicyOutcome[],
): void {
  const text = JSON.stringify(outcomes);
  if (text === state.outcomes) return;
  state.outcomes = text;
  state.generations = {};
  for (const outcome of outcomes) {
    if (outcome.applied && outcome.generation !== undefined)
      state.generations[outcome.policy] = outcome.generation;
    const problems = outcome.conditions.filter((c) =>
      c.type === 'Conflict' ? c.status !== 'False' : c.status !== 'True',
    );
    if (problems.length === 0) log.info({ policy: outcome.policy }, 'policy applied');
    else
      log.warn(
        { policy: outcome.policy, applied: outcome.applied, conditions: problems },
        'policy not (fully) applied',
      );
  }
}

function countDevices(metrics: AgentMetrics, pools: readonly Pool[]): void {
  metrics.devices.reset();
  for (const pool of pools) {
    for (const device of pool.devices) {
      metrics.devices.inc({
        pool: pool.resourceName,
        numa_node: String(device.numaNode),
        health: device.healthy ? 'Healthy' : 'Unhealthy',
      });
    }
  }
}
