import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCA, issueCertificate } from '../certs/pki.js';
import { silentLogger } from '../telemetry/logger.js';
import { createExtenderMetrics } from './metrics.js';
import { extenderRoutes } from './routes.js';
import { serveExtender } from './server.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-extender-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ca = createCA({ commonName: 'test CA' });
const serving = issueCertificate(ca, { commonName: 'extender', ipAddresses: ['127.0.0.1'], usage: 'server' });
const client = issueCertificate(ca, { commonName: 'kube-scheduler', usage: 'client' });
for (const [name, text] of [
  ['tls.crt', serving.certPem],
  ['tls.key', serving.keyPem],
  ['ca.crt', ca.certPem],
] as const)
  writeFileSync(join(dir, name), text);

function get(port: number, path: string, withCert: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path,
        ca: ca.certPem,
        ...(withCert ? { cert: client.certPem, key: client.keyPem } : {}),
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('serveExtender', () => {
  it('serves the verbs and probes over TLS to a client with a certificate of the CA, and refuses one without', async () => {
    const metrics = createExtenderMetrics({ processMetrics: false });
    const deps = { log: silentLogger, metrics };
    const routes = extenderRoutes(
      { filter: () => ({ fits: [], failed: {}, unresolvable: {} }), prioritize: () => [] },
      { prefix: '', bodyLimitBytes: 1024 },
      deps,
    );
    let reason: string | undefined = 'pods not synced yet';
    const listening = await serveExtender(
      {
        port: 0,
        bindAddress: '127.0.0.1',
        health: { port: 0, bindAddress: '127.0.0.1' },
        tls: {
          certFile: join(dir, 'tls.crt'),
          keyFile: join(dir, 'tls.key'),
          clientCaFile: join(dir, 'ca.crt'),
        },
        keepAliveTimeoutMs: 120_000,
        requestTimeoutMs: 4000,
        shutdownTimeoutMs: 1000,
      },
      routes,
      { notReadyReason: () => reason, ...deps },
    );
    try {
      expect(await get(listening.port, '/healthz', true)).toEqual({ status: 200, body: 'ok' });
      expect(await get(listening.port, '/readyz', true)).toEqual({
        status: 503,
        body: 'pods not synced yet',
      });
      expect(await get(listening.port, '/nope', true)).toEqual({
        status: 404,
        body: '{"Error":"no route GET /nope"}',
      });
      await expect(get(listening.port, '/healthz', false)).rejects.toThrow();
      reason = undefined;
      const health = await fetch(`http://127.0.0.1:${listening.healthPort}/readyz`);
      expect([health.status, await health.text()]).toEqual([200, 'ok']);
      const verbOnHealth = await fetch(`http://127.0.0.1:${listening.healthPort}/filter`, {
        method: 'POST',
        body: '{}',
      });
      expect(verbOnHealth.status).toBe(404);
    } finally {
      await listening.close();
    }
  });
});
