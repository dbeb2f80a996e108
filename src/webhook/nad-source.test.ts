import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type FakeApi, json, startFakeApi, status } from '../../test/support/fake-api.js';
import type { KubeEndpointOptions } from '../kube/endpoint.js';
import { silentLogger } from '../telemetry/logger.js';
import { createWebhookMetrics, type WebhookMetrics } from './metrics.js';
import { type InformerNadOptions, InformerNadSource, NadLookupError } from './nad-source.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function api(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  opts: Partial<KubeEndpointOptions> = {},
): Promise<FakeApi> {
  const fake = await startFakeApi(handler, opts);
  cleanups.push(() => fake.close());
  return fake;
}

function source(
  fake: FakeApi,
  opts: Partial<InformerNadOptions> = {},
): { nads: InformerNadSource; metrics: WebhookMetrics } {
  const metrics = createWebhookMetrics({ processMetrics: false });
  const nads = new InformerNadSource(fake.endpoint, silentLogger, metrics, { negativeTtlMs: 1000, ...opts });
  cleanups.push(() => nads.stop());
  return { nads, metrics };
}

const isWatch = (req: IncomingMessage) => req.url?.includes('watch=true') === true;
const isList = (req: IncomingMessage) =>
  req.url?.startsWith('/apis/k8s.cni.cncf.io/v1/network-attachment-definitions') === true;

const bigNad = (name: string) => ({
  apiVersion: 'k8s.cni.cncf.io/v1',
  kind: 'NetworkAttachmentDefinition',
  metadata: {
    name,
    namespace: 'cnf',
    uid: `uid-${name}`,
    resourceVersion: '5',
    managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': { 'f:config': {} } } }],
    annotations: { 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/a', note: 'x'.repeat(10_000) },
  },
  spec: { config: 'c'.repeat(200_000) },
});

describe('InformerNadSource', () => {
  it('says the CRD is missing when listing answers 404, and stays unsynced', async () => {
    const fake = await api((_req, res) =>
      status(res, 404, 'the server could not find the requested resource'),
    );
    const { nads } = source(fake, { restartDelayMs: 60_000 });
    void nads.start();
    await vi.waitFor(() => expect(nads.lastError).toContain('CRD is not installed'));
    expect(nads.synced).toBe(false);
    expect(nads.notReadyReason()).toMatch(
      /^network-attachment-definition cache not synced yet: the NetworkAttachmentDefinition CRD/,
    );
  });

  it('turns an API error on a GET into a lookup error naming the NAD and the status', async () => {
    const fake = await api((_req, res) => status(res, 500, 'etcd is unhappy'));
    const { nads } = source(fake);
    const lookup = nads.get('cnf', 'sriov-a');
    await expect(lookup).rejects.toThrow(NadLookupError);
    await expect(lookup).rejects.toThrow(
      'could not read network-attachment-definition cnf/sriov-a: HTTP 500: etcd is unhappy',
    );
  });

  it('lists in pages and keeps only metadata and the annotations decisions read', async () => {
    const fake = await api((req, res) => {
      if (isWatch(req)) return; // held open
      const url = new URL(req.url!, 'https://x');
      if (url.searchParams.get('continue') === 'page-2') {
        return json(res, 200, { kind: 'List', metadata: { resourceVersion: '9' }, items: [bigNad('b')] });
      }
      json(res, 200, {
        kind: 'List',
        metadata: { resourceVersion: '9', continue: 'page-2' },
        items: [bigNad('a')],
      });
    });
    const { nads } = source(fake);
    await nads.start();
    expect(fake.requests.slice(0, 2)).toEqual([
      '/apis/k8s.cni.cncf.io/v1/network-attachment-definitions?limit=500',
      '/apis/k8s.cni.cncf.io/v1/network-attachment-definitions?limit=500&continue=page-2',
    ]);
    expect(nads.get('cnf', 'b')).toEqual({
      apiVersion: 'k8s.cni.cncf.io/v1',
      kind: 'NetworkAttachmentDefinition',
      metadata: {
        name: 'b',
        namespace: 'cnf',
        uid: 'uid-b',
        resourceVersion: '5',
        annotations: { 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/a' },
      },
    });
  });

  it('before sync, one pod naming 50 unknown NADs costs at most 8 GETs over at most maxSockets connections', async () => {
    const fake = await api(
      (req, res) => {
        if (isList(req)) return status(res, 503, 'starting');
        setTimeout(() => status(res, 404, 'not found'), 50);
      },
      { maxSockets: 4 },
    );
    const { nads, metrics } = source(fake);
    const request = nads.forRequest(() => new AbortController().signal);
    const answers = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => request.get('cnf', `n-${i}`)),
    );
    expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(8);
    expect(fake.requests).toHaveLength(8);
    expect(fake.connections.peak).toBeLessThanOrEqual(4);
    const refused = (await metrics.nadLookups.get()).values.find((v) => v.labels.result === 'refused');
    expect(refused?.value).toBe(42);
  });

  it('answers a miss from a synced, watching cache without a GET once the miss budget is spent', async () => {
    const fake = await api((req, res) => {
      if (isWatch(req)) return res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders();
      if (isList(req)) return json(res, 200, { kind: 'List', metadata: { resourceVersion: '1' }, items: [] });
      status(res, 404, 'not found');
    });
    const { nads } = source(fake);
    await nads.start();
    await vi.waitFor(() => expect(fake.requests.some((r) => r.includes('watch=true'))).toBe(true));
    await vi.waitFor(() => expect(nads.stalenessMs()).toBe(0));
    const answers = Array.from({ length: 30 }, (_, i) => nads.get('cnf', `typo-${i}`));
    expect(answers.filter((a) => a === undefined)).toHaveLength(20);
    await Promise.all(answers);
    expect(fake.requests.filter((r) => r.includes('/namespaces/cnf/'))).toHaveLength(10);
  });

  it('turns not ready, and reports staleness, once list and watch have failed for longer than allowed', async () => {
    let healthy = true;
    let now = 1_000_000;
    const fake = await api((req, res) => {
      if (!healthy) return status(res, 500, 'etcd is unhappy');
      if (isWatch(req)) return json(res, 200, {});
      json(res, 200, { kind: 'List', metadata: { resourceVersion: '1' }, items: [] });
    });
    const { nads, metrics } = source(fake, { maxStalenessMs: 60_000, restartDelayMs: 20, now: () => now });
    await nads.start();
    healthy = false;
    await vi.waitFor(() => expect(nads.lastError).toContain('etcd is unhappy'));
    expect(nads.notReadyReason()).toBeUndefined();
    now += 61_000;
    expect(nads.notReadyReason()).toMatch(
      /^network-attachment-definition cache has not matched the API server for 61 s \(limit 60 s\): /,
    );
    const text = await metrics.registry.metrics();
    expect(text).toContain('wirespeed_webhook_nad_cache_staleness_seconds 61');
    healthy = true;
    await vi.waitFor(() => expect(nads.notReadyReason()).toBeUndefined());
  });
});
