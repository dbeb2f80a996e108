import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { admissionReviewText, decodePatch, fixtureNads, httpsRequest } from '../../test/support/admission.js';
import { createCA, issueCertificate, type PemPair } from '../certs/pki.js';
import { defaultInjectionConfig } from '../core/inject/config.js';
import { ProjectedSecretDir } from '../devcluster/projected-secret.js';
import { silentLogger } from '../telemetry/logger.js';
import { startWebhook, type Webhook, type WebhookConfig } from './main.js';
import { createWebhookMetrics, type WebhookMetrics } from './metrics.js';
import { type NadSource, StaticNadSource } from './nad-source.js';

const fixture = admissionReviewText();
const nads = fixtureNads();

const ca = createCA({ commonName: 'wirespeed test CA' });
const serving = (cn = 'wirespeed-webhook'): PemPair =>
  issueCertificate(ca, { commonName: cn, ipAddresses: ['127.0.0.1'], usage: 'server' });

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(
  opts: Partial<WebhookConfig> & {
    nadSource?: NadSource;
    secret?: ProjectedSecretDir;
    now?: () => Date;
  } = {},
): Promise<{ server: Webhook; metrics: WebhookMetrics; secret: ProjectedSecretDir }> {
  const secret = opts.secret ?? new ProjectedSecretDir(serving());
  const metrics = createWebhookMetrics({ processMetrics: false });
  const server = await startWebhook(
    {
      port: 0,
      bindAddress: '127.0.0.1',
      healthPort: 0,
      tls: secret.files,
      clientCaFiles: [],
      certPollIntervalMs: 200,
      ...opts,
    },
    {
      nads: opts.nadSource ?? new StaticNadSource(nads),
      config: () => defaultInjectionConfig(),
      log: silentLogger,
      metrics,
      ...(opts.now ? { now: opts.now } : {}),
    },
  );
  cleanups.push(() => server.stop());
  cleanups.push(() => secret.remove());
  return { server, metrics, secret };
}

/** The parts of an AdmissionReview or a Status the assertions read. */
interface ReviewOrStatus {
  message: string;
  response: { uid: string; allowed: boolean; patch: string };
}

interface Reply {
  status: number;
  body: string;
  json: () => ReviewOrStatus;
  peerFingerprint: string;
}

function request(
  port: number,
  path: string,
  opts: { method?: string; body?: string; contentType?: string; agent?: https.Agent; cert?: PemPair } = {},
): Promise<Reply> {
  return httpsRequest({ port, path, caPem: ca.certPem, ...opts }).then((reply) => ({
    ...reply,
    json: () => JSON.parse(reply.body) as ReviewOrStatus,
  }));
}

describe('webhook server over real TLS', () => {
  it('mutates a pod, echoing the uid, with a base64 JSON patch', async () => {
    const { server } = await start();
    const reply = await request(server.port, '/mutate', { method: 'POST', body: fixture });
    expect(reply.status).toBe(200);
    const review = reply.json();
    expect(review.response.uid).toBe(JSON.parse(fixture).request.uid);
    expect(review.response.allowed).toBe(true);
    const ops = decodePatch(review);
    expect(ops).toContainEqual({
      op: 'add',
      path: '/spec/containers/0/resources/limits/intel.com~1sriov_a',
      value: '2',
    });
  });

  it('accepts a JSON content type with parameters and refuses others with 415', async () => {
    const { server } = await start();
    const ok = await request(server.port, '/mutate', {
      method: 'POST',
      body: fixture,
      contentType: 'application/json; charset=utf-8',
    });
    expect(ok.status).toBe(200);
    const bad = await request(server.port, '/mutate', {
      method: 'POST',
      body: fixture,
      contentType: 'text/plain',
    });
    expect(bad.status).toBe(415);
    expect(bad.json().message).toContain('application/json');
  });

  it('answers malformed JSON and unknown paths with a 4xx naming the problem', async () => {
    const { server } = await start();
    const broken = await request(server.port, '/mutate', {
      method: 'POST',
      body: '{"kind": "AdmissionReview",',
    });
    expect(broken.status).toBe(400);
    expect(broken.json().message).toContain('invalid request body');
    const missing = await request(server.port, '/nope');
    expect(missing.status).toBe(404);
    expect(missing.json().message).toContain('POST /mutate');
  });

  it('answers any body with a 2xx or 4xx, never a 5xx, and stays up', async () => {
    const { server } = await start();
    const agent = new https.Agent({ keepAlive: true, ca: ca.certPem, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    const review = JSON.parse(fixture);
    const bodies = fc.oneof(
      fc.string(),
      fc.json(),
      fc.jsonValue().map((object) => JSON.stringify({ ...review, request: { ...review.request, object } })),
      fc
        .dictionary(
          fc.constantFrom(
            'k8s.v1.cni.cncf.io/networks',
            'wirespeed.io/target-containers',
            'wirespeed.io/injected',
          ),
          fc.string(),
        )
        .map((annotations) => {
          const copy = structuredClone(review);
          copy.request.object.metadata.annotations = annotations;
          return JSON.stringify(copy);
        }),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const reply = await request(server.port, '/mutate', { method: 'POST', body, agent });
        expect(reply.status).toBeGreaterThanOrEqual(200);
        expect(reply.status).toBeLessThan(500);
        expect(() => JSON.parse(reply.body)).not.toThrow();
      }),
      { numRuns: 300 },
    );
    expect((await request(server.port, '/healthz')).status).toBe(200);
  });

  it('refuses a body over the limit with 413 and keeps serving', async () => {
    const { server } = await start({ admission: { bodyLimitBytes: 4096 } });
    const big = await request(server.port, '/mutate', { method: 'POST', body: fixture });
    expect(big.status).toBe(413);
    expect(big.json().message).toContain('exceeds 4096 bytes');
    expect((await request(server.port, '/healthz')).status).toBe(200);
  });

  it('reports readiness only once the NAD cache has synced', async () => {
    let synced = false;
    const source = new (class extends StaticNadSource {
      override notReadyReason(): string | undefined {
        return synced ? undefined : 'network-attachment-definition cache not synced yet';
      }
    })(nads);
    const { server } = await start({ nadSource: source });
    const before = await request(server.port, '/readyz');
    expect(before.status).toBe(503);
    expect(before.body).toContain('not synced');
    synced = true;
    expect((await request(server.port, '/readyz')).status).toBe(200);
    expect((await request(server.port, '/healthz')).status).toBe(200);
  });

  it('exposes the seconds to certificate expiry and is not ready once the certificate has expired', async () => {
    let now = new Date();
    const { server } = await start({ now: () => now });
    const notAfter = server.reloader.current!.notAfter;
    now = new Date(notAfter.getTime() - 3600_000);
    const text = await fetch(`http://127.0.0.1:${server.healthPort}/metrics`).then((r) => r.text());
    expect(text).toContain('wirespeed_webhook_certificate_expiry_seconds 3600');
    expect((await request(server.port, '/readyz')).status).toBe(200);
    now = new Date(notAfter.getTime() + 1000);
    const expired = await request(server.port, '/readyz');
    expect(expired.status).toBe(503);
    expect(expired.body).toBe(
      `serving certificate expired at ${notAfter.toISOString()}; renew the Secret (wirespeed certs)`,
    );
  });

  it('serves health and metrics on the plain-HTTP port, counting requests and denials', async () => {
    const { server } = await start();
    await request(server.port, '/mutate', { method: 'POST', body: fixture });
    const denied = JSON.parse(fixture);
    denied.request.object.metadata.annotations['k8s.v1.cni.cncf.io/networks'] = 'missing';
    await request(server.port, '/mutate', { method: 'POST', body: JSON.stringify(denied) });
    const text = await fetch(`http://127.0.0.1:${server.healthPort}/metrics`).then((r) => r.text());
    expect(text).toMatch(/wirespeed_webhook_requests_total\{outcome="patched"\} 1/);
    expect(text).toMatch(/wirespeed_webhook_denials_total\{reason="NetworkNotFound"\} 1/);
    expect(text).toContain('wirespeed_webhook_request_duration_seconds_bucket');
    expect((await fetch(`http://127.0.0.1:${server.healthPort}/readyz`)).status).toBe(200);
  });

  // Many handshakes per swap: on a shared 2-core machine under load, more than the default 5 s.
  it('swaps its certificate under load with zero failed requests', async () => {
    const { server, metrics, secret } = await start();
    const pairs = [serving('second'), serving('third'), serving('fourth')];
    const fingerprints = new Set<string>();
    let failures = 0;
    let done = 0;
    let stop = false;
    const worker = async () => {
      // Fresh connection each time, so every request goes through a TLS handshake with the current context.
      while (!stop) {
        try {
          const reply = await request(server.port, '/mutate', { method: 'POST', body: fixture });
          if (reply.status !== 200 || reply.json().response.allowed !== true) failures++;
          fingerprints.add(reply.peerFingerprint);
        } catch {
          failures++;
        }
        done++;
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    for (const pair of pairs) {
      // Each swap happens while requests are completing, and requests keep completing after it.
      const before = done;
      await vi.waitFor(() => expect(done).toBeGreaterThan(before), { timeout: 10_000 });
      secret.write(pair);
      const expected = new X509Certificate(pair.certPem).fingerprint256;
      await vi.waitFor(() => expect(server.reloader.current?.fingerprint).toBe(expected), {
        timeout: 10_000,
      });
      await vi.waitFor(() => expect(fingerprints).toContain(expected), { timeout: 10_000 });
    }
    stop = true;
    await Promise.all(workers);
    expect(failures).toBe(0);
    for (const pair of pairs)
      expect(fingerprints).toContain(new X509Certificate(pair.certPem).fingerprint256);
    expect(
      (await metrics.certificateReloads.get()).values.find((v) => v.labels.result === 'loaded')?.value,
    ).toBe(3);
  }, 30_000);

  it('keeps the current certificate when the new pair does not match', async () => {
    const { server, metrics, secret } = await start();
    const before = (await request(server.port, '/healthz')).peerFingerprint;
    secret.write({ certPem: serving('mismatch').certPem, keyPem: serving('other').keyPem });
    await vi.waitFor(async () => {
      const rejected = (await metrics.certificateReloads.get()).values.find(
        (v) => v.labels.result === 'rejected',
      );
      expect(rejected?.value).toBe(1);
    });
    const after = await request(server.port, '/healthz');
    expect(after.status).toBe(200);
    expect(after.peerFingerprint).toBe(before);
  });

  it('requires a client certificate from the configured CA, before and after a certificate reload', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirespeed-ca-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'ca.crt'), ca.certPem);
    const { server, secret } = await start({ clientCaFiles: [join(dir, 'ca.crt')] });
    await expect(request(server.port, '/healthz')).rejects.toThrow();
    const client = issueCertificate(ca, { commonName: 'kube-apiserver', usage: 'client' });
    expect((await request(server.port, '/healthz', { cert: client })).status).toBe(200);
    const next = serving('rotated');
    secret.write(next);
    const expected = new X509Certificate(next.certPem).fingerprint256;
    await vi.waitFor(() => expect(server.reloader.current?.fingerprint).toBe(expected), { timeout: 10_000 });
    const after = await request(server.port, '/healthz', { cert: client });
    expect(after.status).toBe(200);
    expect(after.peerFingerprint).toBe(expected);
    await expect(request(server.port, '/healthz')).rejects.toThrow();
  });

  it('on shutdown turns readiness off, finishes in-flight work, then closes', async () => {
    const { server } = await start({ shutdownDelayMs: 300 });
    const agent = new https.Agent({ keepAlive: true, ca: ca.certPem });
    cleanups.push(() => agent.destroy());
    expect((await request(server.port, '/readyz', { agent })).status).toBe(200);
    const stopping = server.stop();
    const during = await request(server.port, '/readyz', { agent });
    expect(during.status).toBe(503);
    expect(during.body).toBe('shutting down');
    const mutateDuring = await request(server.port, '/mutate', { method: 'POST', body: fixture, agent });
    expect(mutateDuring.status).toBe(200);
    await stopping;
    await expect(request(server.port, '/healthz')).rejects.toThrow();
  });
});
