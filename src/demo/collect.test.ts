import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { NodeNetworkState } from '../api/wirespeed-v1alpha1.js';
import { injectedOf, podOutcome, podSettled, poolsFree } from './collect.js';

/** A pod as the webhook stores it: devices and hugepages in the limits, a hostPath and a hugepages volume. */
const stored = (over: Partial<V1Pod['status']> = {}, nodeName?: string): V1Pod => ({
  metadata: { name: 'cnf', namespace: 'demo', uid: 'u1' },
  spec: {
    ...(nodeName ? { nodeName } : {}),
    containers: [
      {
        name: 'app',
        image: 'x',
        resources: { limits: { memory: '256Mi', 'wirespeed.io/dpdk': '2', 'hugepages-1Gi': '2Gi' } },
        volumeMounts: [
          { name: 'hugepages', mountPath: '/dev/hugepages' },
          { name: 'host-sock', mountPath: '/sock' },
          { name: 'podnetinfo', mountPath: '/etc/podnetinfo' },
        ],
      },
    ],
    volumes: [
      { name: 'hugepages', emptyDir: { medium: 'HugePages' } },
      { name: 'host-sock', hostPath: { path: '/var/lib/vhost_sockets' } },
      { name: 'podnetinfo', downwardAPI: {} },
    ],
  },
  status: { phase: 'Pending', ...over },
});

const state = (pods: NonNullable<NodeNetworkState['status']>['pods']): NodeNetworkState => ({
  apiVersion: 'wirespeed.io/v1alpha1',
  kind: 'NodeNetworkState',
  metadata: { name: 'n1' },
  status: {
    kubelet: { topologyManagerPolicy: 'single-numa-node', topologyManagerScope: 'container' },
    pools: [
      {
        resourceName: 'wirespeed.io/dpdk',
        deviceType: 'vfio-pci',
        numaNodes: [
          { numaNode: 1, capacity: 4, allocatable: 4, allocated: 2, free: 2 },
          { numaNode: 0, capacity: 4, allocatable: 4, allocated: 0, free: 4 },
        ],
      },
    ],
    pods,
    reportTime: '2026-12-01T12:00:00Z',
  },
});

const held = state([
  {
    uid: 'u1',
    namespace: 'demo',
    name: 'cnf',
    devices: [{ resourceName: 'wirespeed.io/dpdk', numaNode: 1, ids: ['a', 'b'] }],
  },
]);
const noEvents = { listNamespacedEvent: async () => ({ items: [] }) } as unknown as CoreV1Api;

describe('demo collect', () => {
  it('reads what admission injected from the stored spec', () => {
    expect(injectedOf(stored())).toEqual({
      resources: { 'wirespeed.io/dpdk': '2', 'hugepages-1Gi': '2Gi' },
      mounts: ['/dev/hugepages', '/var/lib/vhost_sockets:/sock'],
    });
  });

  it('reads free/allocatable per pool, NUMA nodes in order', () => {
    expect(poolsFree(held)).toEqual([
      {
        resourceName: 'wirespeed.io/dpdk',
        numaNodes: [
          { numaNode: 0, free: 4, allocatable: 4 },
          { numaNode: 1, free: 2, allocatable: 4 },
        ],
      },
    ]);
    expect(poolsFree(undefined)).toEqual([]);
  });

  it('is settled when running with its devices reported, rejected, or unschedulable', () => {
    const states = new Map([['n1', held]]);
    const none = new Map([['n1', state([])]]);
    expect(podSettled(stored({ phase: 'Running' }, 'n1'), states)).toBe(true);
    expect(podSettled(stored({ phase: 'Running' }, 'n1'), none)).toBe(false);
    expect(podSettled(stored({ phase: 'Pending' }, 'n1'), states)).toBe(false);
    expect(podSettled(stored({ phase: 'Failed', reason: 'TopologyAffinityError' }, 'n1'), none)).toBe(true);
    const unschedulable = [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }];
    expect(podSettled(stored({ conditions: unschedulable }), none)).toBe(true);
    expect(podSettled(stored(), none)).toBe(false);
  });

  it('takes devices and their NUMA node from the report, and the kubelet reason of a rejected pod', async () => {
    const states = new Map([['n1', held]]);
    expect(await podOutcome(noEvents, stored({ phase: 'Running' }, 'n1'), states)).toMatchObject({
      node: 'n1',
      numaNode: 1,
      devices: ['a', 'b'],
      reason: null,
      topologyRejected: false,
    });
    const rejected = stored({ phase: 'Failed', reason: 'TopologyAffinityError' }, 'n1');
    expect(await podOutcome(noEvents, rejected, new Map())).toMatchObject({
      phase: 'Failed',
      reason: 'TopologyAffinityError',
      topologyRejected: true,
      devices: [],
    });
    const pending = stored({
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes' }],
    });
    expect((await podOutcome(noEvents, pending, states)).reason).toBe('0/3 nodes');
  });
});
