import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trimLease, trimPod, trimReport } from './trim.js';

describe('what the informers keep', () => {
  it('keeps of a report what the fit reads, dropping the interface inventory and device IDs', () => {
    const pools = [
      {
        resourceName: 'intel.com/a',
        deviceType: 'vfio-pci',
        numaNodes: [{ numaNode: 0, capacity: 2, allocatable: 2, allocated: 1, free: 1 }],
      },
    ];
    expect(
      trimReport({
        apiVersion: 'wirespeed.io/v1alpha1',
        kind: 'NodeNetworkState',
        metadata: { name: 'w1', resourceVersion: '7', managedFields: [{}], ownerReferences: [{}] },
        status: {
          kubelet: { topologyManagerPolicy: 'single-numa-node', topologyManagerScope: 'pod' },
          pools,
          pods: [{ uid: 'u1', namespace: 'ns', name: 'p', devices: [{ ids: ['0000:3b:02.1'] }] }],
          reportTime: '2026-12-01T09:00:00Z',
          interfaces: [{ pciAddress: '0000:3b:00.0', vfs: [] }],
        },
      }),
    ).toEqual({
      apiVersion: 'wirespeed.io/v1alpha1',
      kind: 'NodeNetworkState',
      metadata: { name: 'w1', resourceVersion: '7' },
      status: {
        kubelet: { topologyManagerPolicy: 'single-numa-node', topologyManagerScope: 'pod' },
        pools,
        pods: [{ uid: 'u1', namespace: 'ns', name: 'p', devices: [] }],
        reportTime: '2026-12-01T09:00:00Z',
      },
    });
  });

  it('keeps of a pod its identity, node, phase and container resources', () => {
    expect(
      trimPod({
        metadata: { name: 'p', namespace: 'ns', uid: 'u', resourceVersion: '3', labels: { a: 'b' } },
        spec: {
          nodeName: 'w1',
          volumes: [{}],
          initContainers: [
            { name: 'side', image: 'x', restartPolicy: 'Always', resources: { requests: { a: '1' } } },
          ],
          containers: [{ name: 'app', image: 'y', env: [{}], resources: { limits: { a: '2' } } }],
        },
        status: { phase: 'Running', conditions: [{}] },
      }),
    ).toEqual({
      metadata: { name: 'p', namespace: 'ns', uid: 'u', resourceVersion: '3' },
      spec: {
        nodeName: 'w1',
        containers: [{ name: 'app', resources: { limits: { a: '2' } } }],
        initContainers: [{ name: 'side', resources: { requests: { a: '1' } }, restartPolicy: 'Always' }],
      },
      status: { phase: 'Running' },
    });
  });

  it('keeps of a Lease its renewal', () => {
    expect(
      trimLease({
        metadata: { name: 'wirespeed-agent-w1', namespace: 'wirespeed-agent', resourceVersion: '9' },
        spec: {
          holderIdentity: 'w1',
          leaseDurationSeconds: 40,
          renewTime: '2026-12-01T09:00:00.000000Z',
          x: 1,
        },
      }),
    ).toEqual({
      metadata: { name: 'wirespeed-agent-w1', namespace: 'wirespeed-agent', resourceVersion: '9' },
      spec: { holderIdentity: 'w1', leaseDurationSeconds: 40, renewTime: '2026-12-01T09:00:00.000000Z' },
    });
  });

  it('drops anything without a name and never throws', () => {
    expect(trimReport({ status: {} })).toBeUndefined();
    expect(trimPod('x')).toBeUndefined();
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        trimReport(v);
        trimPod(v);
        trimLease(v);
      }),
    );
  });
});
