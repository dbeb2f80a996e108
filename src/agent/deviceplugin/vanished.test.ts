import { describe, expect, it } from 'vitest';
import { pool, vf, vfs } from '../../../test/support/pools.js';
import { heldDevices, keepHeldVanished, VANISHED_REASON } from './vanished.js';

describe('keepHeldVanished', () => {
  const before = [pool('example.com/a', vfs(0x3b, 3)), pool('example.com/b', vfs(0x5e, 1))];

  it('keeps a vanished VF a pod holds, Unhealthy, in VF order; drops one nobody holds', () => {
    const now = [pool('example.com/a', [vf(0x3b, 0)]), pool('example.com/b', [])];
    const held = new Map([['example.com/a', new Set(['0000:3b:02.1', '0000:3b:02.0'])]]);
    expect(keepHeldVanished(before, now, held)).toEqual([
      pool('example.com/a', [
        vf(0x3b, 0),
        { ...vf(0x3b, 1), healthy: false, unhealthyReason: VANISHED_REASON },
      ]),
      pool('example.com/b', []),
    ]);
  });

  it('changes nothing when nothing vanished or nothing is held', () => {
    expect(keepHeldVanished(before, before, new Map())).toEqual(before);
    expect(keepHeldVanished([], before, new Map([['example.com/a', new Set(['0000:3b:02.0'])]]))).toEqual(
      before,
    );
  });
});

describe('heldDevices', () => {
  it('collects IDs per resource over pods and containers, once each', () => {
    const held = heldDevices([
      {
        containers: [
          {
            devices: [
              { resourceName: 'a', deviceIds: ['x'] },
              { resourceName: 'a', deviceIds: ['y'] },
            ],
          },
          { devices: [{ resourceName: 'b', deviceIds: ['z'] }] },
        ],
      },
      { containers: [{ devices: [{ resourceName: 'a', deviceIds: ['x'] }] }] },
    ]);
    expect([...held].map(([k, v]) => [k, [...v]])).toEqual([
      ['a', ['x', 'y']],
      ['b', ['z']],
    ]);
  });
});
