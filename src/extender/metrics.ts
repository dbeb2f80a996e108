import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { componentRegistry } from '../telemetry/metrics.js';

export type Verb = 'filter' | 'prioritize' | 'bind';

/**
 * The extender's metrics, on a registry of its own so several extenders (tests, benchmarks) never collide.
 * Process metrics include `wirespeed_nodejs_eventloop_lag_*` (prom-client samples the event-loop delay with
 * `monitorEventLoopDelay`): a busy loop delays every scheduling cycle, so it is the first thing to read.
 */
export interface ExtenderMetrics {
  registry: Registry;
  requests: Counter<'verb' | 'outcome'>;
  duration: Histogram<'verb'>;
  /** Requests that carried full Node objects: the scheduler is not configured with nodeCacheCapable. */
  fullNodeLists: Counter<'verb'>;
  rejected: Counter<'reason'>;
  binds: Counter<'result'>;
  reservations: Gauge;
  reports: Gauge<'state'>;
  oldestReportAge: Gauge;
  informerSynced: Gauge<'resource'>;
  reservationEvents: Counter<'event'>;
}

export function createExtenderMetrics(opts: { processMetrics?: boolean } = {}): ExtenderMetrics {
  const registry = componentRegistry(opts);
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'wirespeed_extender_requests_total',
      help: 'Extender requests by verb and outcome: ok (HTTP 200) or invalid (4xx).',
      labelNames: ['verb', 'outcome'],
      registers,
    }),
    duration: new Histogram({
      name: 'wirespeed_extender_request_duration_seconds',
      help: 'Time from request received to reply written, per verb; filter and prioritize add to every scheduling cycle.',
      labelNames: ['verb'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.05, 0.1, 0.5, 1],
      registers,
    }),
    fullNodeLists: new Counter({
      name: 'wirespeed_extender_full_node_lists_total',
      help: 'Requests with full Node objects instead of names: set nodeCacheCapable: true in the scheduler configuration.',
      labelNames: ['verb'],
      registers,
    }),
    rejected: new Counter({
      name: 'wirespeed_extender_nodes_rejected_total',
      help: 'Nodes the filter rejected, by reason kind.',
      labelNames: ['reason'],
      registers,
    }),
    binds: new Counter({
      name: 'wirespeed_extender_binds_total',
      help: 'Bind verb results: bound, misfit (requeued: the pod no longer fits under the ledger) or error.',
      labelNames: ['result'],
      registers,
    }),
    reservations: new Gauge({
      name: 'wirespeed_extender_ledger_reservations',
      help: 'Open reservations: pods placed on a node whose topology report does not list them yet.',
      registers,
    }),
    reports: new Gauge({
      name: 'wirespeed_extender_reports',
      help: 'NodeNetworkState reports held, by state: fresh or stale (agent Lease expired or report too old).',
      labelNames: ['state'],
      registers,
    }),
    oldestReportAge: new Gauge({
      name: 'wirespeed_extender_oldest_report_age_seconds',
      help: 'Age of the oldest NodeNetworkState reportTime held.',
      registers,
    }),
    informerSynced: new Gauge({
      name: 'wirespeed_extender_informer_synced',
      help: '1 once the informer of the resource has listed every object, else 0.',
      labelNames: ['resource'],
      registers,
    }),
    reservationEvents: new Counter({
      name: 'wirespeed_extender_reservation_events_total',
      help: 'Ledger changes: reserved, settled (the report lists the pod), released (pod gone or terminal), expired (TTL), moved (a new report changed the NUMA node predicted).',
      labelNames: ['event'],
      registers,
    }),
  };
}
