/**
 * Turns the agent's inputs (pools, pod-resources, the node's pods, the kubelet's topology settings) into the
 * node's report and writes it: NodeNetworkState first (the extender's contract), then NodeResourceTopology and
 * the SR-IOV node label. Each `update` is accounted at once and written as soon as the previous write is done;
 * updates that arrive meanwhile collapse into the latest, so a burst of changes costs one write, and a change
 * reaches the API server one write after it was noticed. Unchanged reports write nothing. A failed write is
 * retried after `retryMs`; every `resyncMs` the objects are read back and repaired if they differ.
 */
import { accountNode, type NodeReport, type ReportInput } from '../../core/report/accounting.js';
import type { Logger } from '../../telemetry/logger.js';
import type { ReportMetrics } from './metrics.js';
import type { NodeLabeler } from './node-labeler.js';
import type { NodeNetworkStateWriter } from './node-network-state-writer.js';
import type { NodeResourceTopologyWriter } from './node-resource-topology-writer.js';

export type ReporterInput = Omit<ReportInput, 'reportTime'> & {
  /** Whether the host has an SR-IOV NIC (sets or removes the node label); omitted: the label is left alone. */
  sriovCapable?: boolean;
};

export interface ReporterOptions {
  /** Read the written objects back and repair them this often; default 60 s. */
  resyncMs?: number;
  /** After a failed NodeNetworkState write, try again this soon; default 1 s. */
  retryMs?: number;
}

export interface ReporterDeps {
  nns: NodeNetworkStateWriter;
  nrt?: NodeResourceTopologyWriter;
  labeler?: NodeLabeler;
  metrics: ReportMetrics;
  log: Logger;
  now: () => Date;
}

interface Pending {
  input: ReporterInput;
  /** When the agent noticed this input (ms), for the latency metric. */
  noticedAt: number;
  verify: boolean;
}

const UNACCOUNTED_REASONS = ['unknown-pod', 'unknown-device'] as const;
const NO_POD_RESOURCES = "no report written yet: the kubelet's pod-resources API has not answered";

export class Reporter {
  private pending: Pending | undefined;
  private last: Pending | undefined;
  private running: Promise<void> | undefined;
  private report: NodeReport | undefined;
  private failure: string | undefined = 'no report written yet';
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly resyncTimer: NodeJS.Timeout;
  private stopped = false;
  private lastSideError: string | undefined;

  constructor(
    private readonly opts: ReporterOptions,
    private readonly deps: ReporterDeps,
  ) {
    // The first write reads what the server holds, so a restarted agent does not rewrite an equal report.
    this.resyncTimer = setInterval(() => this.resync(), opts.resyncMs ?? 60_000);
    this.resyncTimer.unref();
  }

  /** Accounts `input` and writes the report if it changed; resolves once it (or a later input) is handled. */
  update(input: ReporterInput): Promise<void> {
    // A pending input not yet handled is replaced, but its time (for the latency) and a resync's verify stay.
    this.pending = {
      input,
      noticedAt: this.pending?.noticedAt ?? this.deps.now().getTime(),
      verify: this.report === undefined || (this.pending?.verify ?? false),
    };
    return this.kick();
  }

  /** The last report written (or found already written), for logs, status pages and tests. */
  lastReport(): NodeReport | undefined {
    return this.report;
  }

  /** Why the report is not current on the API server, or undefined when it is. */
  notReadyReason(): string | undefined {
    return this.failure;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resyncTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.running;
  }

  private resync(): void {
    if (this.stopped || !this.last || this.pending) return;
    this.pending = { ...this.last, noticedAt: this.deps.now().getTime(), verify: true };
    void this.kick();
  }

  private kick(): Promise<void> {
    this.running ??= (async () => {
      try {
        while (this.pending && !this.stopped) {
          const next = this.pending;
          this.pending = undefined;
          await this.process(next);
        }
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async process(next: Pending): Promise<void> {
    const { nns, metrics, log, now } = this.deps;
    this.last = next;
    if (next.input.allocatable === null) {
      // Without pod-resources the allocations are unknown: every device would read free. Keep the report
      // the server holds (a restarted agent's predecessor wrote it) until the kubelet answers.
      if (!this.report) this.failure = NO_POD_RESOURCES;
      return;
    }
    const report = accountNode({ ...next.input, reportTime: now() });
    for (const reason of UNACCOUNTED_REASONS) {
      metrics.unaccounted.set({ reason }, report.unaccounted.filter((u) => u.reason === reason).length);
    }
    try {
      const result = await nns.write(report.status, { verify: next.verify });
      metrics.writes.inc({ object: 'NodeNetworkState', result });
      if (result !== 'unchanged') metrics.reportLatency.observe((now().getTime() - next.noticedAt) / 1000);
      this.report = report;
      this.failure = undefined;
    } catch (err) {
      metrics.writes.inc({ object: 'NodeNetworkState', result: 'error' });
      this.failure = `writing NodeNetworkState failed: ${err instanceof Error ? err.message : String(err)}`;
      log.warn({ err }, 'writing the NodeNetworkState report failed; retrying');
      nns.invalidate();
      this.scheduleRetry(next);
      return;
    }
    await this.writeSideObjects(next, report);
  }

  /** NodeResourceTopology and the label: their failures are logged and counted, and repaired at resync. */
  private async writeSideObjects(next: Pending, report: NodeReport): Promise<void> {
    const { nrt, labeler, metrics } = this.deps;
    if (nrt) {
      try {
        metrics.writes.inc({
          object: 'NodeResourceTopology',
          result: await nrt.write(report.status, {
            verify: next.verify,
            ...(next.input.numaNodes ? { numaNodes: next.input.numaNodes } : {}),
          }),
        });
      } catch (err) {
        metrics.writes.inc({ object: 'NodeResourceTopology', result: 'error' });
        nrt.invalidate();
        this.logSideError(err);
      }
    }
    if (labeler && next.input.sriovCapable !== undefined) {
      try {
        await labeler.set(next.input.sriovCapable, { verify: next.verify });
      } catch (err) {
        this.logSideError(err);
      }
    }
  }

  private logSideError(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    // Once per distinct failure: a missing NRT CRD would otherwise log on every change.
    if (message === this.lastSideError) return;
    this.lastSideError = message;
    this.deps.log.warn({ err }, 'writing the node report failed (retried at the next change or resync)');
  }

  private scheduleRetry(failed: Pending): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pending ??= { ...failed, verify: true };
      void this.kick();
    }, this.opts.retryMs ?? 1000);
    this.retryTimer.unref();
  }
}
