import { describe, expect, it } from 'vitest';
import { heldOf } from './held.js';
import { Ledger } from './ledger.js';

const A = 'intel.com/sriov_a';
const B = 'intel.com/sriov_b';
const d = (a: number, b = 0) =>
  new Map(
    [
      [A, a],
      [B, b],
    ].filter(([, n]) => (n as number) > 0) as [string, number][],
  );
const plain = (held: ReturnType<Ledger['heldOn']>) => ({
  byNuma: Object.fromEntries([...held.byNuma].map(([k, m]) => [k, Object.fromEntries(m)])),
  anyNuma: Object.fromEntries(held.anyNuma),
  total: Object.fromEntries(held.total),
});

describe('Ledger', () => {
  it('holds reservations per node and NUMA node', () => {
    const ledger = new Ledger({ ttlMs: 60_000, maxReservations: 10 });
    expect(ledger.reserve({ podUid: 'u1', node: 'n1', numaNode: 0, demand: d(2) }, 1000)).toBe('added');
    expect(ledger.reserve({ podUid: 'u2', node: 'n1', numaNode: null, demand: d(1, 1) }, 1001)).toBe('added');
    expect(ledger.reserve({ podUid: 'u3', node: 'n2', numaNode: 1, demand: d(3) }, 1002)).toBe('added');
    expect(plain(ledger.heldOn('n1'))).toEqual({
      byNuma: { 0: { [A]: 2 } },
      anyNuma: { [A]: 1, [B]: 1 },
      total: { [A]: 3, [B]: 1 },
    });
    expect(ledger.reservationsOn('n1').map((r) => r.podUid)).toEqual(['u1', 'u2']);
    expect(plain(ledger.heldOn('n3'))).toEqual({ byNuma: {}, anyNuma: {}, total: {} });
    expect(ledger.size).toBe(3);
  });

  it('replans a node oldest first, telling each prediction what the earlier ones hold', () => {
    const ledger = new Ledger({ ttlMs: 60_000, maxReservations: 10 });
    ledger.reserve({ podUid: 'u1', node: 'n1', numaNode: 1, demand: d(3) }, 100);
    ledger.reserve({ podUid: 'u2', node: 'n1', numaNode: 0, demand: d(3) }, 101);
    ledger.reserve({ podUid: 'u3', node: 'n2', numaNode: 1, demand: d(1) }, 102);
    const seen: [string, unknown][] = [];
    // Lowest NUMA node with nothing held yet, as the kubelet would pick on an empty two-NUMA node.
    const changed = ledger.replan('n1', (r, before) => {
      seen.push([r.podUid, plain(before)]);
      return before.byNuma.has(0) ? 1 : 0;
    });
    expect(changed).toBe(2);
    expect(seen).toEqual([
      ['u1', { byNuma: {}, anyNuma: {}, total: {} }],
      ['u2', { byNuma: { 0: { [A]: 3 } }, anyNuma: {}, total: { [A]: 3 } }],
    ]);
    expect(ledger.reservationsOn('n1').map((r) => [r.podUid, r.numaNode])).toEqual([
      ['u1', 0],
      ['u2', 1],
    ]);
    expect(ledger.get('u1')?.numaNode).toBe(0);
    expect(plain(ledger.heldOn('n1'))).toEqual({
      byNuma: { 0: { [A]: 3 }, 1: { [A]: 3 } },
      anyNuma: {},
      total: { [A]: 6 },
    });
    expect(ledger.get('u3')?.numaNode).toBe(1);
    expect(ledger.replan('n9', () => 0)).toBe(0);
    expect([...ledger.nodes()]).toEqual(['n1', 'n2']);
  });

  it('keeps the first reservation of a pod: updates never extend or move it', () => {
    const ledger = new Ledger({ ttlMs: 10, maxReservations: 10 });
    ledger.reserve({ podUid: 'u1', node: 'n1', numaNode: 0, demand: d(2) }, 100);
    expect(ledger.reserve({ podUid: 'u1', node: 'n1', numaNode: 1, demand: d(5) }, 105)).toBe('kept');
    expect(ledger.get('u1')).toEqual({ podUid: 'u1', node: 'n1', numaNode: 0, demand: d(2), createdAt: 100 });
    expect(ledger.expire(109)).toBe(0);
    expect(ledger.expire(110)).toBe(1);
    expect(ledger.size).toBe(0);
  });

  it('settles per pod: a report drops exactly the pods it lists, on that node', () => {
    const ledger = new Ledger({ ttlMs: 60_000, maxReservations: 10 });
    ledger.reserve({ podUid: 'u1', node: 'n1', numaNode: 0, demand: d(2) }, 0);
    ledger.reserve({ podUid: 'u2', node: 'n1', numaNode: 0, demand: d(1) }, 0);
    ledger.reserve({ podUid: 'u3', node: 'n2', numaNode: 0, demand: d(1) }, 0);
    expect(ledger.observeReport('n1', new Set(['u1', 'u3', 'other']))).toBe(1);
    expect(ledger.reservationsOn('n1').map((r) => r.podUid)).toEqual(['u2']);
    expect(ledger.get('u3')?.node).toBe('n2');
    expect(plain(ledger.heldOn('n1')).total).toEqual({ [A]: 1 });
  });

  it('does not reserve a pod the node already reports, until that report is gone', () => {
    const ledger = new Ledger({ ttlMs: 60_000, maxReservations: 10 });
    ledger.observeReport('n1', new Set(['u1']));
    expect(ledger.reserve({ podUid: 'u1', node: 'n1', numaNode: 0, demand: d(1) }, 0)).toBe('reported');
    expect(ledger.reserve({ podUid: 'u1', node: 'n2', numaNode: 0, demand: d(1) }, 0)).toBe('added');
    ledger.observeReport('n1', undefined);
    expect(ledger.reserve({ podUid: 'u9', node: 'n1', numaNode: 0, demand: d(1) }, 0)).toBe('added');
  });

  it('releases a pod that is gone or terminal', () => {
    const ledger = new Ledger({ ttlMs: 60_000, maxReservations: 10 });
    ledger.reserve({ podUid: 'u1', node: 'n1', numaNode: 0, demand: d(2) }, 0);
    expect(ledger.release('u1')).toBe(true);
    expect(ledger.release('u1')).toBe(false);
    expect(ledger.reservationsOn('n1')).toEqual([]);
  });

  it('is bounded: the oldest reservation is evicted and counted', () => {
    const ledger = new Ledger({ ttlMs: 60_000, maxReservations: 2 });
    ledger.reserve({ podUid: 'u1', node: 'n1', numaNode: 0, demand: d(1) }, 0);
    ledger.reserve({ podUid: 'u2', node: 'n1', numaNode: 0, demand: d(1) }, 1);
    ledger.reserve({ podUid: 'u3', node: 'n2', numaNode: 0, demand: d(1) }, 2);
    expect([ledger.size, ledger.evictions, ledger.get('u1')]).toEqual([2, 1, undefined]);
    expect(plain(ledger.heldOn('n1')).total).toEqual({ [A]: 1 });
  });

  it('clamps a clock step back so expiry stays in creation order', () => {
    const ledger = new Ledger({ ttlMs: 10, maxReservations: 10 });
    ledger.reserve({ podUid: 'u1', node: 'n1', numaNode: 0, demand: d(1) }, 100);
    ledger.reserve({ podUid: 'u2', node: 'n1', numaNode: 0, demand: d(1) }, 50);
    expect(ledger.get('u2')?.createdAt).toBe(100);
    expect(ledger.expire(109)).toBe(0);
    expect(ledger.expire(110)).toBe(2);
  });

  it('holds what heldOf computes from the same reservations', () => {
    const ledger = new Ledger({ ttlMs: 60_000, maxReservations: 10 });
    const rs = [
      { podUid: 'a', node: 'n', numaNode: 1, demand: d(1, 2) },
      { podUid: 'b', node: 'n', numaNode: null, demand: d(2) },
    ];
    for (const r of rs) ledger.reserve(r, 0);
    expect(plain(ledger.heldOn('n'))).toEqual(plain(heldOf(rs)));
  });
});
