import { describe, expect, it } from 'vitest';
import { observedHost, observedPf, observedVf } from '../../../test/support/observed-host.js';
import type { NetworkNodePolicy } from '../../api/wirespeed-v1alpha1.js';
import { IOMMU_MISSING, planHost } from './plan.js';
import { NO_FACTS, type PlanInput } from './types.js';

const PF = '0000:18:00.0';
const NAME = 'enp24s0f0';

function policy(name: string, spec: Partial<NetworkNodePolicy['spec']>, generation = 1): NetworkNodePolicy {
  return {
    apiVersion: 'wirespeed.io/v1alpha1',
    kind: 'NetworkNodePolicy',
    metadata: { name, namespace: 'ws', generation },
    spec: { resourceName: name, numVfs: 4, nicSelector: { pfNames: [NAME] }, ...spec },
  };
}

const input = (over: Partial<PlanInput>): PlanInput => ({
  observed: observedHost([observedPf({ vfs: 0 })]),
  facts: NO_FACTS,
  policies: [],
  allocations: [],
  evict: false,
  ...over,
});

describe('planHost from nothing', () => {
  it('vfio-pci VFs: autoprobe 0, numVfs, wait, bind each; generations of the policies applied', () => {
    const plan = planHost(input({ policies: [policy('dpdk', { numVfs: 2, deviceType: 'vfio-pci' }, 3)] }));
    expect(plan.generations).toEqual({ 'ws/dpdk': 3 });
    expect(plan.pfs).toEqual([
      {
        pciAddress: PF,
        name: NAME,
        outcome: 'apply',
        pods: [],
        numVfs: 2,
        mtu: null,
        slots: [0, 1].map((vfID) => ({
          vfID,
          resourceName: 'wirespeed.io/dpdk',
          deviceType: 'vfio-pci',
          mtu: null,
        })),
        steps: [
          { op: 'autoprobe', pf: PF, enabled: false },
          { op: 'numVfs', pf: PF, from: 0, to: 2 },
          { op: 'waitVfs', pf: PF, count: 2 },
          { op: 'bindVf', pf: PF, vfID: 0, driver: 'vfio-pci' },
          { op: 'bindVf', pf: PF, vfID: 1, driver: 'vfio-pci' },
        ],
      },
    ]);
  });

  it('a PF split between pools by VF range: autoprobe stays on, netdevice VFs get the MTU, the PF the largest', () => {
    const plan = planHost(
      input({
        policies: [
          policy('dpdk', { numVfs: 4, deviceType: 'vfio-pci', nicSelector: { pfNames: [`${NAME}#0-1`] } }),
          policy('net', { numVfs: 4, mtu: 9000, nicSelector: { pfNames: [`${NAME}#2-3`] } }),
          policy('vhost', { numVfs: 6, deviceType: 'vdpa-vhost', nicSelector: { pfNames: [`${NAME}#4-5`] } }),
        ],
      }),
    );
    expect(plan.pfs[0]?.steps).toEqual([
      { op: 'numVfs', pf: PF, from: 0, to: 6 },
      { op: 'waitVfs', pf: PF, count: 6 },
      { op: 'bindVf', pf: PF, vfID: 0, driver: 'vfio-pci' },
      { op: 'bindVf', pf: PF, vfID: 1, driver: 'vfio-pci' },
      { op: 'bindVf', pf: PF, vfID: 2, driver: null },
      { op: 'vfMtu', pf: PF, vfID: 2, mtu: 9000 },
      { op: 'bindVf', pf: PF, vfID: 3, driver: null },
      { op: 'vfMtu', pf: PF, vfID: 3, mtu: 9000 },
      { op: 'bindVf', pf: PF, vfID: 4, driver: null },
      { op: 'vdpa', pf: PF, vfID: 4, driver: 'vhost_vdpa' },
      { op: 'bindVf', pf: PF, vfID: 5, driver: null },
      { op: 'vdpa', pf: PF, vfID: 5, driver: 'vhost_vdpa' },
      { op: 'pfMtu', pf: PF, ifname: NAME, mtu: 9000 },
    ]);
  });

  it('refuses numVfs above sriov_totalvfs and vfio-pci without an IOMMU', () => {
    const tooMany = planHost(input({ policies: [policy('big', { numVfs: 100 })] }));
    expect(tooMany.pfs.map((p) => [p.outcome, p.message, p.steps])).toEqual([
      ['Failed', `PF ${NAME} (${PF}) has sriov_totalvfs 64; ws/big asks 100. Lower numVfs`, []],
    ]);
    const host = { ...observedHost([observedPf({ vfs: 0 })]), iommu: false };
    const noIommu = planHost(input({ observed: host, policies: [policy('d', { deviceType: 'vfio-pci' })] }));
    expect(noIommu.pfs.map((p) => [p.outcome, p.message])).toEqual([
      ['Failed', `PF ${NAME} (${PF}): ${IOMMU_MISSING}`],
    ]);
  });

  it('hugepages per NUMA node: the largest wish wins; unknown nodes and sizes are problems', () => {
    const observed = observedHost([observedPf({ vfs: 0 })]);
    for (const n of observed.numaNodes) n.hugepages = [{ sizeKiB: 1048576, total: 2, free: 2 }];
    const plan = planHost(
      input({
        observed,
        policies: [
          policy('a', { numVfs: 0, hugepages: { '1Gi': { '0': 4, '1': 2 } } }),
          policy('b', { numVfs: 0, hugepages: { '1Gi': { '0': 8, '3': 1 }, '2Mi': { '1': 16 } } }),
        ],
      }),
    );
    expect(plan.hugepages).toEqual([{ numaNode: 0, sizeKiB: 1048576, pages: 8 }]);
    expect(plan.problems).toEqual([
      'hugepages 2Mi on NUMA node 1: the host has no 2Mi pages (sizes: 1048576kB)',
      'hugepages 1Gi on NUMA node 3: the host has no NUMA node 3',
    ]);
  });
});

describe('planHost on a host already set up', () => {
  const vfioHost = () =>
    observedHost([
      observedPf({
        numVfs: 2,
        vfs: [0, 1].map((i) => observedVf(0, i, { driver: 'vfio-pci', netdev: null })),
      }),
    ]);
  const vfioFacts = { ...NO_FACTS, autoprobe: new Map([[PF, false]]) };
  const dpdk = (numVfs: number) => policy('dpdk', { numVfs, deviceType: 'vfio-pci' });
  const held = [{ namespace: 'default', name: 'cnf-1', deviceIds: [observedVf(0, 1).pciAddress] }];

  it('gives no steps when the host matches; clears a stale driver_override', () => {
    expect(
      planHost(input({ observed: vfioHost(), facts: vfioFacts, policies: [dpdk(2)] })).pfs[0]?.steps,
    ).toEqual([]);
    const stale = { ...vfioFacts, overrides: new Map([[observedVf(0, 0).pciAddress, 'vfio-pci']]) };
    expect(
      planHost(input({ observed: vfioHost(), facts: stale, policies: [dpdk(2)] })).pfs[0]?.steps,
    ).toEqual([{ op: 'bindVf', pf: PF, vfID: 0, driver: 'vfio-pci' }]);
  });

  it('a numVfs change writes 0 then N; with a pod on a VF it is refused naming the pod, or evicts it', () => {
    expect(
      planHost(input({ observed: vfioHost(), facts: vfioFacts, policies: [dpdk(3)] })).pfs[0]?.steps.slice(
        0,
        2,
      ),
    ).toEqual([
      { op: 'numVfs', pf: PF, from: 2, to: 3 },
      { op: 'waitVfs', pf: PF, count: 3 },
    ]);
    const refused = planHost(
      input({ observed: vfioHost(), facts: vfioFacts, policies: [dpdk(3)], allocations: held }),
    );
    expect(refused.pfs.map((p) => [p.outcome, p.pods, p.steps, p.message])).toEqual([
      [
        'NeedsEviction',
        [{ namespace: 'default', name: 'cnf-1' }],
        [],
        `numVfs of PF ${NAME} (${PF}) changes 2 → 3, which destroys all its VFs; pods hold them: default/cnf-1. Delete those pods, or run the agent with --evict to evict exactly them`,
      ],
    ]);
    const evict = planHost(
      input({ observed: vfioHost(), facts: vfioFacts, policies: [dpdk(3)], allocations: held, evict: true }),
    );
    expect(evict.pfs.map((p) => [p.outcome, p.pods, p.steps])).toEqual([
      ['Evict', [{ namespace: 'default', name: 'cnf-1' }], []],
    ]);
  });

  it('a driver change rebinds free VFs and holds back only allocated ones', () => {
    const net = policy('net', { numVfs: 2, deviceType: 'netdevice' });
    const plan = planHost(
      input({ observed: vfioHost(), facts: vfioFacts, policies: [net], allocations: held }),
    );
    expect(plan.pfs.map((p) => [p.outcome, p.pods, p.steps])).toEqual([
      [
        'NeedsEviction',
        [{ namespace: 'default', name: 'cnf-1' }],
        [
          { op: 'autoprobe', pf: PF, enabled: true },
          { op: 'bindVf', pf: PF, vfID: 0, driver: null },
        ],
      ],
    ]);
    const free = planHost(input({ observed: vfioHost(), facts: vfioFacts, policies: [net] }));
    expect(free.pfs.map((p) => [p.outcome, p.pods])).toEqual([['apply', []]]);
  });

  it('raises the PF MTU (never lowers it) and brings an admin-down PF up', () => {
    const observed = observedHost([observedPf({ vfs: 2, numVfs: 2, mtu: 9000 })]);
    const facts = {
      ...NO_FACTS,
      adminUp: new Map([[PF, false]]),
      vfMtu: new Map(observed.pfs[0]?.vfs.map((v) => [v.pciAddress, 1500])),
    };
    const plan = planHost(input({ observed, facts, policies: [policy('net', { numVfs: 2, mtu: 1500 })] }));
    expect(plan.pfs[0]?.steps).toEqual([{ op: 'linkUp', pf: PF, ifname: NAME }]);
  });

  it('leaves PFs no policy selects alone', () => {
    const plan = planHost(
      input({ observed: vfioHost(), policies: [policy('x', { nicSelector: { pfNames: ['other0'] } })] }),
    );
    expect(plan.pfs).toEqual([]);
  });
});
