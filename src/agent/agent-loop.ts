/**
 * The agent's work, one step per method: `rediscover` reads the host, selects the pools and serves them;
 * `publish` hands the latest inputs to the report. Each runs one at a time; calls while one runs coalesce into
 * one more run after it, so bursts of events (a policy edit, a label change, ten Allocates) cost one pass.
 */
import type { KubeletTopology } from '../api/wirespeed-v1alpha1.js';
import type { ObservedHost } from '../core/host/observed.js';
import { interfacesStatus } from '../core/pools/interfaces.js';
import type { Pool } from '../core/pools/types.js';
import type { Logger } from '../telemetry/logger.js';
import { mergeSync, type SetupLoop } from './apply/agent-setup.js';
import type { DevicePlugins } from './deviceplugin/device-plugins.js';
import { heldDevices, keepHeldVanished } from './deviceplugin/vanished.js';
import type { AgentDeps } from './main.js';
import type { AgentMetrics } from './metrics.js';
import { observeHost } from './observe.js';
import type { PodResourcesPoller } from './podresources/poller.js';
import { type PolicySync, policySync } from './policy-outcomes.js';
import type { ReporterInput } from './report/reporter.js';

export class AgentLoop {
  host: ObservedHost | undefined;
  pools: Pool[] = [];
  discoveryError: string | undefined;
  serveError: string | undefined;
  stopping = false;
  private sync: PolicySync = { syncStatus: 'Succeeded', policyGenerations: {} };
  private lastSyncText = '';
  readonly rediscover: () => Promise<void>;
  readonly publish: () => Promise<void>;
  /** Device setup's part of the report (src/agent/apply), when the agent sets devices up. */
  setupFields: () => ReturnType<SetupLoop['reportFields']> = () => ({});
  /** Told every successful discovery (device setup plans from it). */
  observed: (host: ObservedHost) => void = () => undefined;

  constructor(
    private readonly opts: { resourcePrefix: string; kubelet: KubeletTopology },
    private readonly deps: AgentDeps & { metrics: AgentMetrics },
    private readonly plugins: DevicePlugins,
    private readonly poller: PodResourcesPoller,
  ) {
    this.rediscover = single(() => this.rediscoverOnce());
    this.publish = single(() => this.publishOnce());
  }

  private get log(): Logger {
    return this.deps.log;
  }

  private async rediscoverOnce(): Promise<void> {
    if (this.stopping) return;
    const host = await this.observe();
    if (!host) return;
    this.observed(host);
    const selection = this.deps.selectPools({
      observed: host,
      policies: this.deps.policies.policies(),
      nodeLabels: this.deps.nodeLabels(),
      resourcePrefix: this.opts.resourcePrefix,
      previous: this.pools,
    });
    this.noteOutcomes(selection.policies);
    this.host = host;
    this.pools = keepHeldVanished(this.pools, selection.pools, heldDevices(this.poller.snapshot.pods));
    countDevices(this.deps.metrics, this.pools);
    try {
      await this.plugins.sync(this.pools);
      this.serveError = undefined;
    } catch (err) {
      // e.g. a socket that cannot be bound; the next rediscovery tries again.
      this.serveError = `serving the pools failed: ${(err as Error).message}`;
      this.log.error({ err }, 'serving the pools failed');
    }
    await this.publish();
  }

  private async observe(): Promise<ObservedHost | undefined> {
    const { metrics, host } = this.deps;
    const end = metrics.discoveryDuration.startTimer();
    try {
      const observed = await observeHost(host);
      metrics.discoveries.inc({ result: 'ok' });
      this.discoveryError = undefined;
      return observed;
    } catch (err) {
      metrics.discoveries.inc({ result: 'error' });
      this.discoveryError = `reading the host under ${host.root} failed: ${(err as Error).message}`;
      this.log.error({ err }, 'discovery failed; serving the pools of the last discovery');
      return undefined;
    } finally {
      end();
    }
  }

  /** Logs what the policies are told when it changes; the report carries the summary. */
  private noteOutcomes(outcomes: Parameters<typeof policySync>[0]): void {
    const text = JSON.stringify(outcomes);
    if (text === this.lastSyncText) return;
    this.lastSyncText = text;
    this.sync = policySync(outcomes);
    for (const outcome of outcomes) {
      const level = outcome.applied ? 'info' : 'warn';
      this.log[level](
        { policy: outcome.policy, applied: outcome.applied, conditions: outcome.conditions },
        'policy outcome',
      );
    }
  }

  private async publishOnce(): Promise<void> {
    const host = this.host;
    if (!host || this.stopping) return;
    // The reporter retries failed writes itself and says so in its readiness; nothing here may throw.
    await this.deps.report.update(this.reportInput(host)).catch((err: unknown) => {
      this.log.error({ err }, 'the report could not be handed over');
    });
  }

  private reportInput(host: ObservedHost): ReporterInput {
    return {
      pools: this.pools,
      allocatable: this.poller.snapshot.allocatable,
      podResources: this.poller.snapshot.pods,
      pods: this.deps.nodePods.pods(),
      kubelet: this.opts.kubelet,
      numaNodes: host.numaNodes.map((n) => n.id),
      sriovCapable: host.pfs.length > 0,
      interfaces: interfacesStatus(host, this.pools),
      ...mergeSync(this.sync, this.setupFields()),
    };
  }
}

/** Runs `task` one at a time; calls while it runs coalesce into one more run after it. */
export function single(task: () => Promise<void>): () => Promise<void> {
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
