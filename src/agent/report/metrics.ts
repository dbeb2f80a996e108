/**
 * The counters the report's writers use, passed in (never module state). `createReportMetrics` registers them
 * on the agent's registry; tests may pass anything with the same `inc`/`set`/`observe`.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type ReportObject = 'NodeNetworkState' | 'NodeResourceTopology' | 'Lease' | 'Node';
export type ReportWriteOutcome = 'created' | 'updated' | 'unchanged' | 'error';

export interface ReportMetrics {
  /** API writes by object and outcome (`unchanged`: the report was the same, nothing sent). */
  writes: { inc(labels: { object: ReportObject; result: ReportWriteOutcome }): void };
  /** Device IDs the last report could not attribute, by reason (`unknown-pod`, `unknown-device`). */
  unaccounted: { set(labels: { reason: string }, value: number): void };
  /** Seconds from an input change reaching the reporter to the changed report stored by the API server. */
  reportLatency: { observe(value: number): void };
}

export function createReportMetrics(registry: Registry): ReportMetrics {
  const registers = [registry];
  return {
    writes: new Counter({
      name: 'wirespeed_agent_report_writes_total',
      help: 'Writes of the node report by object (NodeNetworkState, NodeResourceTopology, Lease, Node) and result (created, updated, unchanged, error).',
      labelNames: ['object', 'result'],
      registers,
    }),
    unaccounted: new Gauge({
      name: 'wirespeed_agent_report_unaccounted_devices',
      help: 'Device IDs in the last report that pod-resources lists but the report could not attribute: unknown-pod (counted as allocated, pod not yet seen), unknown-device (not a device of the pool).',
      labelNames: ['reason'],
      registers,
    }),
    reportLatency: new Histogram({
      name: 'wirespeed_agent_report_latency_seconds',
      help: 'From a changed input reaching the reporter to the changed NodeNetworkState stored by the API server.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };
}
