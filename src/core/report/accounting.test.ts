import { describe, expect, it } from 'vitest';
import { allocatableOf, device, nodePods, podResources, pool } from '../../../test/support/report.js';
import type { NodeNetworkStateStatus } from '../../api/wirespeed-v1alpha1.js';
import { accountNode, type NodeReport, type ReportInput } from './accounting.js';

const A = 'intel.com/sriov_a';
const B = 'intel.com/sriov_b';
const kubelet = { topologyManagerPolicy: 'single-numa-node', topologyManagerScope: 'pod' } as const;
const reportTime = new Date('2026-12-01T09:00:00.123Z');

/** Pool A: 3 VFs on NUMA 0 (the third unhealthy), 2 on NUMA 1. */
const poolA = pool(A, [
  device('0000:3b:02.0', 0),
  device('0000:3b:02.1', 0),
  device('0000:3b:02.2', 0, { healthy: false }),
  device('0000:af:02.0', 1, { pf: '0000:af:00.0' }),
  device('0000:af:02.1', 1, { pf: '0000:af:00.0' }),
]);

const base = (over: Partial<ReportInput>): ReportInput => ({
  pools: [poolA],
  allocatable: allocatableOf([poolA]),
  podResources: [],
  pods: new Map(),
  kubelet,
  reportTime,
  ...over,
});

const status = (over: Partial<NodeNetworkStateStatus>): NodeNetworkStateStatus => ({
  kubelet,
  pools: [],
  pods: [],
  reportTime: '2026-12-01T09:00:00Z',
  ...over,
});

const countsA = (n0: [number, number, number, number], n1: [number, number, number, number]) => ({
  resourceName: A,
  deviceType: 'vfio-pci' as const,
  numaNodes: [
    { numaNode: 0, capacity: n0[0], allocatable: n0[1], allocated: n0[2], free: n0[3] },
    { numaNode: 1, capacity: n1[0], allocatable: n1[1], allocated: n1[2], free: n1[3] },
  ],
});

const cases: { name: string; input: ReportInput; want: NodeReport }[] = [
  {
    name: 'no pools: nothing to count',
    input: base({ pools: [], allocatable: [] }),
    want: { status: status({}), unaccounted: [] },
  },
  {
    name: 'idle pool: unhealthy devices are capacity but not allocatable',
    input: base({}),
    want: { status: status({ pools: [countsA([3, 2, 0, 2], [2, 2, 0, 2])] }), unaccounted: [] },
  },
  {
    name: 'a running pod holds two VFs on NUMA 0',
    input: base({
      podResources: [podResources('telco', 'cnf-1', { [A]: ['0000:3b:02.1', '0000:3b:02.0'] })],
      pods: nodePods(['telco', 'cnf-1', 'uid-1', 'Running']),
    }),
    want: {
      status: status({
        pools: [countsA([3, 2, 2, 0], [2, 2, 0, 2])],
        pods: [
          {
            uid: 'uid-1',
            namespace: 'telco',
            name: 'cnf-1',
            devices: [{ resourceName: A, numaNode: 0, ids: ['0000:3b:02.0', '0000:3b:02.1'] }],
          },
        ],
      }),
      unaccounted: [],
    },
  },
  {
    name: 'terminal pods (Succeeded, Failed) hold nothing',
    input: base({
      podResources: [
        podResources('telco', 'done', { [A]: ['0000:3b:02.0'] }),
        podResources('telco', 'crashed', { [A]: ['0000:af:02.0'] }),
      ],
      pods: nodePods(['telco', 'done', 'uid-d', 'Succeeded'], ['telco', 'crashed', 'uid-c', 'Failed']),
    }),
    want: { status: status({ pools: [countsA([3, 2, 0, 2], [2, 2, 0, 2])] }), unaccounted: [] },
  },
  {
    name: 'a device listed twice (two entries, two containers) counts once',
    input: base({
      podResources: [
        {
          namespace: 'telco',
          name: 'cnf-1',
          containers: [
            {
              name: 'a',
              devices: [
                { resourceName: A, deviceIds: ['0000:af:02.0'] },
                { resourceName: A, deviceIds: ['0000:af:02.0', '0000:af:02.0'] },
              ],
            },
            { name: 'b', devices: [{ resourceName: A, deviceIds: ['0000:af:02.0'] }] },
          ],
        },
        podResources('telco', 'cnf-1', { [A]: ['0000:af:02.0'] }),
      ],
      pods: nodePods(['telco', 'cnf-1', 'uid-1', 'Running']),
    }),
    want: {
      status: status({
        pools: [countsA([3, 2, 0, 2], [2, 2, 1, 1])],
        pods: [
          {
            uid: 'uid-1',
            namespace: 'telco',
            name: 'cnf-1',
            devices: [{ resourceName: A, numaNode: 1, ids: ['0000:af:02.0'] }],
          },
        ],
      }),
      unaccounted: [],
    },
  },
  {
    name: 'a pod the API server has not shown yet: allocated, not listed, reported as unknown-pod',
    input: base({ podResources: [podResources('telco', 'new', { [A]: ['0000:af:02.1'] })] }),
    want: {
      status: status({ pools: [countsA([3, 2, 0, 2], [2, 2, 1, 1])] }),
      unaccounted: [
        { reason: 'unknown-pod', namespace: 'telco', name: 'new', resourceName: A, id: '0000:af:02.1' },
      ],
    },
  },
  {
    name: 'an ID that is not a device of the pool changes no count; other resources are not ours',
    input: base({
      podResources: [podResources('telco', 'cnf-1', { [A]: ['0000:99:00.1'], 'nvidia.com/gpu': ['GPU-1'] })],
      pods: nodePods(['telco', 'cnf-1', 'uid-1', 'Running']),
    }),
    want: {
      status: status({ pools: [countsA([3, 2, 0, 2], [2, 2, 0, 2])] }),
      unaccounted: [
        { reason: 'unknown-device', namespace: 'telco', name: 'cnf-1', resourceName: A, id: '0000:99:00.1' },
      ],
    },
  },
  {
    name: 'an allocated unhealthy device: allocated, not allocatable, free unaffected',
    input: base({
      podResources: [podResources('telco', 'cnf-1', { [A]: ['0000:3b:02.2'] })],
      pods: nodePods(['telco', 'cnf-1', 'uid-1', 'Running']),
    }),
    want: {
      status: status({
        pools: [countsA([3, 2, 1, 2], [2, 2, 0, 2])],
        pods: [
          {
            uid: 'uid-1',
            namespace: 'telco',
            name: 'cnf-1',
            devices: [{ resourceName: A, numaNode: 0, ids: ['0000:3b:02.2'] }],
          },
        ],
      }),
      unaccounted: [],
    },
  },
  {
    name: 'a healthy device the kubelet does not offer (yet) is not allocatable',
    input: base({ allocatable: allocatableOf([poolA]).filter((d) => d.deviceIds[0] !== '0000:af:02.1') }),
    want: { status: status({ pools: [countsA([3, 2, 0, 2], [2, 1, 0, 1])] }), unaccounted: [] },
  },
  {
    name: 'the kubelet has not answered (allocatable null): health alone decides',
    input: base({ allocatable: null }),
    want: { status: status({ pools: [countsA([3, 2, 0, 2], [2, 2, 0, 2])] }), unaccounted: [] },
  },
  {
    name: 'host NUMA nodes without devices are listed with zeros; unknown NUMA (−1) first',
    input: base({
      pools: [pool(B, [device('0000:5e:02.0', -1), device('0000:5e:02.1', 1)], 'netdevice')],
      allocatable: null,
      numaNodes: [1, 0, 1],
    }),
    want: {
      status: status({
        pools: [
          {
            resourceName: B,
            deviceType: 'netdevice',
            numaNodes: [
              { numaNode: -1, capacity: 1, allocatable: 1, allocated: 0, free: 1 },
              { numaNode: 0, capacity: 0, allocatable: 0, allocated: 0, free: 0 },
              { numaNode: 1, capacity: 1, allocatable: 1, allocated: 0, free: 1 },
            ],
          },
        ],
      }),
      unaccounted: [],
    },
  },
  {
    name: 'pools by name, pods by namespace then name, devices by resource then NUMA node',
    input: base({
      pools: [pool(B, [device('0000:5e:02.0', 0), device('0000:5e:02.1', 1)]), poolA],
      allocatable: null,
      podResources: [
        podResources('b', 'p', { [B]: ['0000:5e:02.1', '0000:5e:02.0'], [A]: ['0000:af:02.0'] }),
        podResources('a', 'z', { [A]: ['0000:3b:02.0'] }),
        podResources('a', 'y', { [A]: ['0000:3b:02.1'] }),
      ],
      pods: nodePods(['b', 'p', 'uid-bp'], ['a', 'z', 'uid-az'], ['a', 'y', 'uid-ay']),
    }),
    want: {
      status: status({
        pools: [
          countsA([3, 2, 2, 0], [2, 2, 1, 1]),
          {
            resourceName: B,
            deviceType: 'vfio-pci',
            numaNodes: [
              { numaNode: 0, capacity: 1, allocatable: 1, allocated: 1, free: 0 },
              { numaNode: 1, capacity: 1, allocatable: 1, allocated: 1, free: 0 },
            ],
          },
        ],
        pods: [
          {
            uid: 'uid-ay',
            namespace: 'a',
            name: 'y',
            devices: [{ resourceName: A, numaNode: 0, ids: ['0000:3b:02.1'] }],
          },
          {
            uid: 'uid-az',
            namespace: 'a',
            name: 'z',
            devices: [{ resourceName: A, numaNode: 0, ids: ['0000:3b:02.0'] }],
          },
          {
            uid: 'uid-bp',
            namespace: 'b',
            name: 'p',
            devices: [
              { resourceName: A, numaNode: 1, ids: ['0000:af:02.0'] },
              { resourceName: B, numaNode: 0, ids: ['0000:5e:02.0'] },
              { resourceName: B, numaNode: 1, ids: ['0000:5e:02.1'] },
            ],
          },
        ],
      }),
      unaccounted: [],
    },
  },
  {
    name: 'two pools with one name are merged; a repeated device ID keeps its first NUMA node',
    input: base({
      pools: [
        pool(B, [device('0000:5e:02.0', 0)]),
        pool(B, [device('0000:5e:02.0', 1), device('0000:5e:02.1', 1)], 'netdevice'),
      ],
      allocatable: null,
    }),
    want: {
      status: status({
        pools: [
          {
            resourceName: B,
            deviceType: 'vfio-pci',
            numaNodes: [
              { numaNode: 0, capacity: 1, allocatable: 1, allocated: 0, free: 1 },
              { numaNode: 1, capacity: 1, allocatable: 1, allocated: 0, free: 1 },
            ],
          },
        ],
      }),
      unaccounted: [],
    },
  },
  {
    name: 'interfaces, sync status and policy generations pass through',
    input: base({
      pools: [],
      allocatable: [],
      syncStatus: 'Succeeded',
      syncMessage: '',
      policyGenerations: { 'wirespeed-agent/policy-a': 3 },
      interfaces: [],
    }),
    want: {
      status: status({
        interfaces: [],
        syncStatus: 'Succeeded',
        syncMessage: '',
        policyGenerations: { 'wirespeed-agent/policy-a': 3 },
      }),
      unaccounted: [],
    },
  },
];

describe('accountNode', () => {
  it.each(cases)('$name', ({ input, want }) => {
    expect(accountNode(input)).toEqual(want);
  });

  it('writes the report time to the second, as Kubernetes writes times', () => {
    expect(accountNode(base({ reportTime: new Date('2026-12-01T09:00:59.999Z') })).status.reportTime).toBe(
      '2026-12-01T09:00:59Z',
    );
  });
});
