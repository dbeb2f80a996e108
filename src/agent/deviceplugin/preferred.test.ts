import { describe, expect, it } from 'vitest';
import { vfs } from '../../../test/support/pools.js';
import type { PoolDevice } from '../../core/pools/types.js';
import { type PreferredAllocationPolicy, preferredAllocation } from './preferred.js';

// PF 0x3b: 4 VFs (0000:3b:02.0-3), PF 0x5e: 2 VFs (0000:5e:02.0-1), PF 0x86: 3 VFs (0000:86:02.0-2).
const devices: PoolDevice[] = [...vfs(0x3b, 4), ...vfs(0x5e, 2), ...vfs(0x86, 3)];
const all = devices.map((d) => d.id);
const id = (bus: string, vf: number) => `0000:${bus}:02.${vf}`;

interface Case {
  name: string;
  policy: PreferredAllocationPolicy;
  available: string[];
  mustInclude?: string[];
  size: number;
  want: string[];
}

const cases: Case[] = [
  {
    name: 'pack: 2 fit the 2-VF PF exactly (tightest fit)',
    policy: 'pack',
    available: all,
    size: 2,
    want: [id('5e', 0), id('5e', 1)],
  },
  {
    name: 'pack: 3 go to the 3-VF PF, not the 4-VF one',
    policy: 'pack',
    available: all,
    size: 3,
    want: [id('86', 0), id('86', 1), id('86', 2)],
  },
  {
    name: 'pack: 4 need the 4-VF PF',
    policy: 'pack',
    available: all,
    size: 4,
    want: [id('3b', 0), id('3b', 1), id('3b', 2), id('3b', 3)],
  },
  {
    name: 'pack: 6 fit on no PF: the largest PF, then the tightest fit for the rest',
    policy: 'pack',
    available: all,
    size: 6,
    want: [id('3b', 0), id('3b', 1), id('3b', 2), id('3b', 3), id('5e', 0), id('5e', 1)],
  },
  {
    name: 'pack: must-include pulls its PF first',
    policy: 'pack',
    available: all,
    mustInclude: [id('3b', 2)],
    size: 3,
    want: [id('3b', 2), id('3b', 0), id('3b', 1)],
  },
  {
    name: 'pack: only what the kubelet offers (NUMA-filtered), in VF order',
    policy: 'pack',
    available: [id('86', 2), id('3b', 3), id('86', 0)],
    size: 2,
    want: [id('86', 0), id('86', 2)],
  },
  {
    name: 'spread: one per PF, larger PFs first on ties',
    policy: 'spread',
    available: all,
    size: 3,
    want: [id('3b', 0), id('86', 0), id('5e', 0)],
  },
  {
    name: 'spread: round robin continues over the PFs with devices left',
    policy: 'spread',
    available: all,
    size: 7,
    want: [id('3b', 0), id('86', 0), id('5e', 0), id('3b', 1), id('86', 1), id('5e', 1), id('3b', 2)],
  },
  {
    name: 'spread: must-include counts for its PF',
    policy: 'spread',
    available: all,
    mustInclude: [id('3b', 1)],
    size: 3,
    want: [id('3b', 1), id('86', 0), id('5e', 0)],
  },
  {
    name: 'asking for more than offered returns all offered',
    policy: 'pack',
    available: [id('5e', 1), id('5e', 0)],
    size: 3,
    want: [id('5e', 0), id('5e', 1)],
  },
  {
    name: 'repeated IDs count once; unknown IDs come last',
    policy: 'pack',
    available: ['0000:ff:02.0', id('5e', 1), id('5e', 1)],
    size: 2,
    want: [id('5e', 1), '0000:ff:02.0'],
  },
  {
    name: 'must-include alone fills the request',
    policy: 'spread',
    available: all,
    mustInclude: [id('86', 1)],
    size: 1,
    want: [id('86', 1)],
  },
];

describe('preferredAllocation', () => {
  it.each(cases)('$name', ({ policy, available, mustInclude, size, want }) => {
    expect(preferredAllocation(devices, { available, mustInclude: mustInclude ?? [], size }, policy)).toEqual(
      want,
    );
  });
});
