import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { composeReadiness, probeHandler } from './probes.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

describe('composeReadiness', () => {
  it('gives the first failing reason in order, and undefined once all pass', () => {
    const state = { a: 'a not yet' as string | undefined, b: 'b not yet' as string | undefined };
    const ready = composeReadiness([
      { name: 'a', notReadyReason: () => state.a },
      { name: 'b', notReadyReason: () => state.b },
    ]);
    expect(ready()).toBe('a not yet');
    state.a = undefined;
    expect(ready()).toBe('b not yet');
    state.b = undefined;
    expect(ready()).toBeUndefined();
  });
});

describe('probeHandler', () => {
  it('answers /healthz, /readyz with the reason, /metrics, and leaves other paths to the caller', async () => {
    let reason: string | undefined = 'cache not synced';
    const probes = probeHandler({ notReadyReason: () => reason, registry: new Registry() });
    const server = http.createServer((req, res) => {
      if (!probes(req, res)) res.writeHead(418).end();
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const get = async (path: string, method = 'GET') => {
      const res = await fetch(`${url}${path}`, { method });
      return `${res.status} ${await res.text()}`;
    };
    expect(await get('/healthz')).toBe('200 ok');
    expect(await get('/readyz')).toBe('503 cache not synced');
    reason = undefined;
    expect(await get('/readyz?verbose')).toBe('200 ok');
    expect(await get('/metrics')).toBe('200 \n');
    expect(await get('/healthz', 'HEAD')).toBe('200 ');
    expect(await get('/other')).toBe('418 ');
    expect(await get('/healthz', 'POST')).toBe('418 ');
  });
});
