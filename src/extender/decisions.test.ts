import { describe, expect, it } from 'vitest';
import { container, nodeState, podOf } from '../../test/support/fit.js';
import { Ledger, podDemand } from '../core/fit/index.js';
import { silentLogger } from '../telemetry/logger.js';
import { createDecisions } from './decisions.js';
import { InflightHolds } from './inflight.js';
import { createExtenderMetrics } from './metrics.js';
import { NodeReports } from './node-reports.js';
import { type BoundPod, ReservationFeed } from './reservations.js';

const A = 'intel.com/a';

function setup(opts: { ledger?: boolean; missingReport?: 'reject' | 'allow' } = {}) {
  let now = 1_000_000;
  const metrics = createExtenderMetrics({ processMetrics: false });
  const reports = new NodeReports({ useLeases: false, leaseNamePrefix: 'x-', maxReportAgeMs: 0 });
  const ledger = opts.ledger === false ? undefined : new Ledger({ ttlMs: 60_000, maxReservations: 1000 });
  const inflight = ledger ? new InflightHolds(3000) : undefined;
  const decisions = createDecisions({
    reports,
    ledger,
    ...(inflight ? { inflight } : {}),
    managed: new Set([A]),
    options: { score: 'tight', missingReport: opts.missingReport ?? 'reject' },
    now: () => now,
    metrics,
  });
  const feed = ledger
    ? new ReservationFeed(ledger, decisions, {
        now: () => now,
        metrics,
        log: silentLogger,
        ...(inflight ? { inflight } : {}),
      })
    : undefined;
  if (feed) reports.onChange((node, capacity) => feed.onReport(node, capacity));
  // NUMA 0 has 2 free of 4, NUMA 1 has 3 free of 3.
  reports.setReport(nodeState('w1', { pools: { [A]: { 0: { free: 2, allocatable: 4 }, 1: 3 } } }));
  reports.setReport(nodeState('w2', { pools: { [A]: { 0: 1, 1: 1 } } }));
  return { decisions, feed, ledger, inflight, reports, metrics, tick: (ms: number) => (now += ms) };
}

const pod = (name: string, n: number) => podOf(name, [container('app', { [A]: n })]);
const podDemandOf = (p: ReturnType<typeof pod>) => {
  const d = podDemand(p, new Set([A]));
  if (!d.ok) throw new Error(d.problem.message);
  return d.value;
};
const bound = (name: string, n: number, node: string, phase?: string): BoundPod => ({
  ...pod(name, n),
  metadata: { name, namespace: 'default', uid: `uid-${name}` },
  spec: { ...pod(name, n).spec!, nodeName: node },
  ...(phase ? { status: { phase } } : {}),
});

describe('filter and prioritize', () => {
  it('keeps the nodes where one NUMA node holds the pod, with reasons for the others', () => {
    const { decisions } = setup({ ledger: false });
    expect(decisions.filter({ pod: pod('p', 3), nodeNames: ['w1', 'w2', 'w9'] })).toEqual({
      fits: ['w1'],
      failed: { w9: 'no topology report' },
      unresolvable: { w2: 'no NUMA node has 3 allocatable intel.com/a' },
    });
    expect(decisions.filter({ pod: pod('p', 4), nodeNames: ['w1'] })).toEqual({
      fits: [],
      failed: { w1: 'no NUMA node has 4 free intel.com/a' },
      unresolvable: {},
    });
  });

  it('counts rejections by reason kind', async () => {
    const { decisions, metrics } = setup({ ledger: false });
    decisions.filter({ pod: pod('p', 3), nodeNames: ['w1', 'w2', 'w9', 'w8'] });
    const values = (await metrics.rejected.get()).values.map((v) => [v.labels.reason, v.value]);
    expect(values.sort()).toEqual([
      ['never-fits', 1],
      ['no-report', 2],
    ]);
  });

  it('rejects every node with the message when the pod itself cannot be read', () => {
    const { decisions } = setup();
    const bad = podOf('bad', [{ name: 'app', resources: { requests: { [A]: '1.5' } } }]);
    expect(decisions.filter({ pod: bad, nodeNames: ['w1'] })).toEqual({
      fits: [],
      failed: {},
      unresolvable: {
        w1: 'pod default/bad containers[0].resources.requests["intel.com/a"] is "1.5": a device count must be a whole number',
      },
    });
  });

  it('fails open with --missing-report=allow', () => {
    const { decisions } = setup({ ledger: false, missingReport: 'allow' });
    expect(decisions.filter({ pod: pod('p', 1), nodeNames: ['w9'] }).fits).toEqual(['w9']);
  });

  it('scores every node 0-10, tightest fit highest, 0 where it does not fit', () => {
    const { decisions } = setup({ ledger: false });
    expect(decisions.prioritize({ pod: pod('p', 2), nodeNames: ['w1', 'w2', 'w9'] })).toEqual([
      { node: 'w1', score: 10 },
      { node: 'w2', score: 0 },
      { node: 'w9', score: 0 },
    ]);
  });
});

describe('prioritize right after filter', () => {
  it('reuses the filter scores for the same pod within a second, and computes them afresh later', () => {
    const { decisions, reports, tick } = setup({ ledger: false });
    decisions.filter({ pod: pod('p', 2), nodeNames: ['w1', 'w2'] });
    reports.setReport(nodeState('w1', { pools: { [A]: { 0: 4, 1: 4 } } }));
    expect(decisions.prioritize({ pod: pod('p', 2), nodeNames: ['w1'] })).toEqual([
      { node: 'w1', score: 10 },
    ]);
    tick(1000);
    expect(decisions.prioritize({ pod: pod('p', 2), nodeNames: ['w1'] })).toEqual([{ node: 'w1', score: 6 }]);
  });
});

describe('the ledger fed by bound pods and reports', () => {
  it('holds a bound pod on its predicted NUMA node until the report lists it', () => {
    const { decisions, feed, reports, ledger } = setup();
    feed!.onPod(bound('a', 2, 'w1'));
    expect(ledger!.get('uid-a')).toMatchObject({ node: 'w1', numaNode: 0 });
    feed!.onPod(bound('b', 3, 'w1'));
    expect(decisions.filter({ pod: pod('q', 1), nodeNames: ['w1'] })).toEqual({
      fits: [],
      failed: { w1: 'no NUMA node has 1 free intel.com/a' },
      unresolvable: {},
    });
    reports.setReport(
      nodeState('w1', { pools: { [A]: { 0: { free: 0, allocatable: 4 }, 1: 3 } }, pods: ['uid-a'] }),
    );
    expect(ledger!.get('uid-a')).toBeUndefined();
    expect(ledger!.get('uid-b')).toMatchObject({ numaNode: 1 });
  });

  it('releases a pod that terminates or is deleted before being reported, and never reserves it again', () => {
    const { feed, ledger } = setup();
    feed!.onPod(bound('a', 1, 'w1'));
    feed!.onPod(bound('a', 1, 'w1', 'Failed'));
    expect(ledger!.size).toBe(0);
    feed!.onPod(bound('a', 1, 'w1', 'Failed'));
    expect(ledger!.size).toBe(0);
    feed!.onPod(bound('b', 1, 'w1'));
    feed!.onPodDeleted(bound('b', 1, 'w1'));
    expect(ledger!.size).toBe(0);
  });

  it('does not reserve a pod the report already lists, or one asking for no managed pool', () => {
    const { feed, ledger, reports } = setup();
    reports.setReport(nodeState('w2', { pools: { [A]: { 0: 1, 1: 1 } }, pods: ['uid-old'] }));
    feed!.onPod(bound('old', 1, 'w2'));
    feed!.onPod({ ...bound('plain', 0, 'w2') });
    expect(ledger!.size).toBe(0);
  });

  it('expires reservations after the TTL', () => {
    const { feed, ledger, tick } = setup();
    feed!.onPod(bound('a', 1, 'w1'));
    tick(60_000);
    feed!.expire();
    expect(ledger!.size).toBe(0);
  });
});

describe('in-flight holds', () => {
  it('hold a filtered pod on every node it passed, so the next pod cannot take the same devices', () => {
    const { decisions } = setup();
    expect(decisions.filter({ pod: pod('a', 3), nodeNames: ['w1'] }).fits).toEqual(['w1']);
    // a is not bound yet; b would have taken NUMA node 1 too.
    expect(decisions.filter({ pod: pod('b', 3), nodeNames: ['w1'] }).failed).toEqual({
      w1: 'no NUMA node has 3 free intel.com/a',
    });
    // a's own holds never count against a.
    expect(decisions.filter({ pod: pod('a', 3), nodeNames: ['w1'] }).fits).toEqual(['w1']);
  });

  it('give way to the reservation once the pod is seen bound, and lapse after their TTL', () => {
    const { decisions, feed, ledger, inflight, tick } = setup();
    // w2 has one free device per NUMA node: a (1) is held on NUMA node 0 there.
    decisions.filter({ pod: pod('a', 1), nodeNames: ['w1', 'w2'] });
    expect(inflight!.size).toBe(1);
    expect(ledger!.size).toBe(0);
    // Without the hold, x would be predicted on NUMA node 0 too.
    expect(decisions.fitOn(podDemandOf(pod('x', 1)), 'w2').numaNode).toBe(1);
    feed!.onPod(bound('a', 1, 'w2'));
    expect(inflight!.size).toBe(0);
    expect(ledger!.reservationsOn('w2').map((r) => r.podUid)).toEqual(['uid-a']);
    decisions.filter({ pod: pod('b', 1), nodeNames: ['w1'] });
    expect(inflight!.size).toBe(1);
    tick(3000);
    decisions.filter({ pod: pod('c', 1), nodeNames: [] });
    expect(inflight!.size).toBe(0);
  });
});
