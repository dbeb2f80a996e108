import { describe, expect, it } from 'vitest';
import type { KubeletTopology, NodeNetworkStateStatus } from '../../api/wirespeed-v1alpha1.js';
import { buildNodeResourceTopology, nrtTopologyPolicy, sameTopology } from './topology.js';

const status: NodeNetworkStateStatus = {
  kubelet: { topologyManagerPolicy: 'single-numa-node', topologyManagerScope: 'container' },
  pools: [
    {
      resourceName: 'intel.com/sriov_b',
      deviceType: 'netdevice',
      numaNodes: [
        { numaNode: -1, capacity: 2, allocatable: 2, allocated: 0, free: 2 },
        { numaNode: 1, capacity: 4, allocatable: 4, allocated: 1, free: 3 },
      ],
    },
    {
      resourceName: 'intel.com/sriov_a',
      deviceType: 'vfio-pci',
      numaNodes: [
        { numaNode: 0, capacity: 8, allocatable: 8, allocated: 2, free: 6 },
        { numaNode: 1, capacity: 8, allocatable: 7, allocated: 0, free: 7 },
      ],
    },
  ],
  pods: [],
  reportTime: '2026-12-01T09:00:00Z',
};

describe('buildNodeResourceTopology', () => {
  it('maps each NUMA node to a zone node-<N> with the pools as resources; unknown NUMA has no zone', () => {
    expect(
      buildNodeResourceTopology('worker-7', status, { owner: { uid: 'node-uid' }, numaNodes: [0, 1, 2] }),
    ).toEqual({
      apiVersion: 'topology.node.k8s.io/v1alpha2',
      kind: 'NodeResourceTopology',
      metadata: {
        name: 'worker-7',
        labels: { 'app.kubernetes.io/managed-by': 'wirespeed-agent' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'worker-7', uid: 'node-uid' }],
      },
      topologyPolicies: ['SingleNUMANodeContainerLevel'],
      zones: [
        {
          name: 'node-0',
          type: 'Node',
          resources: [{ name: 'intel.com/sriov_a', capacity: '8', allocatable: '8', available: '6' }],
        },
        {
          name: 'node-1',
          type: 'Node',
          resources: [
            { name: 'intel.com/sriov_a', capacity: '8', allocatable: '7', available: '7' },
            { name: 'intel.com/sriov_b', capacity: '4', allocatable: '4', available: '3' },
          ],
        },
        { name: 'node-2', type: 'Node', resources: [] },
      ],
      attributes: [
        { name: 'topologyManagerPolicy', value: 'single-numa-node' },
        { name: 'topologyManagerScope', value: 'container' },
      ],
    });
  });

  it('has no ownerReference without an owner, and no zones without NUMA nodes', () => {
    const nrt = buildNodeResourceTopology('n', { ...status, pools: [] });
    expect(nrt.metadata.ownerReferences).toBeUndefined();
    expect(nrt.zones).toEqual([]);
  });
});

describe('nrtTopologyPolicy', () => {
  it.each([
    ['single-numa-node', 'container', 'SingleNUMANodeContainerLevel'],
    ['single-numa-node', 'pod', 'SingleNUMANodePodLevel'],
    ['restricted', 'container', 'RestrictedContainerLevel'],
    ['restricted', 'pod', 'RestrictedPodLevel'],
    ['best-effort', 'container', 'BestEffortContainerLevel'],
    ['best-effort', 'pod', 'BestEffortPodLevel'],
    ['none', 'container', 'None'],
    ['none', 'pod', 'None'],
  ] as const)('%s, scope %s → %s', (policy, scope, want) => {
    const kubelet: KubeletTopology = { topologyManagerPolicy: policy, topologyManagerScope: scope };
    expect(nrtTopologyPolicy(kubelet)).toBe(want);
  });
});

describe('sameTopology', () => {
  const nrt = buildNodeResourceTopology('n', status);

  it('ignores metadata and key order', () => {
    const fromServer = JSON.parse(JSON.stringify({ ...nrt, metadata: { name: 'n', resourceVersion: '9' } }));
    expect(sameTopology(nrt, fromServer)).toBe(true);
  });

  it('sees a changed available count', () => {
    const changed = structuredClone(nrt);
    const resource = changed.zones[0]?.resources?.[0];
    if (resource) resource.available = '5';
    expect(sameTopology(nrt, changed)).toBe(false);
  });
});
