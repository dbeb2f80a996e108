import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { admissionReviewText } from '../../test/support/admission.js';
import { defaultInjectionConfig } from '../core/inject/config.js';
import { createWebhookMetrics } from './metrics.js';
import { bounded, DEFAULT_ADMISSION_LIMITS, mutateEndpoint } from './mutate-endpoint.js';
import { StaticNadSource } from './nad-source.js';

const fixture = JSON.parse(admissionReviewText()) as {
  request: { uid: string; object: { metadata: { name?: string } } };
};

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

describe('bounded', () => {
  it('cuts long strings, noting the length, and leaves the rest alone', () => {
    expect(bounded('x'.repeat(300))).toBe(`${'x'.repeat(256)}…(300 chars)`);
    expect(bounded('short')).toBe('short');
    expect(bounded(undefined)).toBeUndefined();
  });
});

describe('mutateEndpoint', () => {
  it('logs a 1 MiB uid and pod name cut to 256 characters', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).trim().split('\n')) lines.push(JSON.parse(line));
        done();
      },
    });
    const handler = mutateEndpoint(
      {
        nads: new StaticNadSource([]),
        config: () => defaultInjectionConfig(),
        log: pino({ level: 'info' }, sink),
        metrics: createWebhookMetrics({ processMetrics: false }),
      },
      DEFAULT_ADMISSION_LIMITS,
    );
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const review = structuredClone(fixture);
    review.request.uid = 'u'.repeat(1 << 20);
    review.request.object.metadata.name = 'p'.repeat(100_000);
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mutate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(review),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const admission = lines.find((l) => l.msg === 'admission');
    expect(admission?.uid).toBe(`${'u'.repeat(256)}…(1048576 chars)`);
    expect(admission?.pod).toBe(`${'p'.repeat(256)}…(100000 chars)`);
  });
});
