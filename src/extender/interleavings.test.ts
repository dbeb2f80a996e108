/**
 * Event orders the real race produces (4 kubelets, 5 + 5 VFs per node, pods of 3: one pod per NUMA node),
 * scripted one by one: filter calls, pods seen bound, reports. In each, a third pod on a node whose two NUMA
 * nodes are spoken for must be refused, whatever order the bound events and the partial reports arrive in: the
 * kubelet puts each pod on the lowest NUMA node that fits *when it admits it*, not where we first predicted.
 */
import { describe, expect, it } from 'vitest';
import { container, nodeState, podOf } from '../../test/support/fit.js';
import { Ledger } from '../core/fit/index.js';
import { silentLogger } from '../telemetry/logger.js';
import { createDecisions } from './decisions.js';
import { InflightHolds } from './inflight.js';
import { createExtenderMetrics } from './metrics.js';
import { NodeReports } from './node-reports.js';
import { type BoundPod, ReservationFeed } from './reservations.js';

const VF = 'wirespeed.io/race';

function cluster() {
  const now = 1_000_000;
  const metrics = createExtenderMetrics({ processMetrics: false });
  const reports = new NodeReports({ useLeases: false, leaseNamePrefix: 'x-', maxReportAgeMs: 0 });
  const ledger = new Ledger({ ttlMs: 60_000, maxReservations: 1000 });
  const inflight = new InflightHolds(15_000);
  const decisions = createDecisions({
    reports,
    ledger,
    inflight,
    managed: new Set([VF]),
    options: { score: 'tight', missingReport: 'reject' },
    now: () => now,
    metrics,
  });
  const feed = new ReservationFeed(ledger, decisions, {
    now: () => now,
    metrics,
    log: silentLogger,
    inflight,
  });
  reports.onChange((node, capacity) => feed.onReport(node, capacity));
  /** The node's report: free VFs per NUMA node (of 5) and the pods it counts. */
  const report = (node: string, free: [number, number], pods: string[] = []) =>
    reports.setReport(
      nodeState(node, {
        pools: { [VF]: { 0: { free: free[0], allocatable: 5 }, 1: { free: free[1], allocatable: 5 } } },
        pods: pods.map((p) => `uid-${p}`),
      }),
    );
  const pod = (name: string) => ({
    ...podOf(name, [container('app', { [VF]: 3 })]),
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
  });
  const filter = (name: string, nodes: string[]) => decisions.filter({ pod: pod(name), nodeNames: nodes });
  const bind = (name: string, node: string) =>
    feed.onPod({ ...pod(name), spec: { ...pod(name).spec!, nodeName: node } } as BoundPod);
  const fitOn = (name: string, node: string) => {
    const demand = decisions.demandOf(pod(name));
    if (!demand.ok) throw new Error(demand.message);
    return decisions.fitOn(demand.value, node);
  };
  return { report, filter, bind, fitOn, ledger, inflight, metrics };
}

describe('one pod per NUMA node, whatever the event order', () => {
  it('bound events in the other order than filtered, then a report counting only the first one admitted', () => {
    const c = cluster();
    c.report('n', [5, 5]);
    expect(c.filter('a', ['n']).fits).toEqual(['n']);
    expect(c.filter('b', ['n']).fits).toEqual(['n']);
    // The two Bindings race: b's lands first, so the kubelet admits b first, on NUMA node 0.
    c.bind('b', 'n');
    c.bind('a', 'n');
    // The agent reports between the two admissions: b counted on NUMA node 0, a not yet admitted.
    c.report('n', [2, 5], ['b']);
    // a will take NUMA node 1, the only one left: c must not pass.
    expect(c.filter('c', ['n']).failed).toEqual({ n: 'no NUMA node has 3 free wirespeed.io/race' });
  });

  it('a report counting a pod admitted where the reservation did not predict it', async () => {
    const c = cluster();
    c.report('n', [5, 5]);
    c.filter('a', ['n']);
    c.filter('b', ['n']);
    c.bind('a', 'n');
    c.bind('b', 'n');
    // b's Binding reached the kubelet first after all (pod creation order ties): b on 0, a still to come.
    c.report('n', [2, 5], ['b']);
    expect(c.ledger.get('uid-a')?.numaNode).toBe(1);
    expect(
      (await c.metrics.reservationEvents.get()).values.find((v) => v.labels.event === 'moved')?.value,
    ).toBe(1);
    expect(c.filter('c', ['n']).failed).toEqual({ n: 'no NUMA node has 3 free wirespeed.io/race' });
  });

  it('an in-flight hold predicted on a NUMA node that a later report shows taken', () => {
    const c = cluster();
    c.report('n', [5, 5]);
    c.report('m', [5, 5]);
    // a passes n and m, held on NUMA node 0 of each.
    expect(c.filter('a', ['n', 'm']).fits).toEqual(['n', 'm']);
    // x, bound to n by someone else, is reported before its bound event reaches us: NUMA node 0 taken.
    c.report('n', [2, 5], ['x']);
    c.bind('x', 'n');
    // If a goes to n, the kubelet puts it on NUMA node 1: nothing is left on n for c.
    expect(c.filter('c', ['n']).failed).toEqual({ n: 'no NUMA node has 3 free wirespeed.io/race' });
  });

  it('a reservation predicted around an in-flight hold the kubelet never sees', () => {
    const c = cluster();
    c.report('n', [5, 5]);
    c.filter('a', ['n']);
    c.filter('b', ['n']);
    // b is seen bound while a's hold is still on NUMA node 0; the kubelet admits b on NUMA node 0.
    c.bind('b', 'n');
    expect(c.ledger.get('uid-b')?.numaNode).toBe(0);
    // a's hold moves to NUMA node 1, where the kubelet would put a: still nothing for c.
    expect(c.filter('c', ['n']).failed).toEqual({ n: 'no NUMA node has 3 free wirespeed.io/race' });
    c.report('n', [2, 5], ['b']);
    expect(c.filter('c', ['n']).failed).toEqual({ n: 'no NUMA node has 3 free wirespeed.io/race' });
  });

  it('predicts the other holds on the nodes a bound pod had passed anew, without it', () => {
    const c = cluster();
    c.report('n', [5, 5]);
    c.report('m', [5, 5]);
    c.filter('a', ['n', 'm']);
    c.filter('b', ['n', 'm']);
    expect(c.fitOn('x', 'm').numaNode).toBeNull();
    // a goes to n: on m, b alone would be admitted on NUMA node 0, leaving NUMA node 1 for x.
    c.bind('a', 'n');
    expect(c.fitOn('x', 'm').numaNode).toBe(1);
    expect(c.fitOn('x', 'n').fits).toBe(false);
  });

  it('frees the slot again once the report shows the pods where they are', () => {
    const c = cluster();
    c.report('n', [5, 5]);
    c.filter('a', ['n']);
    c.bind('a', 'n');
    c.report('n', [5, 2], ['a']);
    expect(c.ledger.size).toBe(0);
    expect(c.filter('c', ['n']).fits).toEqual(['n']);
  });
});
