import { describe, expect, it } from 'vitest';
import {
  compareTable,
  countMisaligned,
  type DemoOutcome,
  demoJson,
  firstSentence,
  nodesTable,
  type PodOutcome,
  podsTable,
  singleNumaNode,
} from './outcome.js';

const pod = (over: Partial<PodOutcome>): PodOutcome => ({
  name: 'p',
  namespace: 'demo',
  node: null,
  numaNode: null,
  phase: 'Pending',
  devices: [],
  reason: null,
  topologyRejected: false,
  injected: { resources: {}, mounts: [] },
  allocations: [],
  ...over,
});

const aligned = pod({
  name: 'cnf',
  node: 'n1',
  numaNode: 1,
  phase: 'Running',
  devices: ['0000:3b:02.0', '0000:3b:02.1'],
  injected: { resources: { 'intel.com/dpdk': '2', 'hugepages-1Gi': '2Gi' }, mounts: ['/dev/vfio'] },
  allocations: [{ resourceName: 'intel.com/dpdk', numaNode: 1, ids: ['0000:3b:02.0', '0000:3b:02.1'] }],
});
const split = pod({
  name: 'split',
  node: 'n1',
  phase: 'Running',
  allocations: [
    { resourceName: 'a', numaNode: 0, ids: ['x'] },
    { resourceName: 'b', numaNode: 1, ids: ['y'] },
  ],
});
const rejected = pod({
  name: 'rej',
  node: 'n2',
  phase: 'Failed',
  reason: 'TopologyAffinityError',
  topologyRejected: true,
});
const pending = pod({ name: 'huge', reason: 'no NUMA node has 20 free intel.com/dpdk' });

describe('demo outcome', () => {
  it('finds the one NUMA node of a pod, or none', () => {
    expect(singleNumaNode(aligned.allocations)).toBe(1);
    expect(singleNumaNode(split.allocations)).toBeNull();
    expect(singleNumaNode([])).toBeNull();
    expect(singleNumaNode([{ resourceName: 'a', numaNode: -1, ids: ['x'] }])).toBeNull();
    expect(
      singleNumaNode([
        { resourceName: 'a', numaNode: 0, ids: [] },
        { resourceName: 'b', numaNode: 1, ids: ['z'] },
      ]),
    ).toBe(1);
  });

  it('counts pods spread over NUMA nodes and pods the kubelet rejected as misaligned', () => {
    expect(countMisaligned([aligned, split, rejected, pending])).toBe(2);
  });

  it('prints the --json contract and nothing else', () => {
    const outcome: DemoOutcome = {
      pods: [aligned, pending],
      nodes: [
        {
          name: 'n1',
          before: [{ resourceName: 'intel.com/dpdk', numaNodes: [{ numaNode: 1, free: 8, allocatable: 8 }] }],
          after: [{ resourceName: 'intel.com/dpdk', numaNodes: [{ numaNode: 1, free: 6, allocatable: 8 }] }],
        },
      ],
      compare: { plain: { pods: 10, misaligned: 4 }, wirespeed: { pods: 10, misaligned: 0 } },
    };
    expect(demoJson(outcome)).toEqual({
      pods: [
        {
          name: 'cnf',
          namespace: 'demo',
          node: 'n1',
          numaNode: 1,
          phase: 'Running',
          devices: ['0000:3b:02.0', '0000:3b:02.1'],
          reason: null,
        },
        {
          name: 'huge',
          namespace: 'demo',
          node: null,
          numaNode: null,
          phase: 'Pending',
          devices: [],
          reason: 'no NUMA node has 20 free intel.com/dpdk',
        },
      ],
      misaligned: 0,
      nodes: [
        {
          name: 'n1',
          pools: [{ resourceName: 'intel.com/dpdk', numaNodes: [{ numaNode: 1, free: 6, allocatable: 8 }] }],
          before: [{ resourceName: 'intel.com/dpdk', numaNodes: [{ numaNode: 1, free: 8, allocatable: 8 }] }],
        },
      ],
      compare: { plain: { pods: 10, misaligned: 4 }, wirespeed: { pods: 10, misaligned: 0 } },
    });
  });

  it('shows the scheduler message up to its first full stop, and - for a NUMA node without the pool', () => {
    expect(
      firstSentence(
        '0/3 nodes are available: 1 no NUMA node has 2 free a/b, 2 Insufficient a/b. preemption: 0/3 nodes are available.',
      ),
    ).toBe('0/3 nodes are available: 1 no NUMA node has 2 free a/b, 2 Insufficient a/b.');
    expect(firstSentence('no full stop')).toBe('no full stop');
    const pools = [
      {
        resourceName: 'a/b',
        numaNodes: [
          { numaNode: 0, free: 0, allocatable: 0 },
          { numaNode: 1, free: 0, allocatable: 2 },
        ],
      },
    ];
    expect(nodesTable([{ name: 'n', before: pools, after: pools }])).toBe(
      ['NODE  POOL  NUMA0 free  NUMA1 free', 'n     a/b   -           0/2 -> 0/2', ''].join('\n'),
    );
  });

  it('renders the tables', () => {
    expect(podsTable([aligned, pending])).toBe(
      [
        'POD        PHASE    NODE  NUMA  DEVICES                    INJECTED                            MOUNTS     REASON',
        'demo/cnf   Running  n1    1     0000:3b:02.0,0000:3b:02.1  intel.com/dpdk=2,hugepages-1Gi=2Gi  /dev/vfio  ',
        'demo/huge  Pending  -     -     -                          -                                   -          no NUMA node has 20 free intel.com/dpdk',
        '',
      ].join('\n'),
    );
    expect(
      nodesTable([
        {
          name: 'n1',
          before: [
            {
              resourceName: 'intel.com/dpdk',
              numaNodes: [
                { numaNode: 0, free: 8, allocatable: 8 },
                { numaNode: 1, free: 8, allocatable: 8 },
              ],
            },
          ],
          after: [
            {
              resourceName: 'intel.com/dpdk',
              numaNodes: [
                { numaNode: 0, free: 8, allocatable: 8 },
                { numaNode: 1, free: 6, allocatable: 8 },
              ],
            },
          ],
        },
        { name: 'n4', before: [], after: [] },
      ]),
    ).toBe(
      [
        'NODE  POOL            NUMA0 free  NUMA1 free',
        'n1    intel.com/dpdk  8/8 -> 8/8  8/8 -> 6/8',
        'n4    (no SR-IOV)     -           -',
        '',
      ].join('\n'),
    );
    expect(
      compareTable({ plain: { pods: 10, misaligned: 4 }, wirespeed: { pods: 10, misaligned: 0 } }),
    ).toContain('kube-scheduler alone        10          4');
  });
});
