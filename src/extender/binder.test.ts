import { describe, expect, it } from 'vitest';
import { container, nodeState, podOf } from '../../test/support/fit.js';
import { Ledger } from '../core/fit/index.js';
import type { ApiResponse, RequestOptions } from '../kube/endpoint.js';
import { silentLogger } from '../telemetry/logger.js';
import { createBinder, RecentPods } from './binder.js';
import { createDecisions } from './decisions.js';
import { InflightHolds } from './inflight.js';
import { createExtenderMetrics } from './metrics.js';
import { NodeReports } from './node-reports.js';
import { ReservationFeed } from './reservations.js';

const A = 'intel.com/a';
const pod = (name: string, n: number) => podOf(name, [container('app', { [A]: n })]);
const args = (name: string, node = 'w1') => ({
  PodName: name,
  PodNamespace: 'default',
  PodUID: `uid-${name}`,
  Node: node,
});

function setup(answer: (path: string, opts: RequestOptions) => Promise<ApiResponse>) {
  const metrics = createExtenderMetrics({ processMetrics: false });
  const reports = new NodeReports({ useLeases: false, leaseNamePrefix: 'x-', maxReportAgeMs: 0 });
  reports.setReport(nodeState('w1', { pools: { [A]: { 0: 1, 1: 1 } } }));
  const ledger = new Ledger({ ttlMs: 60_000, maxReservations: 100 });
  const inflight = new InflightHolds(3000);
  const recent = new RecentPods();
  const decisions = createDecisions({
    reports,
    ledger,
    inflight,
    managed: new Set([A]),
    options: { score: 'tight', missingReport: 'reject' },
    now: Date.now,
    metrics,
    onFiltered: (p, demand) => recent.remember(p.metadata?.uid, demand),
  });
  const feed = new ReservationFeed(ledger, decisions, {
    now: Date.now,
    metrics,
    log: silentLogger,
    inflight,
  });
  const calls: { path: string; opts: RequestOptions }[] = [];
  const endpoint = {
    json: (path: string, opts: RequestOptions = {}) => {
      calls.push({ path, opts });
      return answer(path, opts);
    },
  };
  const bind = createBinder({ endpoint, decisions, feed, recent, metrics, log: silentLogger });
  return { bind, decisions, ledger, calls, metrics, feed, reports };
}

describe('bind mode', () => {
  it('re-checks, reserves and POSTs the Binding; the third of three racing pods is refused', async () => {
    const { bind, decisions, ledger, calls } = setup(async () => ({ status: 201, body: {} }));
    for (const name of ['a', 'b', 'c']) decisions.filter({ pod: pod(name, 1), nodeNames: ['w1'] });
    const results = await Promise.all(['a', 'b', 'c'].map((name) => bind(args(name))));
    // Filtered while a and b were in flight, c never passed; filtered first it would have, and bind refuses it.
    expect(results.filter((r) => r === undefined)).toHaveLength(2);
    expect(
      ledger
        .reservationsOn('w1')
        .map((r) => r.numaNode)
        .sort(),
    ).toEqual([0, 1]);
    expect(calls[0]).toEqual({
      path: '/api/v1/namespaces/default/pods/a/binding',
      opts: {
        method: 'POST',
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name: 'a', namespace: 'default', uid: 'uid-a' },
          target: { apiVersion: 'v1', kind: 'Node', name: 'w1' },
        },
      },
    });
  });

  it('refuses with the reason when the node no longer fits, so the scheduler requeues the pod', async () => {
    const { bind, decisions } = setup(async () => ({ status: 201, body: {} }));
    for (const name of ['a', 'b', 'late']) decisions.filter({ pod: pod(name, 1), nodeNames: ['w1'] });
    expect(await bind(args('a'))).toBeUndefined();
    expect(await bind(args('b'))).toBeUndefined();
    expect(await bind(args('late'))).toBe('node w1 no longer fits: no NUMA node has 1 free intel.com/a');
  });

  it('releases the reservation when the Binding fails, and says why', async () => {
    const { bind, decisions, ledger, metrics } = setup(async () => ({
      status: 409,
      body: { message: 'pod a is already assigned to node w2' },
    }));
    decisions.filter({ pod: pod('a', 1), nodeNames: ['w1'] });
    expect(await bind(args('a'))).toBe(
      'binding default/a to w1 failed: HTTP 409: pod a is already assigned to node w2',
    );
    expect(ledger.size).toBe(0);
    expect((await metrics.binds.get()).values.map((v) => [v.labels.result, v.value])).toEqual([['error', 1]]);
  });

  it('refuses a second bind of a pod to another node while the first holds its reservation', async () => {
    const { bind, decisions, ledger, feed, reports } = setup(async (path) =>
      path.endsWith('/binding') ? { status: 201, body: {} } : { status: 200, body: pod('a', 1) },
    );
    reports.setReport(nodeState('w2', { pools: { [A]: { 0: 1 } } }));
    decisions.filter({ pod: pod('a', 1), nodeNames: ['w1', 'w2'] });
    expect(await bind(args('a', 'w1'))).toBeUndefined();
    // The scheduler timed out on the first reply and tried w2: the first binding decides.
    expect(await bind(args('a', 'w2'))).toBe('pod default/a is being bound to w1 already');
    expect(ledger.get('uid-a')?.node).toBe('w1');
    // A failed bind elsewhere never drops the reservation where the pod is.
    feed.cancelBinding('uid-a', 'w2');
    expect(ledger.get('uid-a')?.node).toBe('w1');
    // Seen bound to w2 after all (another binder won): the reservation moves there.
    feed.onPod({
      ...pod('a', 1),
      metadata: { name: 'a', uid: 'uid-a' },
      spec: { ...pod('a', 1).spec!, nodeName: 'w2' },
    });
    expect(ledger.get('uid-a')).toMatchObject({ node: 'w2', numaNode: 0 });
  });

  it('reads a pod it did not filter from the API server', async () => {
    const { bind, calls } = setup(async (path) =>
      path.endsWith('/binding') ? { status: 201, body: {} } : { status: 200, body: pod('x', 1) },
    );
    expect(await bind(args('x'))).toBeUndefined();
    expect(calls.map((c) => c.path)).toEqual([
      '/api/v1/namespaces/default/pods/x',
      '/api/v1/namespaces/default/pods/x/binding',
    ]);
  });
});
