import { describe, expect, it } from 'vitest';
import { rangeList } from './ranges.js';

describe('rangeList', () => {
  it('writes runs as ranges, sorted, in the kernel cpulist spelling by default', () => {
    expect(rangeList([8, 0, 1, 2, 3, 10, 11])).toBe('0-3,8,10-11');
  });

  it('takes a separator, drops repeats and writes nothing for no numbers', () => {
    expect(rangeList([6, 3, 2, 1, 0, 3], ', ')).toBe('0-3, 6');
    expect(rangeList([5])).toBe('5');
    expect(rangeList([])).toBe('');
  });
});
