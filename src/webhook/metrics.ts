import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { componentRegistry } from '../telemetry/metrics.js';

/** The webhook's metrics, on a registry of its own so several servers (tests, benchmarks) never collide. */
export interface WebhookMetrics {
  registry: Registry;
  requests: Counter<'outcome'>;
  duration: Histogram<'outcome'>;
  denials: Counter<'reason'>;
  nadLookups: Counter<'result'>;
  nadCacheSynced: Gauge;
  /** Seconds since the NAD cache last matched the API server (0 while its watch is live); set on scrape. */
  nadCacheStaleness: Gauge & { collect?: () => void };
  certificateReloads: Counter<'result'>;
  /** Seconds until the serving certificate in force expires; set on every scrape from `certificateExpiry.collect`. */
  certificateExpiry: Gauge & { collect?: () => void };
  controlSwitchUpdates: Counter<'result'>;
}

export function createWebhookMetrics(opts: { processMetrics?: boolean } = {}): WebhookMetrics {
  const registry = componentRegistry(opts);
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'wirespeed_webhook_requests_total',
      help: 'Admission requests by outcome: patched, unchanged, denied, invalid (HTTP 4xx), busy (HTTP 429, over a concurrency cap) or error.',
      labelNames: ['outcome'],
      registers,
    }),
    duration: new Histogram({
      name: 'wirespeed_webhook_request_duration_seconds',
      help: 'Time from request body received to response written, by outcome.',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    denials: new Counter({
      name: 'wirespeed_webhook_denials_total',
      help: 'Denied admission requests by reason code.',
      labelNames: ['reason'],
      registers,
    }),
    nadLookups: new Counter({
      name: 'wirespeed_webhook_nad_lookups_total',
      help: 'NetworkAttachmentDefinition lookups: hit (cache), miss (API GET found it), absent (GET: not found), negative (remembered absent), shared (joined a GET in flight), trusted (absent per the live cache, no GET), refused (over the per-request cap), error.',
      labelNames: ['result'],
      registers,
    }),
    nadCacheSynced: new Gauge({
      name: 'wirespeed_webhook_nad_cache_synced',
      help: '1 once the NetworkAttachmentDefinition cache has listed every object, else 0.',
      registers,
    }),
    nadCacheStaleness: new Gauge({
      name: 'wirespeed_webhook_nad_cache_staleness_seconds',
      help: 'Seconds since the NetworkAttachmentDefinition cache last matched the API server: 0 while its watch is live, growing while list and watch fail.',
      registers,
    }),
    certificateReloads: new Counter({
      name: 'wirespeed_webhook_certificate_reloads_total',
      help: 'Serving certificate reloads by result: loaded, or rejected (the pair failed a check and the old one was kept).',
      labelNames: ['result'],
      registers,
    }),
    certificateExpiry: new Gauge({
      name: 'wirespeed_webhook_certificate_expiry_seconds',
      help: 'Seconds until the serving certificate in force expires (negative once it has).',
      registers,
    }),
    controlSwitchUpdates: new Counter({
      name: 'wirespeed_webhook_control_switch_updates_total',
      help: 'Applications of the nri-control-switches ConfigMap by result: applied, warning or removed.',
      labelNames: ['result'],
      registers,
    }),
  };
}
