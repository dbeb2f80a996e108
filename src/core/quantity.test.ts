import { describe, expect, it } from 'vitest';
import { formatBinaryQuantity, parseWholeQuantity } from './quantity.js';

describe('parseWholeQuantity', () => {
  it.each([
    ['0', 0n],
    ['3', 3n],
    [' 12 ', 12n],
    ['1k', 1000n],
    ['2Gi', 2n * 1024n ** 3n],
    ['1024Mi', 1024n ** 3n],
    ['1.5Gi', 3n * 512n * 1024n ** 2n],
    ['1e3', 1000n],
    ['2E', 2n * 10n ** 18n],
  ])('%s is %s', (text, expected) => {
    expect(parseWholeQuantity(text)).toBe(expected);
  });

  it.each(['', 'abc', '-1', '1.5', '500m', '1e-3', '1 Gi', '1gi', '1e400'])(
    '%j is not a whole quantity',
    (text) => {
      expect(parseWholeQuantity(text)).toBeUndefined();
    },
  );
});

describe('formatBinaryQuantity', () => {
  it.each([
    [0n, '0'],
    [2n * 1024n ** 3n, '2Gi'],
    [3n * 1024n ** 2n, '3Mi'],
    [1536n * 1024n ** 2n, '1536Mi'],
    [1000n, '1000'],
  ])('%s is %s', (bytes, text) => {
    expect(formatBinaryQuantity(bytes)).toBe(text);
  });
});
