import { describe, expect, it } from 'vitest';
import type { NodeNetworkStateStatus } from '../../api/wirespeed-v1alpha1.js';
import { canonicalJson, sameReport } from './same-report.js';

const report: NodeNetworkStateStatus = {
  kubelet: { topologyManagerPolicy: 'single-numa-node', topologyManagerScope: 'pod' },
  pools: [
    {
      resourceName: 'intel.com/sriov_a',
      deviceType: 'vfio-pci',
      numaNodes: [{ numaNode: 0, capacity: 8, allocatable: 8, allocated: 2, free: 6 }],
    },
  ],
  pods: [
    {
      uid: 'u1',
      namespace: 'telco',
      name: 'cnf-1',
      devices: [{ resourceName: 'intel.com/sriov_a', numaNode: 0, ids: ['0000:3b:02.1', '0000:3b:02.2'] }],
    },
  ],
  reportTime: '2026-12-01T09:00:00Z',
};

/** The same object as the API server returns it: keys sorted at every level. */
const fromServer = JSON.parse(canonicalJson(report)) as NodeNetworkStateStatus;

describe('sameReport', () => {
  it('ignores reportTime', () => {
    expect(sameReport(report, { ...report, reportTime: '2026-12-01T10:00:00Z' })).toBe(true);
  });

  it('ignores key order and undefined members (a status read back from the API server)', () => {
    expect(Object.keys(fromServer)).toEqual(['kubelet', 'pods', 'pools', 'reportTime']);
    expect(sameReport(report, { ...fromServer, syncMessage: undefined })).toBe(true);
  });

  it('sees a changed count', () => {
    const changed = structuredClone(report);
    (changed.pools[0]?.numaNodes[0] as { free: number }).free = 5;
    expect(sameReport(report, changed)).toBe(false);
  });

  it('sees a pod that left, and a changed policy', () => {
    expect(sameReport(report, { ...report, pods: [] })).toBe(false);
    expect(
      sameReport(report, { ...report, kubelet: { ...report.kubelet, topologyManagerScope: 'container' } }),
    ).toBe(false);
  });

  it('sees a different order of IDs (the accounting sorts them, so order is news)', () => {
    const reordered = structuredClone(report);
    reordered.pods[0]?.devices[0]?.ids.reverse();
    expect(sameReport(report, reordered)).toBe(false);
  });

  it('treats a missing report as different from any report, and equal to another missing one', () => {
    expect(sameReport(undefined, report)).toBe(false);
    expect(sameReport(report, null)).toBe(false);
    expect(sameReport(undefined, null)).toBe(true);
  });
});
