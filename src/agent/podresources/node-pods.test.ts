import { afterEach, describe, expect, it } from 'vitest';
import { type FakeApi, json, startFakeApi } from '../../../test/support/fake-api.js';
import { watchNodePods } from './node-pods.js';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('watchNodePods', () => {
  it("lists only this node's pods and maps namespace/name to UID and phase", async () => {
    api = await startFakeApi((req, res) => {
      if (req.url?.includes('watch=true')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return;
      }
      json(res, 200, {
        metadata: { resourceVersion: '9' },
        items: [
          {
            metadata: { name: 'cnf-1', namespace: 'telco', uid: 'u1', resourceVersion: '7' },
            status: { phase: 'Running' },
          },
          {
            metadata: { name: 'done', namespace: 'telco', uid: 'u2', resourceVersion: '8' },
            status: { phase: 'Succeeded' },
          },
          { metadata: { name: 'new', namespace: 'default', uid: 'u3', resourceVersion: '9' } },
        ],
      });
    });
    const pods = watchNodePods(api.endpoint, 'worker-1');
    expect(pods.notReadyReason()).toBe('the pods of node worker-1 are not listed yet');
    await pods.start();
    expect(pods.notReadyReason()).toBeUndefined();
    expect([...pods.pods()]).toEqual([
      ['telco/cnf-1', { uid: 'u1', phase: 'Running' }],
      ['telco/done', { uid: 'u2', phase: 'Succeeded' }],
      ['default/new', { uid: 'u3' }],
    ]);
    expect(decodeURIComponent(api.requests[0] ?? '')).toContain('fieldSelector=spec.nodeName=worker-1');
    pods.stop();
  });
});
