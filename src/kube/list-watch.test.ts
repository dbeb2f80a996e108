import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startFakeApi } from '../../test/support/fake-api.js';
import { createCA, issueCertificate } from '../certs/pki.js';
import { KubeEndpoint } from './endpoint.js';
import { ListWatch, type WatchedObject } from './list-watch.js';

const ca = createCA();
const pair = issueCertificate(ca, { commonName: 'api', ipAddresses: ['127.0.0.1'], usage: 'server' });
const obj = (name: string, rv: string): WatchedObject => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

/**
 * A scripted API server for the list/watch protocol: each list returns `lists.shift()`, each watch streams
 * `watches.shift()` as JSON lines and then closes, so expiry (410) and server-side timeouts can be played out.
 */
async function scriptedApi(lists: WatchedObject[][], watches: Array<Array<Record<string, unknown>>>) {
  const requests: string[] = [];
  let rv = 10;
  const server = https.createServer({ cert: pair.certPem, key: pair.keyPem }, (req, res) => {
    requests.push(req.url!);
    const url = new URL(req.url!, 'https://x');
    res.writeHead(200, { 'content-type': 'application/json' });
    if (url.searchParams.get('watch') === 'true') {
      const script = watches.shift() ?? [];
      const play = async () => {
        for (const event of script) {
          if (typeof event.pauseMs === 'number')
            await new Promise((r) => setTimeout(r, event.pauseMs as number));
          else res.write(`${JSON.stringify(event)}\n`);
        }
        res.end();
      };
      void play();
    } else {
      res.end(JSON.stringify({ items: lists.shift() ?? [], metadata: { resourceVersion: String(rv++) } }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = new KubeEndpoint({
    server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ca: ca.certPem,
  });
  return { endpoint, requests, close: () => new Promise((r) => server.close(r)) };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('ListWatch', () => {
  it('lists, applies watch events, relists after 410 Gone and reports deletions found by the relist', async () => {
    const api = await scriptedApi(
      [
        [obj('a', '1'), obj('b', '2')],
        [obj('a', '1'), obj('c', '5')],
      ],
      [
        [
          { type: 'MODIFIED', object: obj('a', '3') },
          { type: 'BOOKMARK', object: { metadata: { resourceVersion: '4' } } },
          { type: 'ERROR', object: { kind: 'Status', code: 410, message: 'too old resource version' } },
        ],
        [{ pauseMs: 5000 }],
      ],
    );
    const lw = new ListWatch<WatchedObject>(api.endpoint, '/api/v1/things', { retryDelayMs: 10 });
    cleanups.push(() => lw.stop(), api.close);
    const events: string[] = [];
    for (const e of ['add', 'update', 'delete'] as const)
      lw.on(e, (o) => events.push(`${e} ${o.metadata.name}`));
    await lw.start();
    expect(lw.synced).toBe(true);
    await vi.waitFor(() => expect(lw.get('ns', 'c')?.metadata.name).toBe('c'));
    expect(events).toEqual(['add a', 'add b', 'update a', 'update a', 'add c', 'delete b']);
    expect(
      lw
        .list()
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['a', 'c']);
    expect(api.requests[1]).toContain('resourceVersion=10');
    expect(api.requests[1]).toContain('allowWatchBookmarks=true');
  });

  it('resumes a watch the server closed after its lifetime from the last resource version seen', async () => {
    const api = await scriptedApi(
      [[obj('a', '1')]],
      [[{ type: 'ADDED', object: obj('b', '7') }, { pauseMs: 1100 }], [{ pauseMs: 5000 }]],
    );
    const lw = new ListWatch<WatchedObject>(api.endpoint, '/api/v1/things', {
      fieldSelector: 'metadata.name=b',
    });
    cleanups.push(() => lw.stop(), api.close);
    await lw.start();
    await vi.waitFor(() => expect(api.requests.length).toBeGreaterThanOrEqual(3), { timeout: 5000 });
    expect(api.requests[2]).toContain('watch=true');
    expect(api.requests[2]).toContain('resourceVersion=7');
    expect(api.requests.every((r) => r.includes('fieldSelector=metadata.name%3Db'))).toBe(true);
    expect(lw.get('ns', 'b')?.metadata.resourceVersion).toBe('7');
  });

  it('waits the retry delay before starting over when watches keep ending at once', async () => {
    const api = await scriptedApi([], []);
    const lw = new ListWatch<WatchedObject>(api.endpoint, '/api/v1/things', { retryDelayMs: 300 });
    cleanups.push(() => lw.stop(), api.close);
    await lw.start();
    await new Promise((r) => setTimeout(r, 1000));
    // list, watch, then one list+watch per delay: a handful, not the thousands a tight loop makes.
    expect(api.requests.length).toBeGreaterThanOrEqual(4);
    expect(api.requests.length).toBeLessThan(12);
  });
});

describe('ListWatch timeouts', () => {
  it('gives up on a list whose body stalls half-way, keeps the cache unsynced, and lists again', async () => {
    let lists = 0;
    const api = await startFakeApi((req, res) => {
      if (req.url?.includes('watch=true')) return;
      lists++;
      res.writeHead(200, { 'content-type': 'application/json' });
      const body = JSON.stringify({ metadata: { resourceVersion: '3' }, items: [obj('a', '1')] });
      if (lists === 1) res.write(body.slice(0, 20));
      else res.end(body);
    });
    const lw = new ListWatch<WatchedObject>(api.endpoint, '/api/v1/things', {
      retryDelayMs: 50,
      listTimeoutMs: 300,
    });
    cleanups.push(() => lw.stop(), api.close);
    await lw.start();
    expect(lw.synced).toBe(false);
    expect(lw.lastError?.message).toBe('list /api/v1/things: the page did not arrive within 300 ms');
    await vi.waitFor(() => expect(lw.synced).toBe(true));
    expect(lw.get('ns', 'a')?.metadata.resourceVersion).toBe('1');
    expect(lw.currentAt).toBeTypeOf('number');
  });
});
