import { describe, expect, it } from 'vitest';
import { observedHost, observedPf, observedVf } from '../../../test/support/observed-host.js';
import type { NetworkNodePolicySpec } from '../../api/wirespeed-v1alpha1.js';
import { interfacesStatus } from './interfaces.js';
import { selectPools } from './select-pools.js';

const policy = (name: string, spec: Partial<NetworkNodePolicySpec>) => ({
  apiVersion: 'wirespeed.io/v1alpha1',
  kind: 'NetworkNodePolicy',
  metadata: { name, namespace: 'ws' },
  spec: { resourceName: name, numVfs: 8, nicSelector: { pfNames: ['enp24s0f0'] }, ...spec },
});
const host = observedHost([observedPf({ index: 0, vfs: 8 }), observedPf({ index: 1, vfs: 8 })]);
const VALID = { type: 'Valid', status: 'True', reason: 'Valid', message: 'the spec is valid' };
const NO_CONFLICT = {
  type: 'Conflict',
  status: 'False',
  reason: 'NoConflict',
  message: 'no other policy claims its VFs',
};
const matched = (message: string) => ({ type: 'Applicable', status: 'True', reason: 'Matched', message });
const idsOf = (pools: ReturnType<typeof selectPools>['pools']) =>
  Object.fromEntries(pools.map((p) => [p.resourceName, p.devices.map((d) => `${d.pfName}/${d.vfID}`)]));

describe('selectPools', () => {
  it('one policy: its VFs, with NUMA node, IOMMU group and health, sorted by PF then VF', () => {
    const small = observedHost([observedPf({ index: 1, vfs: 2, numaNode: 1 })]);
    const got = selectPools({
      observed: small,
      policies: [policy('a', { numVfs: 2, nicSelector: { vendor: '8086' } })],
    });
    expect(got).toEqual({
      pools: [
        {
          resourceName: 'wirespeed.io/a',
          deviceType: 'netdevice',
          devices: [0, 1].map((vfID) => ({
            id: `0000:1a:02.${vfID}`,
            numaNode: 1,
            pfPciAddress: '0000:1a:00.0',
            pfName: 'enp26s0f0',
            vfID,
            iommuGroup: 1001 + vfID,
            driver: 'iavf',
            netdev: `enp26s0f0v${vfID}`,
            healthy: true,
          })),
        },
      ],
      policies: [
        {
          policy: 'ws/a',
          applied: true,
          conditions: [
            VALID,
            matched('pool wirespeed.io/a gets VFs 0-1 of enp26s0f0 (0000:1a:00.0)'),
            NO_CONFLICT,
          ],
        },
      ],
    });
  });

  it('VF ranges split a PF between pools', () => {
    const got = selectPools({
      observed: host,
      policies: [
        policy('b', { nicSelector: { pfNames: ['enp24s0f0#4-7'] } }),
        policy('a', { nicSelector: { pfNames: ['enp24s0f0#0-1', 'enp24s0f0#3'] } }),
      ],
    });
    expect(idsOf(got.pools)).toEqual({
      'wirespeed.io/a': ['enp24s0f0/0', 'enp24s0f0/1', 'enp24s0f0/3'],
      'wirespeed.io/b': ['enp24s0f0/4', 'enp24s0f0/5', 'enp24s0f0/6', 'enp24s0f0/7'],
    });
    expect(got.policies.map((p) => p.conditions[1]?.message)).toEqual([
      'pool wirespeed.io/a gets VFs 0-1, 3 of enp24s0f0 (0000:18:00.0)',
      'pool wirespeed.io/b gets VFs 4-7 of enp24s0f0 (0000:18:00.0)',
    ]);
  });

  it('overlapping ranges at equal priority: the first by name keeps them, both policies are told', () => {
    const got = selectPools({
      observed: host,
      policies: [
        policy('b', { priority: 10, nicSelector: { pfNames: ['enp24s0f0#4-7'] } }),
        policy('a', { priority: 10, nicSelector: { pfNames: ['enp24s0f0#0-5'] } }),
      ],
    });
    const conflict = {
      type: 'Conflict',
      status: 'True',
      reason: 'OverlappingVfRange',
      message:
        'VFs 4-5 of PF enp24s0f0 (0000:18:00.0) are claimed by both ws/a and ws/b at priority 10; ws/a keeps them (first by name). Make the VF ranges disjoint or give the policies different priorities',
    };
    expect(got.policies.map((p) => p.conditions[2])).toEqual([conflict, conflict]);
    expect(idsOf(got.pools)['wirespeed.io/b']).toEqual(['enp24s0f0/6', 'enp24s0f0/7']);
  });

  it('a higher priority (lower number) takes the VFs it claims; the other keeps the rest and is told', () => {
    const got = selectPools({
      observed: host,
      policies: [
        policy('wide', { priority: 20, nicSelector: { vendor: '8086' } }),
        policy('narrow', { priority: 5, numVfs: 8, nicSelector: { pfNames: ['enp26s0f0#0-3'] } }),
      ],
    });
    expect(idsOf(got.pools)['wirespeed.io/narrow']).toEqual([
      'enp26s0f0/0',
      'enp26s0f0/1',
      'enp26s0f0/2',
      'enp26s0f0/3',
    ]);
    expect(got.policies).toEqual([
      {
        policy: 'ws/narrow',
        applied: true,
        conditions: [
          VALID,
          matched('pool wirespeed.io/narrow gets VFs 0-3 of enp26s0f0 (0000:1a:00.0)'),
          NO_CONFLICT,
        ],
      },
      {
        policy: 'ws/wide',
        applied: true,
        conditions: [
          VALID,
          matched(
            'pool wirespeed.io/wide gets VFs 0-7 of enp24s0f0 (0000:18:00.0), VFs 4-7 of enp26s0f0 (0000:1a:00.0)',
          ),
          {
            type: 'Conflict',
            status: 'True',
            reason: 'OverriddenByPriority',
            message:
              'VFs 0-3 of PF enp26s0f0 (0000:1a:00.0) go to ws/narrow (priority 5), which outranks this policy (priority 20)',
          },
        ],
      },
    ]);
  });

  it('numVfs above sriov_totalvfs, no matching NIC, another node, a pool with two device types, a duplicate', () => {
    const got = selectPools({
      observed: host,
      nodeLabels: { zone: 'a' },
      policies: [
        policy('big', { numVfs: 100, nicSelector: { vendor: '8086' } }),
        policy('none', { nicSelector: { vendor: '15b3' } }),
        policy('elsewhere', { nodeSelector: { zone: 'b' } }),
        policy('first', { resourceName: 'shared', priority: 1, nicSelector: { pfNames: ['enp26s0f0'] } }),
        policy('second', { resourceName: 'shared', deviceType: 'vfio-pci' }),
        policy('twice', {}),
        policy('twice', {}),
      ],
    });
    expect(got.policies.map((p) => [p.policy, p.applied, p.conditions.map((c) => c.reason)])).toEqual([
      ['ws/big', false, ['Valid', 'NumVfsAboveTotalVfs', 'NoConflict']],
      ['ws/elsewhere', false, ['Valid', 'NodeNotSelected']],
      ['ws/first', true, ['Valid', 'Matched', 'NoConflict']],
      ['ws/none', false, ['Valid', 'NoMatchingNic', 'NoConflict']],
      ['ws/second', false, ['Valid', 'ConflictingDeviceType']],
      ['ws/twice', false, ['InvalidSpec']],
    ]);
    const message = (key: string, type: string) =>
      got.policies.find((p) => p.policy === key)?.conditions.find((c) => c.type === type)?.message;
    expect(message('ws/big', 'Applicable')).toBe(
      'numVfs 100 is more than PF enp24s0f0 (0000:18:00.0) supports (sriov_totalvfs 64), numVfs 100 is more than PF enp26s0f0 (0000:1a:00.0) supports (sriov_totalvfs 64); lower numVfs',
    );
    expect(message('ws/elsewhere', 'Applicable')).toBe(
      "nodeSelector zone=b does not match this node's labels",
    );
    expect(message('ws/second', 'Conflict')).toBe(
      'pool wirespeed.io/shared is netdevice by policy ws/first (priority 1); this policy asks for vfio-pci. A pool has one device type: use another resourceName',
    );
    expect(message('ws/twice', 'Valid')).toBe(
      'NetworkNodePolicy ws/twice is given 2 times; give each policy its own name',
    );
    expect(got.policies.find((p) => p.policy === 'ws/none')?.conditions[1]).toEqual({
      type: 'Applicable',
      status: 'False',
      reason: 'NoMatchingNic',
      message: 'no SR-IOV PF on this node matches the nicSelector',
    });
    expect(got.pools.map((p) => p.resourceName)).toEqual(['wirespeed.io/shared']);
  });

  it('health: wrong driver, PF carrier down, VF gone (kept from the previous pools while its slot stays)', () => {
    const pfs = [
      observedPf({
        index: 0,
        vfs: [observedVf(0, 0, { driver: 'vfio-pci', netdev: null }), observedVf(0, 1)],
      }),
      observedPf({ index: 1, vfs: 2, linkState: 'down' }),
    ];
    const policies = [policy('v', { deviceType: 'vfio-pci', numVfs: 2, nicSelector: { vendor: '8086' } })];
    const first = selectPools({ observed: observedHost(pfs), policies });
    const reasons = (sel: typeof first) =>
      sel.pools[0]?.devices.map((d) => [d.id, d.healthy, d.unhealthyReason]);
    expect(reasons(first)).toEqual([
      ['0000:18:02.0', true, undefined],
      [
        '0000:18:02.1',
        false,
        'VF 1 of PF enp24s0f0 (0000:18:00.0): the driver is iavf, the pool needs vfio-pci',
      ],
      [
        '0000:1a:02.0',
        false,
        'VF 0 of PF enp26s0f0 (0000:1a:00.0): the driver is iavf, the pool needs vfio-pci',
      ],
      [
        '0000:1a:02.1',
        false,
        'VF 1 of PF enp26s0f0 (0000:1a:00.0): the driver is iavf, the pool needs vfio-pci',
      ],
    ]);
    const vfio = (i: number) => observedVf(1, i, { driver: 'vfio-pci', netdev: null });
    const later = [
      observedPf({ index: 0, vfs: [observedVf(0, 1, { driver: 'vfio-pci', netdev: null })], numVfs: 2 }),
      observedPf({ index: 1, vfs: [vfio(0), vfio(1)], linkState: 'down' }),
    ];
    const second = selectPools({ observed: observedHost(later), policies, previous: first.pools });
    expect(reasons(second)).toEqual([
      ['0000:18:02.0', false, 'VF 0 of PF enp24s0f0 (0000:18:00.0) is gone'],
      ['0000:18:02.1', true, undefined],
      ['0000:1a:02.0', false, "VF 0 of PF enp26s0f0 (0000:1a:00.0): the PF's carrier is down"],
      ['0000:1a:02.1', false, "VF 1 of PF enp26s0f0 (0000:1a:00.0): the PF's carrier is down"],
    ]);
    const narrower = [
      policy('v', { deviceType: 'vfio-pci', numVfs: 2, nicSelector: { pfNames: ['enp24s0f0#1-1'] } }),
    ];
    expect(
      reasons(selectPools({ observed: observedHost(later), policies: narrower, previous: first.pools })),
    ).toEqual([['0000:18:02.1', true, undefined]]);
  });

  it('interfacesStatus names the pool of each VF, null for VFs no policy selects', () => {
    const small = observedHost([observedPf({ index: 0, vfs: 3 })]);
    const { pools } = selectPools({
      observed: small,
      policies: [policy('a', { nicSelector: { pfNames: ['enp24s0f0#1-2'] } })],
    });
    expect(interfacesStatus(small, pools)[0]?.vfs.map((v) => [v.vfID, v.pool])).toEqual([
      [0, null],
      [1, 'wirespeed.io/a'],
      [2, 'wirespeed.io/a'],
    ]);
  });
});
