import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { heldOf } from './held.js';
import { Ledger } from './ledger.js';

const NODES = ['n1', 'n2', 'n3'];
const A = 'intel.com/sriov_a';
const B = 'intel.com/sriov_b';

const opArb = fc.oneof(
  fc.record({
    op: fc.constant('reserve' as const),
    uid: fc.nat({ max: 12 }),
    node: fc.constantFrom(...NODES),
    numaNode: fc.option(fc.nat({ max: 2 }), { nil: null }),
    a: fc.nat({ max: 3 }),
    b: fc.nat({ max: 3 }),
    dt: fc.nat({ max: 5 }),
  }),
  fc.record({ op: fc.constant('release' as const), uid: fc.nat({ max: 12 }) }),
  fc.record({
    op: fc.constant('report' as const),
    node: fc.constantFrom(...NODES),
    uids: fc.option(fc.uniqueArray(fc.nat({ max: 12 })), { nil: undefined }),
  }),
  fc.record({ op: fc.constant('expire' as const), dt: fc.nat({ max: 20 }) }),
);

const plain = (h: ReturnType<typeof heldOf>) => ({
  byNuma: Object.fromEntries([...h.byNuma].map(([k, m]) => [k, Object.fromEntries(m)])),
  anyNuma: Object.fromEntries(h.anyNuma),
  total: Object.fromEntries(h.total),
});

describe('Ledger (properties)', () => {
  it('held devices always equal the sum of the open reservations, per node, and the model agrees on which are open', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), fc.integer({ min: 1, max: 8 }), (ops, max) => {
        const ttl = 15;
        const ledger = new Ledger({ ttlMs: ttl, maxReservations: max });
        // The model: a plain list in creation order, and the last reported pods per node.
        let open: {
          uid: string;
          node: string;
          numaNode: number | null;
          demand: Map<string, number>;
          at: number;
        }[] = [];
        const reported = new Map<string, Set<string>>();
        let now = 0;
        let evictions = 0;
        for (const o of ops) {
          if (o.op === 'reserve') {
            now += o.dt;
            const uid = `u${o.uid}`;
            const demand = new Map([
              [A, o.a],
              [B, o.b],
            ]);
            ledger.reserve({ podUid: uid, node: o.node, numaNode: o.numaNode, demand }, now);
            if (open.some((r) => r.uid === uid) || reported.get(o.node)?.has(uid)) continue;
            if (open.length >= max) {
              open = open.slice(1);
              evictions++;
            }
            open.push({ uid, node: o.node, numaNode: o.numaNode, demand, at: now });
          } else if (o.op === 'release') {
            ledger.release(`u${o.uid}`);
            open = open.filter((r) => r.uid !== `u${o.uid}`);
          } else if (o.op === 'report') {
            const uids = o.uids === undefined ? undefined : new Set(o.uids.map((u) => `u${u}`));
            ledger.observeReport(o.node, uids);
            if (uids === undefined) reported.delete(o.node);
            else {
              reported.set(o.node, uids);
              open = open.filter((r) => !(r.node === o.node && uids.has(r.uid)));
            }
          } else {
            now += o.dt;
            ledger.expire(now);
            open = open.filter((r) => r.at + ttl > now);
          }
        }
        expect(ledger.size).toBe(open.length);
        expect(ledger.evictions).toBe(evictions);
        for (const node of NODES) {
          const mine = open.filter((r) => r.node === node);
          expect(ledger.reservationsOn(node).map((r) => r.podUid)).toEqual(mine.map((r) => r.uid));
          expect(plain(ledger.heldOn(node))).toEqual(plain(heldOf(mine)));
        }
      }),
      { numRuns: 500 },
    );
  });
});
