import { describe, expect, it } from 'vitest';
import type { NodeNetworkState } from '../api/wirespeed-v1alpha1.js';
import { reportStatus } from '../harness/local-extender.js';
import { NodeReports } from './node-reports.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const state = (name: string, reportTime = new Date(T0)): NodeNetworkState => ({
  apiVersion: 'wirespeed.io/v1alpha1',
  kind: 'NodeNetworkState',
  metadata: { name },
  status: reportStatus({ 'intel.com/a': [[2, 4]] }, { reportTime }),
});
const lease = (node: string, renewTime: string | undefined, leaseDurationSeconds = 40) => ({
  metadata: { name: `wirespeed-agent-${node}` },
  spec: { ...(renewTime ? { renewTime } : {}), leaseDurationSeconds },
});

describe('NodeReports', () => {
  it('judges liveness by the agent Lease: fresh while renewed within its duration', () => {
    const r = new NodeReports({ useLeases: true, leaseNamePrefix: 'wirespeed-agent-', maxReportAgeMs: 0 });
    r.setReport(state('n1'));
    expect(r.lookup('n1', T0)).toMatchObject({ kind: 'stale', why: 'lease-missing' });
    r.setLease(lease('n1', '2026-12-01T10:00:00.000000Z'));
    expect(r.lookup('n1', T0 + 39_999).kind).toBe('fresh');
    expect(r.lookup('n1', T0 + 40_000)).toMatchObject({ kind: 'stale', why: 'lease-expired' });
    r.setLease(lease('n1', undefined));
    expect(r.lookup('n1', T0)).toMatchObject({ kind: 'stale', why: 'lease-expired' });
    r.deleteLease(lease('n1', undefined));
    expect(r.lookup('n1', T0)).toMatchObject({ kind: 'stale', why: 'lease-missing' });
  });

  it('ignores Leases that are not agent Leases', () => {
    const r = new NodeReports({ useLeases: true, leaseNamePrefix: 'wirespeed-agent-', maxReportAgeMs: 0 });
    expect(r.leaseNode({ metadata: { name: 'kube-scheduler' } })).toBeUndefined();
    expect(r.leaseNode({ metadata: { name: 'wirespeed-agent-' } })).toBeUndefined();
    expect(r.leaseNode({ metadata: { name: 'wirespeed-agent-w1' } })).toBe('w1');
  });

  it('with --max-report-age, a report older than that is stale whatever the Lease says', () => {
    const r = new NodeReports({ useLeases: false, leaseNamePrefix: 'x-', maxReportAgeMs: 60_000 });
    r.setReport(state('n1'));
    expect(r.lookup('n1', T0 + 60_000).kind).toBe('fresh');
    expect(r.lookup('n1', T0 + 60_001)).toMatchObject({ kind: 'stale', why: 'report-too-old' });
  });

  it('indexes each report once and tells listeners of every change, deletion included', () => {
    const r = new NodeReports({ useLeases: false, leaseNamePrefix: 'x-', maxReportAgeMs: 0 });
    const seen: [string, number | undefined][] = [];
    r.onChange((node, capacity) => seen.push([node, capacity?.pools.get('intel.com/a')?.totalFree]));
    r.setReport(state('n1'));
    const lookup = r.lookup('n1', T0);
    expect(lookup.kind === 'fresh' && lookup.capacity.pools.get('intel.com/a')?.free.get(0)).toBe(2);
    r.deleteReport('n1');
    r.deleteReport('n1');
    expect(r.lookup('n1', T0)).toEqual({ kind: 'missing' });
    expect(seen).toEqual([
      ['n1', 2],
      ['n1', undefined],
    ]);
  });

  it('treats an object the agent has not filled yet as no report', () => {
    const r = new NodeReports({ useLeases: false, leaseNamePrefix: 'x-', maxReportAgeMs: 0 });
    r.setReport(state('n1'));
    r.setReport({ ...state('n1'), status: undefined });
    expect(r.lookup('n1', T0)).toEqual({ kind: 'missing' });
  });

  it('summarises freshness and the oldest report for the metrics', () => {
    const r = new NodeReports({ useLeases: false, leaseNamePrefix: 'x-', maxReportAgeMs: 30_000 });
    r.setReport(state('old', new Date(T0 - 60_000)));
    r.setReport(state('new', new Date(T0)));
    expect(r.summary(T0)).toEqual({ fresh: 1, stale: 1, oldestAgeMs: 60_000 });
  });
});
