import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { device, pool } from '../../../test/support/report.js';
import type { Pool } from '../pools/types.js';
import {
  accountNode,
  type KubeletDevices,
  type PodResources,
  podKey,
  type ReportInput,
} from './accounting.js';
import { sameReport } from './same-report.js';

const RESOURCES = ['intel.com/sriov_a', 'intel.com/sriov_b'];
/** A small ID space so pods, pools and the kubelet collide often; `99` IDs are in no pool. */
const ID_SPACE = [...Array.from({ length: 12 }, (_, i) => `0000:3b:02.${i}`), '0000:99:00.0', '0000:99:00.1'];
const PODS = ['a/p1', 'a/p2', 'b/p1', 'b/p3'];
const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', undefined];

const arbPools: fc.Arbitrary<Pool[]> = fc
  .uniqueArray(fc.constantFrom(...RESOURCES), { minLength: 1 })
  .chain((names) =>
    fc.tuple(
      ...names.map((name) =>
        fc
          .uniqueArray(
            fc.record({
              id: fc.constantFrom(...ID_SPACE.slice(0, 12)),
              numaNode: fc.integer({ min: -1, max: 2 }),
              healthy: fc.boolean(),
            }),
            { selector: (d) => d.id, maxLength: 12 },
          )
          .map((devices) =>
            pool(
              name,
              devices.map((d) => device(d.id, d.numaNode, { healthy: d.healthy })),
            ),
          ),
      ),
    ),
  );

const arbEntries: fc.Arbitrary<KubeletDevices[]> = fc.array(
  fc.record({
    resourceName: fc.constantFrom(...RESOURCES, 'nvidia.com/gpu'),
    deviceIds: fc.array(fc.constantFrom(...ID_SPACE), { maxLength: 4 }),
  }),
  { maxLength: 10 },
);

const arbPodResources: fc.Arbitrary<PodResources[]> = fc
  .array(
    fc.record({
      key: fc.constantFrom(...PODS),
      containers: fc.array(fc.record({ name: fc.constantFrom('app', 'side'), devices: arbEntries }), {
        maxLength: 2,
      }),
    }),
    { maxLength: 6 },
  )
  .map((entries) =>
    entries.map(({ key, containers }) => {
      const [namespace = '', name = ''] = key.split('/');
      return { namespace, name, containers };
    }),
  );

const arbPods = fc
  .array(fc.record({ key: fc.constantFrom(...PODS), phase: fc.constantFrom(...PHASES) }), { maxLength: 4 })
  .map(
    (pods) =>
      new Map(pods.map(({ key, phase }) => [key, { uid: `uid-${key}`, ...(phase ? { phase } : {}) }])),
  );

const arbInput: fc.Arbitrary<ReportInput> = fc.record({
  pools: arbPools,
  allocatable: fc.option(arbEntries, { nil: null }),
  podResources: arbPodResources,
  pods: arbPods,
  kubelet: fc.constant({
    topologyManagerPolicy: 'single-numa-node',
    topologyManagerScope: 'container',
  } as const),
  numaNodes: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }),
  reportTime: fc.constant(new Date('2026-12-01T09:00:00Z')),
});

/** Which pool devices the kubelet offers and which non-terminal pods hold, recomputed the obvious way. */
function oracle(input: ReportInput) {
  const offered = (resource: string, id: string) =>
    input.allocatable === null ||
    input.allocatable.some((e) => e.resourceName === resource && e.deviceIds.includes(id));
  const held = (resource: string, id: string) =>
    input.podResources.some((p) => {
      const phase = input.pods.get(podKey(p.namespace, p.name))?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') return false;
      return p.containers.some((c) =>
        c.devices.some((e) => e.resourceName === resource && e.deviceIds.includes(id)),
      );
    });
  return { offered, held };
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('accountNode properties', () => {
  it('free is never negative, and free ≤ allocatable ≤ capacity, allocated ≤ capacity', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        for (const p of accountNode(input).status.pools) {
          for (const n of p.numaNodes) {
            expect(n.free).toBeGreaterThanOrEqual(0);
            expect(n.free).toBeLessThanOrEqual(n.allocatable);
            expect(n.allocatable).toBeLessThanOrEqual(n.capacity);
            expect(n.allocated).toBeLessThanOrEqual(n.capacity);
          }
        }
      }),
    );
  });

  it('free + allocated = allocatable on every NUMA node where every held device is allocatable', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const { offered, held } = oracle(input);
        const report = accountNode(input);
        for (const p of report.status.pools) {
          const devices = input.pools
            .filter((q) => q.resourceName === p.resourceName)
            .flatMap((q) => q.devices);
          for (const n of p.numaNodes) {
            const here = devices.filter((d) => d.numaNode === n.numaNode);
            const heldButNotAllocatable = here.filter(
              (d) => held(p.resourceName, d.id) && !(d.healthy && offered(p.resourceName, d.id)),
            ).length;
            // The general form: the devices held but not allocatable are exactly the gap.
            expect(n.free + n.allocated - heldButNotAllocatable).toBe(n.allocatable);
            if (heldButNotAllocatable === 0) expect(n.free + n.allocated).toBe(n.allocatable);
          }
        }
      }),
    );
  });

  it('counts agree with the set-based oracle', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const { offered, held } = oracle(input);
        for (const p of accountNode(input).status.pools) {
          const devices = input.pools
            .filter((q) => q.resourceName === p.resourceName)
            .flatMap((q) => q.devices);
          for (const n of p.numaNodes) {
            const here = devices.filter((d) => d.numaNode === n.numaNode);
            const allocatable = here.filter((d) => d.healthy && offered(p.resourceName, d.id));
            expect(n.capacity).toBe(here.length);
            expect(n.allocatable).toBe(allocatable.length);
            expect(n.allocated).toBe(here.filter((d) => held(p.resourceName, d.id)).length);
            expect(n.free).toBe(allocatable.filter((d) => !held(p.resourceName, d.id)).length);
          }
        }
      }),
    );
  });

  it('repeating List entries, containers and IDs changes nothing', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const repeated: ReportInput = {
          ...input,
          allocatable: input.allocatable && [...input.allocatable, ...input.allocatable],
          podResources: [...input.podResources, ...input.podResources].map((p) => ({
            ...p,
            containers: [...p.containers, ...p.containers].map((c) => ({
              ...c,
              devices: c.devices.map((e) => ({ ...e, deviceIds: [...e.deviceIds, ...e.deviceIds] })),
            })),
          })),
        };
        expect(accountNode(repeated)).toEqual(accountNode(input));
      }),
    );
  });

  it('the output does not depend on the order of any input', () => {
    fc.assert(
      fc.property(arbInput, fc.integer({ min: 1, max: 2 ** 30 }), (input, seed) => {
        const reordered: ReportInput = {
          ...input,
          pools: shuffled(input.pools, seed).map((p) => ({ ...p, devices: shuffled(p.devices, seed + 1) })),
          allocatable:
            input.allocatable &&
            shuffled(input.allocatable, seed + 2).map((e) => ({
              ...e,
              deviceIds: shuffled(e.deviceIds, seed),
            })),
          podResources: shuffled(input.podResources, seed + 3).map((p) => ({
            ...p,
            containers: shuffled(p.containers, seed + 4).map((c) => ({
              ...c,
              devices: shuffled(c.devices, seed + 5),
            })),
          })),
          pods: new Map(shuffled([...input.pods], seed + 6)),
          numaNodes: shuffled(input.numaNodes ?? [], seed + 7),
        };
        expect(accountNode(reordered)).toEqual(accountNode(input));
      }),
    );
  });

  it('the devices listed per pod add up to allocated when every holding pod is known', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const report = accountNode(input);
        if (report.unaccounted.some((u) => u.reason === 'unknown-pod')) return;
        for (const p of report.status.pools) {
          for (const n of p.numaNodes) {
            const listed = new Set(
              report.status.pods.flatMap((pod) =>
                pod.devices
                  .filter((d) => d.resourceName === p.resourceName && d.numaNode === n.numaNode)
                  .flatMap((d) => d.ids),
              ),
            );
            expect(listed.size).toBe(n.allocated);
          }
        }
      }),
    );
  });

  it('a later report of the same inputs is the same report', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const later = accountNode({ ...input, reportTime: new Date('2026-12-01T10:00:00Z') });
        expect(sameReport(accountNode(input).status, later.status)).toBe(true);
      }),
    );
  });
});
