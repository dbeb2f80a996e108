/**
 * The fit against a device-level simulation of the kubelet's device manager and Topology Manager under
 * `single-numa-node` (topology_hints.go, manager.go `Allocate`/`devicesToAllocate`): individual devices with a
 * NUMA node or none, hints per single NUMA node, reusable devices of plain init containers, allocation order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NodeNetworkStateStatus } from '../../api/wirespeed-v1alpha1.js';
import { indexReport } from './capacity.js';
import type { ContainerDemand, ContainerKind, PodDemand } from './demand.js';
import { fitNode } from './fit.js';
import { Ledger } from './ledger.js';

const POOLS = ['intel.com/sriov_a', 'intel.com/sriov_b'] as const;

interface Device {
  id: number;
  pool: string;
  numa: number | null;
  healthy: boolean;
  allocated: boolean;
}

const devicesArb = fc
  .array(
    fc.record({
      pool: fc.constantFrom(...POOLS),
      numa: fc.option(fc.nat({ max: 2 }), { nil: null, freq: 6 }),
      healthy: fc.nat({ max: 9 }).map((n) => n > 1),
      allocated: fc.boolean(),
    }),
    { maxLength: 16 },
  )
  .map((ds) => ds.map((d, id): Device => ({ ...d, id })));

const containersArb = fc.array(
  fc.record({
    kind: fc.constantFrom<ContainerKind>('init', 'sidecar', 'app'),
    a: fc.nat({ max: 3 }),
    b: fc.nat({ max: 2 }),
  }),
  { minLength: 1, maxLength: 4 },
);

function podDemandOf(cs: { kind: ContainerKind; a: number; b: number }[]): PodDemand {
  // Init containers first, in order, as the kubelet admits them.
  const ordered = [...cs.filter((c) => c.kind !== 'app'), ...cs.filter((c) => c.kind === 'app')];
  const containers: ContainerDemand[] = ordered
    .map((c, i) => ({
      name: `c${i}`,
      kind: c.kind,
      demand: new Map(
        [
          [POOLS[0], c.a],
          [POOLS[1], c.b],
        ].filter(([, n]) => (n as number) > 0) as [string, number][],
      ),
    }))
    .filter((c) => c.demand.size > 0);
  const pod = new Map<string, number>();
  for (const pool of POOLS) {
    let apps = 0;
    let sidecars = 0;
    let inits = 0;
    for (const c of containers) {
      const n = c.demand.get(pool) ?? 0;
      if (c.kind === 'app') apps += n;
      else if (c.kind === 'sidecar') sidecars += n;
      else inits = Math.max(inits, n + sidecars);
    }
    const total = Math.max(apps + sidecars, inits);
    if (total > 0) pod.set(pool, total);
  }
  return { pod, containers };
}

function reportOf(
  devices: Device[],
  scope: 'pod' | 'container',
  policy: 'single-numa-node' | 'restricted' = 'single-numa-node',
): NodeNetworkStateStatus {
  return {
    kubelet: { topologyManagerPolicy: policy, topologyManagerScope: scope },
    pools: POOLS.map((resourceName) => {
      const mine = devices.filter((d) => d.pool === resourceName);
      const numas = [...new Set(mine.map((d) => d.numa ?? -1))];
      return {
        resourceName,
        deviceType: 'vfio-pci' as const,
        numaNodes: numas.map((k) => {
          const on = mine.filter((d) => (d.numa ?? -1) === k);
          const allocatable = on.filter((d) => d.healthy).length;
          const free = on.filter((d) => d.healthy && !d.allocated).length;
          return { numaNode: k, capacity: on.length, allocatable, allocated: allocatable - free, free };
        }),
      };
    }),
    pods: [],
    reportTime: '2026-12-01T09:00:00Z',
  };
}

/** The kubelet: admits the pod or not, and the NUMA nodes its containers were aligned to. */
function kubelet(devices: Device[], demand: PodDemand, scope: 'pod' | 'container') {
  const devs = devices.map((d) => ({ ...d }));
  const machineNuma = [...new Set(devs.flatMap((d) => (d.numa === null ? [] : [d.numa])))].sort(
    (a, b) => a - b,
  );
  const reuse = new Map<string, Set<Device>>(POOLS.map((p) => [p, new Set()]));
  const aligned = (pool: string) => devs.some((d) => d.pool === pool && d.numa !== null);
  const available = (pool: string) => devs.filter((d) => d.pool === pool && d.healthy && !d.allocated);

  /** generateDeviceTopologyHints, single-NUMA masks only (single-numa-node admits nothing wider). */
  const hintOk = (pool: string, n: number, k: number, reusable: Set<Device>): boolean => {
    let matching = 0;
    for (const d of reusable) {
      if (d.numa === null) continue;
      if (d.numa !== k) return false;
      matching++;
    }
    for (const d of available(pool)) if (d.numa === k) matching++;
    return matching >= n;
  };
  /** Merged affinity: null = any NUMA node, undefined = rejected. */
  const affinity = (need: ReadonlyMap<string, number>, withReuse: boolean): number | null | undefined => {
    const constrained = [...need].filter(([pool]) => aligned(pool));
    for (const [pool, n] of constrained) {
      const reusable = withReuse ? reuse.get(pool)! : new Set<Device>();
      if (available(pool).length + reusable.size < n) return undefined;
    }
    if (constrained.length === 0) return null;
    return machineNuma.find((k) =>
      constrained.every(([pool, n]) => hintOk(pool, n, k, withReuse ? reuse.get(pool)! : new Set())),
    );
  };
  /** devicesToAllocate: reusable first, then aligned, then without topology, then the rest. */
  const allocate = (c: ContainerDemand, k: number | null): boolean => {
    for (const [pool, n] of c.demand) {
      const got: Device[] = [...reuse.get(pool)!].slice(0, n);
      const order = available(pool).sort((x, y) => rank(x, k) - rank(y, k));
      for (const d of order) if (got.length < n) got.push(d);
      if (got.length < n) return false;
      for (const d of got) d.allocated = true;
      const r = reuse.get(pool)!;
      for (const d of got) {
        if (c.kind === 'init') r.add(d);
        else r.delete(d);
      }
    }
    return true;
  };
  const chosen = new Set<number>();
  if (scope === 'pod') {
    const k = affinity(demand.pod, false);
    if (k === undefined) return { admitted: false, numaNode: null };
    for (const c of demand.containers) if (!allocate(c, k)) return { admitted: false, numaNode: null };
    return { admitted: true, numaNode: k, devices: devs };
  }
  for (const c of demand.containers) {
    const k = affinity(c.demand, true);
    if (k === undefined || !allocate(c, k)) return { admitted: false, numaNode: null };
    if (k !== null) chosen.add(k);
  }
  return { admitted: true, numaNode: chosen.size === 1 ? [...chosen][0]! : null, devices: devs };
}

function rank(d: Device, k: number | null): number {
  if (k === null || d.numa === k) return 0;
  return d.numa === null ? 1 : 2;
}

describe('single-numa-node fit against a device-level kubelet simulation', () => {
  for (const scope of ['pod', 'container'] as const) {
    it(`admits exactly the pods the kubelet admits, on the same NUMA node (${scope} scope)`, () => {
      fc.assert(
        fc.property(devicesArb, containersArb, (devices, cs) => {
          const demand = podDemandOf(cs);
          if (demand.pod.size === 0) return;
          const report = reportOf(devices, scope);
          const fit = fitNode(demand, { capacity: indexReport(report) });
          const want = kubelet(devices, demand, scope);
          expect({ fits: fit.fits, numaNode: fit.numaNode }).toEqual({
            fits: want.admitted,
            numaNode: want.numaNode,
          });
        }),
        { numRuns: 2000 },
      );
    });
  }
});

/** The kubelet under `restricted`, pod scope: admitted when some preferred hint of every pool intersects. */
function kubeletRestricted(devices: Device[], demand: ReadonlyMap<string, number>): boolean {
  const numa = [...new Set(devices.flatMap((d) => (d.numa === null ? [] : [d.numa])))];
  const masks: number[][] = [];
  for (let bits = 1; bits < 1 << numa.length; bits++) masks.push(numa.filter((_, i) => bits & (1 << i)));
  const preferredPerPool: number[][][] = [];
  for (const [pool, n] of demand) {
    const all = devices.filter((d) => d.pool === pool);
    const available = all.filter((d) => d.healthy && !d.allocated);
    if (available.length < n) return false;
    if (!all.some((d) => d.numa !== null)) continue; // no topology: no preference
    const inMask = (ds: Device[], m: number[]) =>
      ds.filter((d) => d.numa !== null && m.includes(d.numa)).length;
    let minAffinity = numa.length;
    for (const m of masks) if (inMask(all, m) >= n && m.length < minAffinity) minAffinity = m.length;
    preferredPerPool.push(masks.filter((m) => inMask(available, m) >= n && m.length === minAffinity));
  }
  const intersects = (chosen: number[][], rest: number[][][]): boolean => {
    if (rest.length === 0) return chosen.length === 0 || numa.some((k) => chosen.every((m) => m.includes(k)));
    return rest[0]!.some((m) => intersects([...chosen, m], rest.slice(1)));
  };
  return intersects([], preferredPerPool);
}

describe('restricted fit against the kubelet', () => {
  it('admits exactly the pods the kubelet admits (pod scope, and container scope with one container)', () => {
    fc.assert(
      fc.property(devicesArb, containersArb, fc.boolean(), (devices, cs, podScope) => {
        const demand = podDemandOf(podScope ? cs : cs.slice(0, 1));
        if (demand.pod.size === 0) return;
        const capacity = indexReport(reportOf(devices, podScope ? 'pod' : 'container', 'restricted'));
        expect(fitNode(demand, { capacity }).fits).toBe(kubeletRestricted(devices, demand.pod));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('a burst against the ledger, with reports that never catch up', () => {
  it('every pod the fit admits (under the ledger) the kubelet admits too: no TopologyAffinityError', () => {
    fc.assert(
      fc.property(
        fc.array(devicesArb, { minLength: 1, maxLength: 3 }),
        fc.array(containersArb, { minLength: 1, maxLength: 12 }),
        fc.constantFrom<'pod' | 'container'>('pod', 'container'),
        (nodes, pods, scope) => {
          // The reports are taken once; only the ledger knows what was placed since.
          const capacities = nodes.map((devices) => indexReport(reportOf(devices, scope)));
          const state = nodes.map((devices) => devices);
          const ledger = new Ledger({ ttlMs: 60_000, maxReservations: 1000 });
          pods.forEach((cs, p) => {
            const demand = podDemandOf(cs);
            if (demand.pod.size === 0) return;
            const fits = capacities.map((capacity, i) =>
              fitNode(demand, { capacity, held: ledger.heldOn(`n${i}`) }),
            );
            const best = fits.reduce<number | undefined>(
              (b, f, i) => (f.fits && (b === undefined || f.score > fits[b]!.score) ? i : b),
              undefined,
            );
            if (best === undefined) return;
            const judged = kubelet(state[best]!, demand, scope);
            expect(judged.admitted).toBe(true);
            expect(judged.numaNode).toBe(fits[best]!.numaNode);
            state[best] = judged.devices!;
            ledger.reserve(
              { podUid: `p${p}`, node: `n${best}`, numaNode: fits[best]!.numaNode, demand: demand.pod },
              p,
            );
          });
        },
      ),
      { numRuns: 1000 },
    );
  });
});
