/**
 * The extender process: informers for NodeNetworkState reports, the agents' Leases and bound pods feed the
 * report index and the ledger; the verbs answer from them. `startExtender` is what the command, the harness,
 * the benchmark and the tests all run.
 */
import type { NodeNetworkState } from '../api/wirespeed-v1alpha1.js';
import { Ledger } from '../core/fit/index.js';
import type { KubeEndpoint } from '../kube/endpoint.js';
import { ListWatch } from '../kube/list-watch.js';
import { collectionPath, LEASES, NODE_NETWORK_STATES, PODS } from '../kube/paths.js';
import type { Logger } from '../telemetry/logger.js';

export { DEFAULT_EXTENDER_CONFIG, type ExtenderConfig } from './config.js';

import { createBinder, RecentPods } from './binder.js';
import type { ExtenderConfig } from './config.js';
import { createDecisions } from './decisions.js';
import { InflightHolds } from './inflight.js';
import { createExtenderMetrics, type ExtenderMetrics } from './metrics.js';
import { type LeaseLite, NodeReports } from './node-reports.js';
import { type BoundPod, ReservationFeed } from './reservations.js';
import { extenderRoutes } from './routes.js';
import { serveExtender } from './server.js';
import { trimLease, trimPod, trimReport } from './trim.js';

export interface ExtenderDeps {
  endpoint: KubeEndpoint;
  log: Logger;
  metrics?: ExtenderMetrics;
  now?: () => number;
}

export interface Extender {
  port: number;
  healthPort: number | undefined;
  metrics: ExtenderMetrics;
  reports: NodeReports;
  ledger: Ledger | undefined;
  notReadyReason(): string | undefined;
  stop(): Promise<void>;
}

export async function startExtender(config: ExtenderConfig, deps: ExtenderDeps): Promise<Extender> {
  const { endpoint, log } = deps;
  const now = deps.now ?? Date.now;
  const metrics = deps.metrics ?? createExtenderMetrics();
  const managed = new Set(config.managedResources);
  const reports = new NodeReports({
    useLeases: config.leaseNamespace !== '',
    leaseNamePrefix: config.leaseNamePrefix,
    maxReportAgeMs: config.maxReportAgeMs,
  });
  const ledger = config.ledger
    ? new Ledger({ ttlMs: config.reservationTtlMs, maxReservations: config.maxReservations })
    : undefined;
  const recent = new RecentPods();
  const inflight = ledger ? new InflightHolds(config.inflightTtlMs) : undefined;
  const decisions = createDecisions({
    reports,
    ledger,
    ...(inflight ? { inflight } : {}),
    managed,
    options: config.fit,
    now,
    metrics,
    ...(config.bindMode ? { onFiltered: (pod, demand) => recent.remember(pod.metadata?.uid, demand) } : {}),
  });
  const feed = ledger
    ? new ReservationFeed(ledger, decisions, { now, metrics, log, ...(inflight ? { inflight } : {}) })
    : undefined;

  const informers = watchCluster(config, endpoint, { reports, managed, feed, metrics, log });
  const binder =
    config.bindMode && feed ? createBinder({ endpoint, decisions, feed, recent, metrics, log }) : undefined;
  if (config.bindMode && !feed) log.warn('bind mode needs the ledger; binding is off');

  let stopping = false;
  const notReadyReason = (): string | undefined => {
    if (stopping) return 'shutting down';
    for (const [what, informer] of informers) {
      if (!informer.synced) {
        const why = informer.lastError?.message;
        return `${what} not synced yet${why ? `: ${why}` : ''}`;
      }
    }
    return undefined;
  };
  const routes = extenderRoutes(
    { filter: decisions.filter, prioritize: decisions.prioritize, ...(binder ? { bind: binder } : {}) },
    { prefix: config.prefix, bodyLimitBytes: config.bodyLimitBytes },
    { log, metrics },
  );
  const listening = await serveExtender(
    {
      port: config.port,
      bindAddress: config.bindAddress,
      ...(config.healthPort !== undefined
        ? { health: { port: config.healthPort, bindAddress: '0.0.0.0' } }
        : {}),
      ...(config.tls ? { tls: config.tls } : {}),
      keepAliveTimeoutMs: config.keepAliveTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
    },
    routes,
    { notReadyReason, metrics, log },
  );
  await Promise.all([...informers.values()].map((i) => i.start()));
  const sweep = setInterval(
    () => {
      feed?.expire();
      const summary = reports.summary(now());
      metrics.reports.set({ state: 'fresh' }, summary.fresh);
      metrics.reports.set({ state: 'stale' }, summary.stale);
      metrics.oldestReportAge.set(summary.oldestAgeMs / 1000);
    },
    Math.min(5000, Math.max(100, config.reservationTtlMs / 4)),
  );
  sweep.unref();

  return {
    port: listening.port,
    healthPort: listening.healthPort,
    metrics,
    reports,
    ledger,
    notReadyReason,
    stop: async () => {
      stopping = true;
      clearInterval(sweep);
      await listening.close();
      for (const informer of informers.values()) informer.stop();
      log.info('extender stopped');
    },
  };
}

type AnyListWatch = ListWatch<{ metadata: { name: string; namespace?: string; resourceVersion?: string } }>;

function watchCluster(
  config: ExtenderConfig,
  endpoint: KubeEndpoint,
  parts: {
    reports: NodeReports;
    managed: Set<string>;
    feed: ReservationFeed | undefined;
    metrics: ExtenderMetrics;
    log: Logger;
  },
): Map<string, AnyListWatch> {
  const { reports, managed, feed, metrics, log } = parts;
  const informers = new Map<string, AnyListWatch>();
  const track = (what: string, informer: AnyListWatch): void => {
    metrics.informerSynced.set({ resource: what }, 0);
    informer.onSynced(() => {
      metrics.informerSynced.set({ resource: what }, 1);
      log.info({ resource: what, objects: informer.list().length }, 'informer synced');
    });
    informer.onError((err) =>
      log.warn({ resource: what, err: err.message, status: err.status }, 'list/watch failed'),
    );
    informers.set(what, informer);
  };

  const states = new ListWatch<NodeNetworkState>(endpoint, collectionPath(NODE_NETWORK_STATES), {
    transform: trimReport,
  });
  const upsert = (state: NodeNetworkState): void => {
    for (const pool of state.status?.pools ?? [])
      if (typeof pool?.resourceName === 'string') managed.add(pool.resourceName);
    reports.setReport(state);
  };
  states.on('add', upsert);
  states.on('update', upsert);
  states.on('delete', (state) => reports.deleteReport(state.metadata.name));
  if (feed) reports.onChange((node, capacity) => feed.onReport(node, capacity));
  track('nodenetworkstates', states as unknown as AnyListWatch);

  if (config.leaseNamespace !== '') {
    const leases = new ListWatch<LeaseLite>(endpoint, collectionPath(LEASES, config.leaseNamespace), {
      transform: trimLease,
    });
    leases.on('add', (l) => reports.setLease(l));
    leases.on('update', (l) => reports.setLease(l));
    leases.on('delete', (l) => reports.deleteLease(l));
    track('leases', leases as unknown as AnyListWatch);
  }

  if (feed) {
    const pods = new ListWatch<BoundPod>(endpoint, collectionPath(PODS), {
      fieldSelector: 'spec.nodeName!=',
      transform: trimPod,
    });
    pods.on('add', (p) => feed.onPod(p));
    pods.on('update', (p) => feed.onPod(p));
    pods.on('delete', (p) => feed.onPodDeleted(p));
    track('pods', pods as unknown as AnyListWatch);
  }
  return informers;
}
