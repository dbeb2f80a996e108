import { afterEach, describe, expect, it, vi } from 'vitest';
import { type FakeApi, json, startFakeApi, status } from '../../test/support/fake-api.js';
import type { NetworkNodePolicy } from '../api/wirespeed-v1alpha1.js';
import { staticPolicies, watchPolicies } from './policy-source.js';

const PATH = '/apis/wirespeed.io/v1alpha1/namespaces/wirespeed-agent/networknodepolicies';
const policy = (name: string, rv: string): NetworkNodePolicy => ({
  apiVersion: 'wirespeed.io/v1alpha1',
  kind: 'NetworkNodePolicy',
  metadata: { name, namespace: 'wirespeed-agent', resourceVersion: rv },
  spec: { resourceName: name, numVfs: 1, nicSelector: { vendor: '8086' } },
});

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('watchPolicies', () => {
  it('lists the namespace, sorted by name, and announces the first list and each watch event', async () => {
    api = await startFakeApi((req, res) => {
      if (!req.url?.startsWith(PATH)) return status(res, 404, 'not found');
      if (!req.url.includes('watch=true'))
        return json(res, 200, {
          metadata: { resourceVersion: '5' },
          items: [policy('b', '4'), policy('a', '3')],
        });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`${JSON.stringify({ type: 'ADDED', object: policy('c', '6') })}\n`);
    });
    const source = watchPolicies(api.endpoint, 'wirespeed-agent');
    const seen: string[][] = [];
    source.onChange(() => seen.push(source.policies().map((p) => p.metadata.name)));
    await source.start();
    expect(source.notReadyReason()).toBeUndefined();
    await vi.waitFor(() => expect(seen.at(-1)).toEqual(['a', 'b', 'c']));
    expect(seen[0]).toEqual(['a', 'b']);
    source.stop();
  });

  it('is not ready while the CRD is missing, and says how to fix it', async () => {
    api = await startFakeApi((_req, res) =>
      status(res, 404, 'the server could not find the requested resource'),
    );
    const source = watchPolicies(api.endpoint, 'wirespeed-agent');
    await source.start();
    expect(source.notReadyReason()).toBe(
      'NetworkNodePolicies in wirespeed-agent are not listed yet: HTTP 404: the server could not find the requested resource (is the NetworkNodePolicy CRD installed? kubectl apply -k manifests)',
    );
    source.stop();
  });

  it('names RBAC when the list is forbidden', async () => {
    api = await startFakeApi((_req, res) => status(res, 403, 'forbidden'));
    const source = watchPolicies(api.endpoint, 'ws');
    await source.start();
    expect(source.notReadyReason()).toBe(
      "NetworkNodePolicies in ws are not listed yet: HTTP 403: forbidden (the agent's service account may not list networknodepolicies in ws)",
    );
    source.stop();
  });
});

describe('staticPolicies', () => {
  it('serves its list and announces a replacement', () => {
    const source = staticPolicies([policy('a', '1')]);
    const seen: string[][] = [];
    source.onChange(() => seen.push(source.policies().map((p) => p.metadata.name)));
    source.set([policy('b', '2')]);
    expect(seen).toEqual([['b']]);
    expect(source.notReadyReason()).toBeUndefined();
  });
});
