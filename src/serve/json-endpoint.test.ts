import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type JsonEndpointOptions,
  type JsonLimits,
  jsonEndpoint,
  nestingDepth,
  parseBounded,
} from './json-endpoint.js';

const LIMITS: JsonLimits = {
  bodyLimitBytes: 64 * 1024,
  maxDepth: 8,
  depthCheckAboveBytes: 30,
  maxInFlight: 2,
  largeBodyBytes: 1024,
  maxLargeInFlight: 1,
};

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(opts: Partial<JsonEndpointOptions> = {}): Promise<number> {
  const server = http.createServer(
    jsonEndpoint({
      limits: LIMITS,
      handle: async ({ body }) => ({ status: 200, body: { echo: body } }),
      ...opts,
    }),
  );
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

async function post(port: number, body: string, contentType = 'application/json') {
  const res = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    body,
    headers: { 'content-type': contentType },
  });
  return { status: res.status, body: (await res.json()) as { message?: string; echo?: unknown } };
}

/** A POST that sends its headers and `first` bytes of body and then holds the connection open. */
function hold(port: number, length: number, first: string): http.ClientRequest {
  const req = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': length },
  });
  req.on('error', () => {});
  req.write(first);
  return req;
}

describe('nestingDepth', () => {
  it('counts brackets outside strings only, escaped quotes included', () => {
    expect(nestingDepth(Buffer.from('{"a":[1,{"b":"[[[[\\"[["}]}'), 100)).toBe(3);
    expect(nestingDepth(Buffer.from('"{{{{"'), 100)).toBe(0);
    expect(nestingDepth(Buffer.from('[[[[[[[[[[[[[[[['), 4)).toBe(5);
  });
});

/** The nesting depth of a parsed JSON value, for comparison. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

describe('nestingDepth, for any JSON', () => {
  it('is the depth of the parsed value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), (value) => {
        expect(nestingDepth(Buffer.from(JSON.stringify(value)), 1000)).toBe(depthOf(value));
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseBounded', () => {
  it('refuses nesting past the cap before parsing, and reports parse errors', () => {
    expect(parseBounded(Buffer.from('['.repeat(100_000)), 64)).toEqual({
      ok: false,
      message: 'nested deeper than 64 levels',
    });
    expect(parseBounded(Buffer.from('{"a":1}'), 64)).toEqual({ ok: true, value: { a: 1 } });
    expect(parseBounded(Buffer.from('{"a":'), 64).ok).toBe(false);
  });
});

describe('jsonEndpoint', () => {
  it('answers with the handler reply, and refuses wrong types, large and deep bodies with a Status', async () => {
    const refused: number[] = [];
    const port = await serve({ onRefused: (status) => refused.push(status) });
    expect(await post(port, '{"a":1}')).toEqual({ status: 200, body: { echo: { a: 1 } } });
    const type = await post(port, '{}', 'text/plain');
    expect(type.status).toBe(415);
    expect(type.body.message).toBe('Content-Type must be application/json, not "text/plain"');
    const large = await post(port, `"${'x'.repeat(70 * 1024)}"`);
    expect(large).toEqual({
      status: 413,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        code: 413,
        message: 'request body exceeds 65536 bytes',
      },
    });
    const deep = await post(port, '['.repeat(20) + ']'.repeat(20));
    expect(deep.status).toBe(400);
    expect(deep.body.message).toBe('invalid request body: nested deeper than 8 levels');
    // Bodies up to depthCheckAboveBytes are parsed without the check: too small to nest deep enough to matter.
    const small = await post(port, '['.repeat(10) + ']'.repeat(10));
    expect(small.status).toBe(200);
    expect(refused).toEqual([415, 413, 400]);
  });

  it('refuses requests over the in-flight cap and large bodies over theirs, at once, with 429', async () => {
    const port = await serve();
    const held = [hold(port, 2000, '"'), hold(port, 10, '"')];
    await new Promise((r) => setTimeout(r, 100));
    // Both slots taken by requests still sending their bodies: the next one is refused, not queued.
    const busy = await post(port, '{}');
    expect(busy.status).toBe(429);
    expect(busy.body.message).toBe('too many requests in flight (2); retry');
    held[1]!.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const large = await post(port, `"${'x'.repeat(2000)}"`);
    expect(large.status).toBe(429);
    expect(large.body.message).toBe('too many requests over 1024 bytes in flight (1); retry');
    held[0]!.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await post(port, `"${'x'.repeat(2000)}"`)).status).toBe(200);
  });

  it('aborts the request signal once the reply is sent', async () => {
    let signal: AbortSignal | undefined;
    const port = await serve({
      handle: async (request) => {
        signal = request.signal;
        expect(signal.aborted).toBe(false);
        return { status: 200, body: {} };
      },
    });
    await post(port, '{}');
    expect(signal?.aborted).toBe(true);
  });
});
