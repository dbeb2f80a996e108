import { describe, expect, it } from 'vitest';
import { formatMicroTime, leaseIsLive } from './liveness.js';

const now = new Date('2026-12-01T09:00:40Z');

describe('leaseIsLive', () => {
  it.each([
    { name: 'renewed 39.999 s ago', renewTime: '2026-12-01T09:00:00.001000Z', want: true },
    { name: 'renewed exactly 40 s ago', renewTime: '2026-12-01T09:00:00.000000Z', want: false },
    { name: 'renewed in the future (clock skew)', renewTime: '2026-12-01T09:01:00.000000Z', want: true },
    { name: 'an unparsable renewTime', renewTime: 'yesterday', want: false },
  ])('$name: $want', ({ renewTime, want }) => {
    expect(leaseIsLive({ renewTime, leaseDurationSeconds: 40 }, now)).toBe(want);
  });

  it('is not live without a renewTime, a duration, or a spec', () => {
    expect(leaseIsLive({ leaseDurationSeconds: 40 }, now)).toBe(false);
    expect(leaseIsLive({ renewTime: '2026-12-01T09:00:39.000000Z' }, now)).toBe(false);
    expect(leaseIsLive(undefined, now)).toBe(false);
  });
});

describe('formatMicroTime', () => {
  it('writes six fractional digits, as metav1.MicroTime', () => {
    expect(formatMicroTime(new Date('2026-12-01T09:00:01.234Z'))).toBe('2026-12-01T09:00:01.234000Z');
  });
});
