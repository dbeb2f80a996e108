import { describe, expect, it } from 'vitest';
import { container, podOf, reportStatus, type StateSpec } from '../../../test/support/fit.js';
import type { Pod } from '../../api/core-v1.js';
import { indexReport } from './capacity.js';
import { podDemand } from './demand.js';
import { DEFAULT_FIT_OPTIONS, type Fit, type FitOptions, fitNode } from './fit.js';
import { heldOf } from './held.js';

const A = 'intel.com/sriov_a';
const B = 'intel.com/sriov_b';
const managed = new Set([A, B]);

interface Case {
  name: string;
  input: {
    pod: Pod;
    state?: StateSpec;
    stale?: boolean;
    held?: { numaNode: number | null; demand: Record<string, number> }[];
    options?: Partial<FitOptions>;
  };
  want: Fit;
}

const fits = (numaNode: number | null, score: number): Fit => ({
  fits: true,
  numaNode,
  score,
  reason: null,
  unresolvable: false,
});
const rejects = (reason: string, unresolvable = false): Fit => ({
  fits: false,
  numaNode: null,
  score: 0,
  reason,
  unresolvable,
});

const one = (n: number, pool = A) => podOf('p', [container('app', { [pool]: n })]);
const twoNuma = (a0: number, a1: number): StateSpec => ({ pools: { [A]: { 0: a0, 1: a1 } } });

const cases: Case[] = [
  {
    name: 'pod asking for no managed pool fits without a report',
    input: { pod: podOf('p', [container('app', { cpu: 1 })]) },
    want: fits(null, 0),
  },
  { name: 'no report is rejected', input: { pod: one(1) }, want: rejects('no topology report') },
  {
    name: 'no report, fail open',
    input: { pod: one(1), options: { missingReport: 'allow' } },
    want: fits(null, 0),
  },
  {
    name: 'stale report is rejected',
    input: { pod: one(1), state: twoNuma(4, 4), stale: true },
    want: rejects('stale topology report'),
  },
  { name: 'lowest NUMA node that holds it', input: { pod: one(3), state: twoNuma(2, 4) }, want: fits(1, 8) },
  { name: 'exact fit scores 10', input: { pod: one(4), state: twoNuma(4, 4) }, want: fits(0, 10) },
  {
    name: 'spread prefers leftover',
    input: { pod: one(1), state: twoNuma(4, 4), options: { score: 'spread' } },
    want: fits(0, 8),
  },
  {
    name: 'split across NUMA nodes is currently full',
    input: { pod: one(3), state: { pools: { [A]: { 0: { free: 2, allocatable: 4 }, 1: 2 } } } },
    want: rejects('no NUMA node has 3 free intel.com/sriov_a'),
  },
  {
    name: 'allocatable too small on every NUMA node is unresolvable',
    input: { pod: one(3), state: twoNuma(2, 2) },
    want: rejects('no NUMA node has 3 allocatable intel.com/sriov_a', true),
  },
  {
    name: 'pool absent is unresolvable',
    input: { pod: one(1, B), state: twoNuma(2, 2) },
    want: rejects('node has no intel.com/sriov_b', true),
  },
  {
    name: 'held reservations take free devices on their NUMA node',
    input: { pod: one(3), state: twoNuma(4, 4), held: [{ numaNode: 0, demand: { [A]: 2 } }] },
    want: fits(1, 8),
  },
  {
    name: 'reservations of unknown NUMA node count against every NUMA node',
    input: { pod: one(3), state: twoNuma(4, 4), held: [{ numaNode: null, demand: { [A]: 2 } }] },
    want: rejects('no NUMA node has 3 free intel.com/sriov_a'),
  },
  {
    name: 'restricted: total free is enough, score says not aligned',
    input: { pod: one(3), state: { policy: 'restricted', pools: { [A]: { 0: 2, 1: 2 } } } },
    want: fits(null, 1),
  },
  {
    name: 'best-effort: aligned fits score as aligned but give no NUMA node',
    input: { pod: one(2), state: { policy: 'best-effort', pools: { [A]: { 0: 2, 1: 2 } } } },
    want: fits(null, 10),
  },
  {
    name: 'NUMA node ids need not be contiguous',
    input: { pod: one(3), state: { pools: { [A]: { 0: 1, 2: 3 } } } },
    want: fits(2, 10),
  },
  {
    name: 'two pools that each fit somewhere but not together',
    input: {
      pod: podOf('p', [container('app', { [A]: 2, [B]: 2 })]),
      state: {
        pools: {
          [A]: { 0: 2, 1: { free: 0, allocatable: 2 } },
          [B]: { 0: { free: 0, allocatable: 2 }, 1: 2 },
        },
      },
    },
    want: rejects('no NUMA node has 2 free intel.com/sriov_a and 2 free intel.com/sriov_b at once'),
  },
  {
    name: 'unhealthy devices: capacity without allocatable is unresolvable',
    input: { pod: one(1), state: { pools: { [A]: { 0: { free: 0, allocatable: 0, capacity: 4 } } } } },
    want: rejects('no NUMA node has 1 allocatable intel.com/sriov_a', true),
  },
  {
    name: 'container scope aligns each container on its own NUMA node',
    input: {
      pod: podOf('p', [container('a', { [A]: 2 }), container('b', { [A]: 2 })]),
      state: { scope: 'container', pools: { [A]: { 0: 3, 1: 4 } } },
    },
    want: fits(null, 7),
  },
  {
    name: 'pod scope needs the two containers on one NUMA node',
    input: {
      pod: podOf('p', [container('a', { [A]: 2 }), container('b', { [A]: 2 })]),
      state: { scope: 'pod', pools: { [A]: { 0: 3, 1: 4 } } },
    },
    want: fits(1, 10),
  },
  {
    name: "container scope: an init container's devices are reused by the app container",
    input: {
      pod: podOf('p', [container('app', { [A]: 2 })], [container('init', { [A]: 2 })]),
      state: { scope: 'container', pools: { [A]: { 0: 2, 1: 4 } } },
    },
    want: fits(0, 10),
  },
  {
    name: "container scope: reused devices pin the app container to the init container's NUMA node",
    input: {
      pod: podOf('p', [container('app', { [A]: 3 })], [container('init', { [A]: 1 })]),
      state: { scope: 'container', pools: { [A]: { 0: 2, 1: 4 } } },
    },
    want: rejects('container app: no NUMA node has 3 allocatable intel.com/sriov_a', true),
  },
  {
    name: 'container scope: a sidecar keeps its devices',
    input: {
      pod: podOf(
        'p',
        [container('app', { [A]: 2 })],
        [container('side', { [A]: 2 }, { restartPolicy: 'Always' })],
      ),
      state: { scope: 'container', pools: { [A]: { 0: 3, 1: 2 } } },
    },
    want: fits(null, 8),
  },
  {
    name: 'unknown-NUMA devices of an aligned pool do not help a single-NUMA fit',
    input: { pod: one(2), state: { pools: { [A]: { 0: 1, 1: 1, [-1]: 4 } } } },
    want: rejects('no NUMA node has 2 allocatable intel.com/sriov_a', true),
  },
  {
    name: 'unknown-NUMA devices count in the total under best-effort',
    input: { pod: one(2), state: { policy: 'best-effort', pools: { [A]: { 0: 1, 1: 1, [-1]: 4 } } } },
    want: fits(null, 1),
  },
  {
    name: 'a pool with no NUMA information fits any NUMA node',
    input: { pod: one(2), state: { pools: { [A]: { [-1]: 4 } } } },
    want: fits(null, 6),
  },
  {
    name: 'a pool without NUMA information leaves the choice to the aligned pool',
    input: {
      pod: podOf('p', [container('app', { [A]: 2, [B]: 2 })]),
      state: { pools: { [A]: { 0: 1, 1: 3 }, [B]: { [-1]: 2 } } },
    },
    want: fits(1, 8),
  },
  {
    name: 'container scope: the unknown-NUMA bucket is shared, not counted per NUMA node',
    input: {
      pod: podOf('p', [container('a', { [B]: 2 }), container('b', { [B]: 2 })]),
      state: { scope: 'container', pools: { [A]: { 0: 4 }, [B]: { [-1]: { free: 3, allocatable: 4 } } } },
    },
    want: rejects('container b: node has fewer than 2 free intel.com/sriov_b'),
  },
  {
    name: 'restricted: total allocatable too small is unresolvable',
    input: { pod: one(3), state: { policy: 'restricted', pools: { [A]: { 0: 1, 1: 1 } } } },
    want: rejects('node has fewer than 3 allocatable intel.com/sriov_a', true),
  },
  {
    name: 'none: held reservations count against the total',
    input: {
      pod: one(3),
      state: { policy: 'none', pools: { [A]: { 0: 4 } } },
      held: [{ numaNode: null, demand: { [A]: 2 } }],
    },
    want: rejects('node has fewer than 3 free intel.com/sriov_a'),
  },
  {
    name: 'restricted: a request one NUMA node could hold must be on one NUMA node now',
    input: {
      pod: one(3),
      state: {
        policy: 'restricted',
        pools: { [A]: { 0: { free: 2, allocatable: 4 }, 1: { free: 2, allocatable: 4 } } },
      },
    },
    want: rejects('no NUMA node has 3 free intel.com/sriov_a'),
  },
  {
    name: 'restricted: a request wider than any NUMA node may span the narrowest width',
    input: { pod: one(4), state: { policy: 'restricted', pools: { [A]: { 0: 2, 1: 2, 2: 2 } } } },
    want: fits(null, 1),
  },
  {
    name: 'restricted: but no wider',
    input: {
      pod: one(4),
      state: {
        policy: 'restricted',
        pools: { [A]: { 0: { free: 1, allocatable: 2 }, 1: 2, 2: { free: 1, allocatable: 2 } } },
      },
    },
    want: rejects('no 2 NUMA nodes have 4 free intel.com/sriov_a'),
  },
  {
    name: 'restricted: devices of unknown NUMA node give no preferred hint to an aligned pool',
    input: { pod: one(2), state: { policy: 'restricted', pools: { [A]: { 0: 1, [-1]: 4 } } } },
    want: rejects('node has fewer than 2 intel.com/sriov_a with a known NUMA node', true),
  },
  {
    name: 'restricted: preferred hints of two pools must share a NUMA node',
    input: {
      pod: podOf('p', [container('app', { [A]: 2, [B]: 2 })]),
      state: {
        policy: 'restricted',
        pools: {
          [A]: { 0: 2, 1: { free: 0, allocatable: 2 } },
          [B]: { 0: { free: 0, allocatable: 2 }, 1: 2 },
        },
      },
    },
    want: rejects('no NUMA node has 2 free intel.com/sriov_a and 2 free intel.com/sriov_b at once'),
  },
  {
    name: 'restricted, container scope, one container: checked like pod scope, reason names the container',
    input: {
      pod: podOf('p', [container('app', { [A]: 3 })]),
      state: {
        policy: 'restricted',
        scope: 'container',
        pools: { [A]: { 0: { free: 2, allocatable: 4 }, 1: { free: 2, allocatable: 4 } } },
      },
    },
    want: rejects('container app: no NUMA node has 3 free intel.com/sriov_a'),
  },
  {
    name: 'restricted, container scope, several containers: total free only',
    input: {
      pod: podOf('p', [container('a', { [A]: 2 }), container('b', { [A]: 1 })]),
      state: {
        policy: 'restricted',
        scope: 'container',
        pools: { [A]: { 0: { free: 2, allocatable: 4 }, 1: { free: 2, allocatable: 4 } } },
      },
    },
    want: fits(null, 8),
  },
  {
    name: 'stale report, fail open',
    input: { pod: one(1), state: twoNuma(4, 4), stale: true, options: { missingReport: 'allow' } },
    want: fits(null, 0),
  },
  {
    name: 'scores count every pool on the chosen NUMA node',
    input: {
      pod: podOf('p', [container('app', { [A]: 2, [B]: 1 })]),
      state: { pools: { [A]: { 0: 1, 1: 4 }, [B]: { 0: 4, 1: 4 } } },
      options: { score: 'spread' },
    },
    want: fits(1, 7),
  },
];

describe('fitNode', () => {
  for (const { name, input, want } of cases) {
    it(name, () => {
      const demand = podDemand(input.pod, managed);
      if (!demand.ok) throw new Error(demand.problem.message);
      const held = input.held
        ? heldOf(input.held.map((h) => ({ ...h, demand: new Map(Object.entries(h.demand)) })))
        : undefined;
      const capacity = input.state ? indexReport(reportStatus(input.state)) : undefined;
      const got = fitNode(
        demand.value,
        { capacity, stale: input.stale ?? false, held },
        { ...DEFAULT_FIT_OPTIONS, ...input.options },
      );
      expect(got).toEqual(want);
    });
  }
});
