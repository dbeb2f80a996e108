import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCA, issueCertificate } from '../certs/pki.js';
import { KubeEndpoint } from '../kube/endpoint.js';
import { silentLogger } from '../telemetry/logger.js';
import { createWebhookMetrics } from './metrics.js';
import { InformerNadSource, NadLookupError } from './nad-cache.js';

const ca = createCA();
const pair = issueCertificate(ca, { commonName: 'api', ipAddresses: ['127.0.0.1'], usage: 'server' });

/** An API endpoint that answers every request with one status, as a cluster without the NAD CRD does (404). */
async function apiAnswering(status: number, message: string) {
  const server = https.createServer({ cert: pair.certPem, key: pair.keyPem }, (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: status, message }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const kc = new KubeEndpoint({
    server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ca: ca.certPem,
  });
  return { kc, close: () => new Promise((r) => server.close(r)) };
}

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const nadSource = (endpoint: KubeEndpoint, opts: { restartDelayMs?: number } = {}) =>
  new InformerNadSource(endpoint, silentLogger, createWebhookMetrics({ processMetrics: false }), {
    negativeTtlMs: 1000,
    ...opts,
  });

describe('InformerNadSource failures', () => {
  it('says the CRD is missing when listing answers 404, and stays unsynced', async () => {
    const api = await apiAnswering(404, 'the server could not find the requested resource');
    closers.push(api.close);
    const source = nadSource(api.kc, { restartDelayMs: 60_000 });
    closers.push(() => source.stop());
    void source.start();
    await vi.waitFor(() => expect(source.lastError).toContain('CRD is not installed'));
    expect(source.synced).toBe(false);
  });

  it('turns an API error on a GET into a lookup error naming the NAD and the status', async () => {
    const api = await apiAnswering(500, 'etcd is unhappy');
    closers.push(api.close);
    const source = nadSource(api.kc);
    const lookup = source.get('cnf', 'sriov-a');
    await expect(lookup).rejects.toThrow(NadLookupError);
    await expect(lookup).rejects.toThrow(
      'could not read network-attachment-definition cnf/sriov-a: HTTP 500: etcd is unhappy',
    );
  });
});
