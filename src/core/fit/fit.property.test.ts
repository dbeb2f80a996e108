import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NodeNetworkStateStatus, TopologyManagerPolicy } from '../../api/wirespeed-v1alpha1.js';
import { indexReport } from './capacity.js';
import type { Demand, PodDemand } from './demand.js';
import { DEFAULT_FIT_OPTIONS, type FitOptions, fitNode } from './fit.js';
import { heldOf } from './held.js';

const A = 'intel.com/sriov_a';
const B = 'intel.com/sriov_b';

interface Cell {
  pool: string;
  numaNode: number;
  free: number;
  allocatable: number;
}

/** A node: 1–4 NUMA nodes (ids may skip), pools A and B with random counts, sometimes unknown-NUMA devices. */
const cellsArb = fc
  .tuple(fc.uniqueArray(fc.nat({ max: 5 }), { minLength: 1, maxLength: 4 }), fc.boolean(), fc.boolean())
  .chain(([numa, unknownA, onlyUnknownB]) => {
    const slots: [string, number][] = [
      ...numa.map((k) => [A, k] as [string, number]),
      ...(unknownA ? [[A, -1] as [string, number]] : []),
      ...(onlyUnknownB ? [[B, -1] as [string, number]] : numa.map((k) => [B, k] as [string, number])),
    ];
    return fc.tuple(
      ...slots.map(([pool, numaNode]) =>
        fc
          .tuple(fc.nat({ max: 6 }), fc.nat({ max: 3 }))
          .map(([free, extra]): Cell => ({ pool, numaNode, free, allocatable: free + extra })),
      ),
    );
  });

function statusOf(
  cells: readonly Cell[],
  policy: TopologyManagerPolicy,
  scope: 'pod' | 'container',
): NodeNetworkStateStatus {
  const pools = new Map<string, Cell[]>();
  for (const c of cells) pools.set(c.pool, [...(pools.get(c.pool) ?? []), c]);
  return {
    kubelet: { topologyManagerPolicy: policy, topologyManagerScope: scope },
    pools: [...pools].map(([resourceName, cs]) => ({
      resourceName,
      deviceType: 'vfio-pci',
      numaNodes: cs.map((c) => ({
        numaNode: c.numaNode,
        capacity: c.allocatable,
        allocatable: c.allocatable,
        allocated: c.allocatable - c.free,
        free: c.free,
      })),
    })),
    pods: [],
    reportTime: '2026-12-01T09:00:00Z',
  };
}

const demandArb = fc
  .tuple(fc.nat({ max: 5 }), fc.nat({ max: 3 }))
  .filter(([a, b]) => a + b > 0)
  .map(([a, b]): PodDemand => {
    const pod: Demand = new Map(
      [
        [A, a],
        [B, b],
      ].filter(([, n]) => (n as number) > 0) as [string, number][],
    );
    return { pod, containers: [{ name: 'app', kind: 'app', demand: pod }] };
  });

const heldArb = fc.array(
  fc.record({
    numaNode: fc.option(fc.nat({ max: 5 }), { nil: null }),
    a: fc.nat({ max: 2 }),
    b: fc.nat({ max: 2 }),
  }),
  { maxLength: 3 },
);
const toHeld = (hs: { numaNode: number | null; a: number; b: number }[]) =>
  heldOf(
    hs.map((h) => ({
      numaNode: h.numaNode,
      demand: new Map([
        [A, h.a],
        [B, h.b],
      ]),
    })),
  );

const SNN = (scope: 'pod' | 'container') => fc.constant(['single-numa-node', scope] as const);
const policyArb = fc.oneof(
  SNN('pod'),
  SNN('container'),
  fc.tuple(
    fc.constantFrom<TopologyManagerPolicy>('restricted', 'best-effort', 'none'),
    fc.constantFrom('pod', 'container'),
  ),
);

/** Independent check: usable devices of `pool` on NUMA node k, as the kubelet would count them. */
function usableOn(cells: readonly Cell[], pool: string, k: number, held: ReturnType<typeof toHeld>): number {
  const aligned = cells.some((c) => c.pool === pool && c.numaNode >= 0 && c.allocatable > 0);
  const mine = cells.filter((c) => c.pool === pool);
  const total = held.total.get(pool) ?? 0;
  if (!aligned) return Math.max(0, mine.reduce((s, c) => s + c.free, 0) - total);
  const free = mine.filter((c) => c.numaNode === k).reduce((s, c) => s + c.free, 0);
  return Math.max(0, free - (held.byNuma.get(k)?.get(pool) ?? 0) - (held.anyNuma.get(pool) ?? 0));
}

const options: FitOptions = DEFAULT_FIT_OPTIONS;

describe('fitNode (properties)', () => {
  it('single-numa-node never admits a node lacking the devices on one NUMA node; the chosen one is the lowest and holds every pool', () => {
    fc.assert(
      fc.property(cellsArb, demandArb, heldArb, (cells, demand, hs) => {
        const held = toHeld(hs);
        const capacity = indexReport(statusOf(cells, 'single-numa-node', 'pod'));
        const fit = fitNode(demand, { capacity, held }, options);
        const numa = [...new Set(cells.map((c) => c.numaNode).filter((k) => k >= 0))].sort((a, b) => a - b);
        const holds = (k: number) =>
          [...demand.pod].every(([pool, n]) => usableOn(cells, pool, k, held) >= n);
        const feasible = numa.filter(holds);
        expect(fit.fits).toBe(feasible.length > 0);
        if (fit.fits) {
          const anyAligned = [...demand.pod.keys()].some((p) =>
            cells.some((c) => c.pool === p && c.numaNode >= 0 && c.allocatable > 0),
          );
          expect(fit.numaNode).toBe(anyAligned ? feasible[0] : null);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('is monotone in free capacity: freed devices never turn a fit into a misfit, nor change unresolvable', () => {
    fc.assert(
      fc.property(
        cellsArb,
        demandArb,
        heldArb,
        policyArb,
        fc.nat(),
        fc.integer({ min: 1, max: 4 }),
        (cells, demand, hs, [policy, scope], at, more) => {
          const held = toHeld(hs);
          const before = fitNode(
            demand,
            { capacity: indexReport(statusOf(cells, policy, scope)), held },
            options,
          );
          const i = at % cells.length;
          // Devices freed (a pod ended): free grows up to allocatable; the node's devices stay the same.
          const grown = cells.map((c, j) =>
            j === i ? { ...c, free: Math.min(c.allocatable, c.free + more) } : c,
          );
          const after = fitNode(
            demand,
            { capacity: indexReport(statusOf(grown, policy, scope)), held },
            options,
          );
          if (before.fits) expect(after.fits).toBe(true);
          expect(after.unresolvable).toBe(before.unresolvable);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('reservations reduce capacity exactly: holding n on NUMA k is the same as n fewer free there', () => {
    fc.assert(
      fc.property(
        cellsArb,
        demandArb,
        fc.nat(),
        fc.integer({ min: 1, max: 3 }),
        policyArb,
        (cells, demand, at, n, [policy, scope]) => {
          const i = at % cells.length;
          const cell = cells[i]!;
          if (cell.numaNode < 0 || cell.free < n) return;
          const aligned = cells.some((c) => c.pool === cell.pool && c.numaNode >= 0 && c.allocatable > 0);
          if (!aligned) return;
          const held = heldOf([{ numaNode: cell.numaNode, demand: new Map([[cell.pool, n]]) }]);
          const withHeld = fitNode(
            demand,
            { capacity: indexReport(statusOf(cells, policy, scope)), held },
            options,
          );
          const fewer = cells.map((c, j) => (j === i ? { ...c, free: c.free - n } : c));
          const withFewer = fitNode(
            demand,
            { capacity: indexReport(statusOf(fewer, policy, scope)) },
            options,
          );
          expect(withHeld).toEqual(withFewer);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a single-container pod fits the same in pod and container scope', () => {
    fc.assert(
      fc.property(cellsArb, demandArb, heldArb, (cells, demand, hs) => {
        const held = toHeld(hs);
        const pod = fitNode(
          demand,
          { capacity: indexReport(statusOf(cells, 'single-numa-node', 'pod')), held },
          options,
        );
        const ctr = fitNode(
          demand,
          { capacity: indexReport(statusOf(cells, 'single-numa-node', 'container')), held },
          options,
        );
        expect({ ...ctr, reason: ctr.reason?.replace('container app: ', '') ?? null }).toEqual(pod);
      }),
      { numRuns: 500 },
    );
  });

  it('answers are well formed: integer score 0–10, a reason exactly when it does not fit, unresolvable only then', () => {
    fc.assert(
      fc.property(
        cellsArb,
        demandArb,
        heldArb,
        policyArb,
        fc.constantFrom('tight', 'spread'),
        (cells, demand, hs, [policy, scope], score) => {
          const fit = fitNode(
            demand,
            { capacity: indexReport(statusOf(cells, policy, scope)), held: toHeld(hs) },
            { score, missingReport: 'reject' },
          );
          expect(Number.isInteger(fit.score) && fit.score >= 0 && fit.score <= 10).toBe(true);
          expect(fit.reason === null).toBe(fit.fits);
          if (fit.fits) expect(fit.unresolvable).toBe(false);
          else expect(fit.score).toBe(0);
          if (fit.fits && policy === 'single-numa-node') expect(fit.score).toBeGreaterThanOrEqual(2);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('unresolvable means an empty node (every device free, nothing held) would refuse it too', () => {
    fc.assert(
      fc.property(cellsArb, demandArb, heldArb, policyArb, (cells, demand, hs, [policy, scope]) => {
        const fit = fitNode(
          demand,
          { capacity: indexReport(statusOf(cells, policy, scope)), held: toHeld(hs) },
          options,
        );
        const empty = cells.map((c) => ({ ...c, free: c.allocatable }));
        const ideal = fitNode(demand, { capacity: indexReport(statusOf(empty, policy, scope)) }, options);
        expect(fit.unresolvable).toBe(!ideal.fits);
      }),
      { numRuns: 1000 },
    );
  });
});
