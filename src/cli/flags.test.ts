import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { formatDuration, normalizeSingleDashFlags, parseDuration, parsePort } from './flags.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration: Go time.ParseDuration units plus d', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10 * S],
    ['1.5h', 1.5 * H],
    ['1h30m', H + 30 * M],
    ['30d', 30 * D],
    ['1d12h', D + 12 * H],
    ['2m3.5s', 2 * M + 3500],
    ['1500us', 2],
    ['1000000ns', 1],
    ['.5s', 500],
    ['0', 0],
    ['0s', 0],
    [' 7d ', 7 * D],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', 'd', '3w', '-1d', '30 d', '30D', '1h 30m', 'h1', '1e3s', '99999999999999999999d'])(
    'refuses %j with a message naming the grammar',
    (text) => {
      expect(() => parseDuration(text)).toThrow(InvalidArgumentError);
      expect(() => parseDuration(text)).toThrow(
        `"${text}" is not a duration; use Go's units with an optional d for days, e.g. 500ms, 10s, 1h30m, 30d`,
      );
    },
  );

  it('formats defaults the way they are typed', () => {
    expect([0, 500, 10 * S, 90 * M, 30 * D, D + 1500].map(formatDuration)).toEqual([
      '0s',
      '500ms',
      '10s',
      '1h30m',
      '30d',
      '1d1s500ms',
    ]);
    for (const ms of [500, 10 * S, 90 * M, 30 * D, D + 1500])
      expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});

describe('parsePort', () => {
  it('takes 1-65535, and 0 only where allowed', () => {
    expect(parsePort('8443')).toBe(8443);
    expect(parsePort('0', true)).toBe(0);
    expect(() => parsePort('0')).toThrow('"0" is not a port number (1-65535)');
    for (const bad of ['65536', '-1', '80a', '', '1e3', '0x50'])
      expect(() => parsePort(bad)).toThrow(`"${bad}" is not a port number (1-65535)`);
  });
});

describe('normalizeSingleDashFlags', () => {
  it('rewrites the listed network-resources-injector flags only', () => {
    expect(
      normalizeSingleDashFlags(
        ['-port=8443', '-insecure', '-x', '--port', '-tls-cert-file', 'a.pem', '-unknown=1'],
        ['port', 'insecure', 'tls-cert-file'],
      ),
    ).toEqual(['--port=8443', '--insecure', '-x', '--port', '--tls-cert-file', 'a.pem', '-unknown=1']);
  });
});
