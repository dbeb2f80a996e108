import { describe, expect, it } from 'vitest';
import type { NodeNetworkState } from '../api/wirespeed-v1alpha1.js';
import { nodeViews, renderNodesTable, shortAge } from './view.js';

const state = (name: string, status?: NodeNetworkState['status']): NodeNetworkState => ({
  apiVersion: 'wirespeed.io/v1alpha1',
  kind: 'NodeNetworkState',
  metadata: { name },
  ...(status ? { status } : {}),
});

const now = new Date('2026-12-01T10:00:00Z');

const states = [
  state('worker-b'),
  state('worker-a', {
    kubelet: { topologyManagerPolicy: 'single-numa-node', topologyManagerScope: 'pod' },
    reportTime: '2026-12-01T09:59:30Z',
    syncStatus: 'Succeeded',
    pods: [],
    pools: [
      {
        resourceName: 'intel.com/sriov_b',
        deviceType: 'netdevice',
        numaNodes: [{ numaNode: -1, capacity: 2, allocatable: 2, allocated: 0, free: 2 }],
      },
      {
        resourceName: 'intel.com/sriov_a',
        deviceType: 'vfio-pci',
        numaNodes: [
          { numaNode: 1, capacity: 8, allocatable: 7, allocated: 0, free: 7 },
          { numaNode: 0, capacity: 8, allocatable: 8, allocated: 2, free: 6 },
        ],
      },
    ],
  }),
];

describe('wirespeed nodes view', () => {
  it('orders nodes, pools and NUMA nodes and computes the report age', () => {
    const views = nodeViews(states, now);
    expect(views.map((v) => v.name)).toEqual(['worker-a', 'worker-b']);
    expect(views[0]).toEqual({
      name: 'worker-a',
      topologyManagerPolicy: 'single-numa-node',
      syncStatus: 'Succeeded',
      reportAgeSeconds: 30,
      pools: [
        {
          resourceName: 'intel.com/sriov_a',
          deviceType: 'vfio-pci',
          numaNodes: [
            { numaNode: 0, free: 6, allocatable: 8, allocated: 2, capacity: 8 },
            { numaNode: 1, free: 7, allocatable: 7, allocated: 0, capacity: 8 },
          ],
        },
        {
          resourceName: 'intel.com/sriov_b',
          deviceType: 'netdevice',
          numaNodes: [{ numaNode: -1, free: 2, allocatable: 2, allocated: 0, capacity: 2 }],
        },
      ],
    });
    expect(views[1]).toEqual({
      name: 'worker-b',
      topologyManagerPolicy: null,
      syncStatus: null,
      reportAgeSeconds: null,
      pools: [],
    });
  });

  it('renders one row per node and pool with free/allocatable per NUMA node', () => {
    expect(renderNodesTable(nodeViews(states, now))).toBe(
      [
        'NODE      POOL               TYPE       NUMA?  NUMA0  NUMA1  TOTAL  SYNC       POLICY            REPORT AGE',
        'worker-a  intel.com/sriov_a  vfio-pci   -      6/8    7/7    13/15  Succeeded  single-numa-node  30s',
        'worker-a  intel.com/sriov_b  netdevice  2/2    -      -      2/2    Succeeded  single-numa-node  30s',
        'worker-b  -                  -          -      -      -      -      -          -                 -',
        '',
      ].join('\n'),
    );
  });

  it('writes ages as kubectl does', () => {
    expect([null, 0, 119, 120, 7199, 7200, 172_799, 172_800].map(shortAge)).toEqual([
      '-',
      '0s',
      '119s',
      '2m',
      '119m',
      '2h',
      '47h',
      '2d',
    ]);
  });
});
