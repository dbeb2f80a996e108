import { afterEach, describe, expect, it } from 'vitest';
import { type FakeApi, json, startFakeApi } from '../../test/support/fake-api.js';
import { apiEvictor } from './evict.js';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('apiEvictor', () => {
  it('posts a policy/v1 Eviction for exactly the pod named, and reads the answer', async () => {
    const bodies: unknown[] = [];
    api = await startFakeApi((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => {
        text += c.toString();
      });
      req.on('end', () => {
        bodies.push(JSON.parse(text));
        const name = req.url?.split('/')[6];
        if (name === 'dpdk-1') return json(res, 201, { kind: 'Status', status: 'Success' });
        if (name === 'gone') return json(res, 404, { kind: 'Status', message: 'pods "gone" not found' });
        if (name === 'guarded')
          return json(res, 429, {
            kind: 'Status',
            message: "Cannot evict pod as it would violate the pod's disruption budget.",
          });
        return json(res, 500, { kind: 'Status', message: 'boom' });
      });
    });
    const evictor = apiEvictor(api.endpoint);
    const results = [];
    for (const name of ['dpdk-1', 'gone', 'guarded', 'odd'])
      results.push(await evictor.evict({ namespace: 'telco', name }));
    expect(api.requests).toEqual(
      ['dpdk-1', 'gone', 'guarded', 'odd'].map((n) => `/api/v1/namespaces/telco/pods/${n}/eviction`),
    );
    expect(bodies[0]).toEqual({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'dpdk-1', namespace: 'telco' },
    });
    expect(results).toEqual([
      { result: 'evicted', message: 'evicted telco/dpdk-1' },
      { result: 'gone', message: 'telco/gone is gone' },
      {
        result: 'blocked',
        message:
          "eviction of telco/guarded is not allowed now (HTTP 429: Cannot evict pod as it would violate the pod's disruption budget.); a PodDisruptionBudget protects it, retrying",
      },
      { result: 'failed', message: 'eviction of telco/odd failed: HTTP 500: boom' },
    ]);
  });
});
