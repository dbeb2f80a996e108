/**
 * The latest NodeNetworkState report of every node, with each agent's liveness from its Lease, as in-memory
 * maps the filter reads without awaiting. Fed by informers (Added, Modified, Deleted and relists all land
 * here: a report created after start is seen, one deleted is forgotten, unlike scheduler-plugins#967) or,
 * offline, by a static list. Times are kept as epoch milliseconds computed once per event, so a lookup is
 * two map reads and a comparison.
 */
import type { NodeNetworkState } from '../api/wirespeed-v1alpha1.js';
import { indexReport, type NodeCapacity } from '../core/fit/index.js';

export interface LeaseLite {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string; acquireTime?: string };
}

export type StaleWhy = 'lease-missing' | 'lease-expired' | 'report-too-old';

export type ReportLookup =
  | { kind: 'fresh'; capacity: NodeCapacity }
  | { kind: 'missing' }
  | { kind: 'stale'; why: StaleWhy; capacity: NodeCapacity };

const MISSING: ReportLookup = { kind: 'missing' };

export interface NodeReportOptions {
  /** Judge liveness by the agents' Leases (named `<leaseNamePrefix><node>`); false: only by reportTime. */
  useLeases: boolean;
  leaseNamePrefix: string;
  /** A report whose reportTime is older than this is stale; 0: no limit (the Lease says whether it is live). */
  maxReportAgeMs: number;
}

interface Held {
  /** The report indexed once here, so a filter call reads maps and never walks the report. */
  capacity: NodeCapacity;
  /** The answer for a fresh report, built once: a lookup allocates nothing on the hot path. */
  fresh: ReportLookup;
  reportMs: number;
}

export class NodeReports {
  private readonly reports = new Map<string, Held>();
  /** Node name → epoch ms after which its agent counts as dead. */
  private readonly leaseDeadlines = new Map<string, number>();
  private readonly listeners: Array<(node: string, capacity: NodeCapacity | undefined) => void> = [];

  constructor(private readonly opts: NodeReportOptions) {}

  /** Called after every change of a node's report (undefined: deleted), e.g. to settle reservations. */
  onChange(listener: (node: string, capacity: NodeCapacity | undefined) => void): void {
    this.listeners.push(listener);
  }

  setReport(state: NodeNetworkState): void {
    const name = state.metadata?.name;
    if (typeof name !== 'string') return;
    const status = state.status;
    if (!status || !Array.isArray(status.pools)) {
      // An object the agent has not filled yet is no report at all.
      this.deleteReport(name);
      return;
    }
    const reportMs = Date.parse(status.reportTime);
    const capacity = indexReport(status);
    this.reports.set(name, {
      capacity,
      fresh: { kind: 'fresh', capacity },
      reportMs: Number.isNaN(reportMs) ? 0 : reportMs,
    });
    for (const listener of this.listeners) listener(name, capacity);
  }

  deleteReport(name: string): void {
    if (!this.reports.delete(name)) return;
    for (const listener of this.listeners) listener(name, undefined);
  }

  /** The node a Lease speaks for, or undefined when it is not one of the agents' Leases. */
  leaseNode(lease: LeaseLite): string | undefined {
    const name = lease.metadata?.name;
    if (typeof name !== 'string' || !name.startsWith(this.opts.leaseNamePrefix)) return undefined;
    const node = name.slice(this.opts.leaseNamePrefix.length);
    return node === '' ? undefined : node;
  }

  setLease(lease: LeaseLite): void {
    const node = this.leaseNode(lease);
    if (!node) return;
    const renewed = Date.parse(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? '');
    const durationS = lease.spec?.leaseDurationSeconds;
    if (Number.isNaN(renewed) || typeof durationS !== 'number' || !(durationS > 0)) {
      // A Lease without a renewal or a duration proves nothing about liveness.
      this.leaseDeadlines.set(node, 0);
      return;
    }
    this.leaseDeadlines.set(node, renewed + durationS * 1000);
  }

  deleteLease(lease: LeaseLite): void {
    const node = this.leaseNode(lease);
    if (node) this.leaseDeadlines.delete(node);
  }

  lookup(node: string, nowMs: number): ReportLookup {
    const held = this.reports.get(node);
    if (!held) return MISSING;
    if (this.opts.useLeases) {
      const deadline = this.leaseDeadlines.get(node);
      if (deadline === undefined) return { kind: 'stale', why: 'lease-missing', capacity: held.capacity };
      if (nowMs >= deadline) return { kind: 'stale', why: 'lease-expired', capacity: held.capacity };
    }
    if (this.opts.maxReportAgeMs > 0 && nowMs - held.reportMs > this.opts.maxReportAgeMs) {
      return { kind: 'stale', why: 'report-too-old', capacity: held.capacity };
    }
    return held.fresh;
  }

  capacity(node: string): NodeCapacity | undefined {
    return this.reports.get(node)?.capacity;
  }

  nodes(): IterableIterator<string> {
    return this.reports.keys();
  }

  get size(): number {
    return this.reports.size;
  }

  /** Counts for the metrics: reports by freshness and the age of the oldest. */
  summary(nowMs: number): { fresh: number; stale: number; oldestAgeMs: number } {
    let fresh = 0;
    let stale = 0;
    let oldest = nowMs;
    for (const [node, held] of this.reports) {
      if (this.lookup(node, nowMs).kind === 'fresh') fresh++;
      else stale++;
      if (held.reportMs < oldest) oldest = held.reportMs;
    }
    return { fresh, stale, oldestAgeMs: this.reports.size === 0 ? 0 : nowMs - oldest };
  }
}
