import { describe, expect, it } from 'vitest';
import { waitFor } from './wait.js';

describe('waitFor', () => {
  it('returns the first value that is not undefined', async () => {
    let calls = 0;
    const value = await waitFor('the third call', async () => (++calls >= 3 ? calls : undefined), {
      intervalMs: 1,
    });
    expect(value).toBe(3);
  });

  it('treats a throw as "not yet"', async () => {
    let calls = 0;
    const value = await waitFor(
      'a flaky probe',
      async () => {
        calls += 1;
        if (calls < 2) throw new Error('connection refused');
        return 'ok';
      },
      { intervalMs: 1 },
    );
    expect(value).toBe('ok');
  });

  it('names what it waited for, the timeout, the last error and the detail when it gives up', async () => {
    await expect(
      waitFor(
        'kube-apiserver readiness',
        async () => {
          throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
        },
        { timeoutMs: 30, intervalMs: 5, detail: () => 'last lines of kube-apiserver.log:\nboom' },
      ),
    ).rejects.toThrow(
      /timed out after 30 ms waiting for kube-apiserver readiness \(last error: connect ECONNREFUSED 127\.0\.0\.1:6443\)\nlast lines of kube-apiserver\.log:\nboom/,
    );
  });

  it('stops at once with the error abortIf returns', async () => {
    let calls = 0;
    await expect(
      waitFor(
        'etcd health',
        async () => {
          calls += 1;
          return undefined;
        },
        {
          timeoutMs: 60_000,
          intervalMs: 1,
          abortIf: () => (calls >= 2 ? new Error('etcd exited') : undefined),
        },
      ),
    ).rejects.toThrow('etcd exited');
    expect(calls).toBe(2);
  });
});
