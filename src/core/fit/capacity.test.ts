import { describe, expect, it } from 'vitest';
import { reportStatus } from '../../../test/support/fit.js';
import type { NodeNetworkStateStatus } from '../../api/wirespeed-v1alpha1.js';
import { indexReport } from './capacity.js';

const A = 'intel.com/sriov_a';

const plain = (status: NodeNetworkStateStatus) => {
  const c = indexReport(status);
  return {
    policy: c.policy,
    scope: c.scope,
    numaNodes: c.numaNodes,
    pods: [...c.reportedPods],
    pools: Object.fromEntries(
      [...c.pools].map(([name, p]) => [
        name,
        {
          aligned: p.aligned,
          free: Object.fromEntries(p.free),
          allocatable: Object.fromEntries(p.allocatable),
          totalFree: p.totalFree,
          totalAllocatable: p.totalAllocatable,
        },
      ]),
    ),
  };
};

describe('indexReport', () => {
  it('indexes free and allocatable per NUMA node; unknown-NUMA devices count in the totals only', () => {
    const status = reportStatus({
      scope: 'pod',
      pools: { [A]: { 1: { free: 2, allocatable: 3 }, 0: 4, [-1]: 5 } },
      pods: ['u1'],
    });
    expect(plain(status)).toEqual({
      policy: 'single-numa-node',
      scope: 'pod',
      numaNodes: [0, 1],
      pods: ['u1'],
      pools: {
        [A]: {
          aligned: true,
          free: { 0: 4, 1: 2 },
          allocatable: { 0: 4, 1: 3 },
          totalFree: 11,
          totalAllocatable: 12,
        },
      },
    });
  });

  it('a pool with devices of unknown NUMA node only is not aligned', () => {
    expect(plain(reportStatus({ pools: { [A]: { [-1]: 3 } } })).pools[A]).toEqual({
      aligned: false,
      free: {},
      allocatable: {},
      totalFree: 3,
      totalAllocatable: 3,
    });
  });

  it('tolerates a broken report: bad counts are 0, duplicates add up, unknown policy is the strictest', () => {
    const status = {
      kubelet: { topologyManagerPolicy: 'bogus' },
      pools: [
        { resourceName: A, numaNodes: [{ numaNode: 0, capacity: 2, allocatable: 2, allocated: 0, free: 2 }] },
        {
          resourceName: A,
          numaNodes: [{ numaNode: 0, capacity: 1, allocatable: -1, free: 1.5 }, { numaNode: 'x' }],
        },
        { numaNodes: [] },
        null,
      ],
      pods: [{ uid: 7 }, { uid: 'u2' }],
    } as unknown as NodeNetworkStateStatus;
    expect(plain(status)).toEqual({
      policy: 'single-numa-node',
      scope: 'container',
      numaNodes: [0],
      pods: ['u2'],
      pools: {
        [A]: { aligned: true, free: { 0: 2 }, allocatable: { 0: 2 }, totalFree: 2, totalAllocatable: 2 },
      },
    });
  });

  it('reads an empty or missing status as a node with nothing', () => {
    expect(plain({} as NodeNetworkStateStatus)).toEqual({
      policy: 'single-numa-node',
      scope: 'container',
      numaNodes: [],
      pods: [],
      pools: {},
    });
  });
});
