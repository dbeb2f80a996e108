import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { vfs } from '../../../test/support/pools.js';
import { preferredAllocation } from './preferred.js';

const devices = [...vfs(0x3b, 6), ...vfs(0x5e, 3), ...vfs(0x86, 5, { numaNode: 1 })];
const ids = [...devices.map((d) => d.id), '0000:ff:02.0'];

describe('preferredAllocation properties', () => {
  it('chooses distinct offered IDs, keeps every must-include, and as many as asked when offered', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...ids), { maxLength: 20 }),
        fc.array(fc.constantFrom(...ids), { maxLength: 3 }),
        fc.integer({ min: 0, max: 16 }),
        fc.constantFrom('pack' as const, 'spread' as const),
        (available, mustRaw, size, policy) => {
          const mustInclude = [...new Set(mustRaw)].filter((id) => available.includes(id)).slice(0, size);
          const got = preferredAllocation(devices, { available, mustInclude, size }, policy);
          expect(new Set(got).size).toBe(got.length);
          for (const id of got) expect(available).toContain(id);
          for (const id of mustInclude) expect(got).toContain(id);
          expect(got.length).toBe(Math.min(size, new Set(available).size));
        },
      ),
    );
  });
});
