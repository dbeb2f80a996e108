import { describe, expect, it } from 'vitest';
import {
  intValue,
  iommuGroupOf,
  isNetworkClass,
  linkName,
  linkStateOf,
  memTotalKiB,
  pciId,
  primaryNetdev,
  resolveNumaNode,
} from './sysfs-values.js';

describe('sysfs values', () => {
  it('reads PCI IDs as lower-case hex without 0x', () => {
    expect([pciId('0x8086\n'), pciId('0x15B3'), pciId('154c\n'), pciId('0x'), pciId(undefined)]).toEqual([
      '8086',
      '15b3',
      '154c',
      null,
      null,
    ]);
  });

  it('reads decimal attributes, refusing anything else', () => {
    expect([intValue('128\n'), intValue('-1\n'), intValue('1.5'), intValue(''), intValue(undefined)]).toEqual(
      [128, -1, null, null, null],
    );
  });

  it('knows network controllers by class 0x02', () => {
    expect(['0x020000\n', '0x020700', '0x030000', '0x02', undefined].map(isNetworkClass)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it.each([
    ['up', '1', 'up'],
    ['up', '0', 'down'],
    ['down', undefined, 'down'],
    ['lowerlayerdown', undefined, 'down'],
    ['up', undefined, 'up'],
    ['unknown', undefined, 'unknown'],
    [undefined, undefined, 'unknown'],
  ] as const)('operstate %s carrier %s → %s', (operstate, carrier, want) => {
    expect(linkStateOf(operstate, carrier)).toBe(want);
  });

  it.each([
    [1, 2, { numaNode: 1, inferred: false }],
    [-1, 1, { numaNode: 0, inferred: true }],
    [null, 0, { numaNode: 0, inferred: true }],
    [-1, 2, { numaNode: -1, inferred: false }],
    [null, 4, { numaNode: -1, inferred: false }],
  ])('numa_node %s on a host with %i nodes', (reported, nodes, want) => {
    expect(resolveNumaNode(reported, nodes)).toEqual(want);
  });

  it('reads link targets, IOMMU groups, meminfo and the primary netdev', () => {
    expect(linkName('../../../bus/pci/drivers/iavf')).toBe('iavf');
    expect(linkName(undefined)).toBeNull();
    expect(iommuGroupOf('../../../kernel/iommu_groups/42')).toBe(42);
    expect(iommuGroupOf('../../../kernel/iommu_groups/x')).toBeNull();
    expect(memTotalKiB('Node 1 MemTotal:       16314740 kB\nNode 1 MemFree: 1 kB\n', 1)).toBe(16314740);
    expect(memTotalKiB('Node 0 MemTotal: 5 kB\n', 1)).toBeNull();
    expect(primaryNetdev(['eth0', 'pf0vf0'], [undefined, 'pf0vf0'])).toBe('eth0');
    expect(primaryNetdev(['a_rep', 'ens1f0'], ['pf0vf0', 'p0'])).toBe('ens1f0');
    expect(primaryNetdev([], [])).toBeNull();
  });
});
