import { describe, expect, it } from 'vitest';
import type { NetworkAttachmentDefinition } from '../api/nad.js';
import {
  keptNad,
  type LookupResult,
  NadLookupError,
  NadLookups,
  type NadLookupsOptions,
} from './nad-lookups.js';

const nad = (name: string): NetworkAttachmentDefinition => ({ metadata: { name, namespace: 'ns' } });

/** NadLookups over a scripted fetch: every GET waits until released, and is recorded with its signal. */
function lookups(opts: Partial<NadLookupsOptions> = {}) {
  const gets: Array<{ key: string; signal: AbortSignal; release: (found: boolean) => void }> = [];
  const counts: Partial<Record<LookupResult, number>> = {};
  let now = 0;
  const subject = new NadLookups({
    negativeTtlMs: 5000,
    now: () => now,
    cached: () => undefined,
    trusted: () => false,
    fetch: (namespace, name, signal) =>
      new Promise((resolve, reject) => {
        signal.addEventListener('abort', () => reject(new NadLookupError('aborted')));
        gets.push({
          key: `${namespace}/${name}`,
          signal,
          release: (found) => resolve(found ? nad(name) : undefined),
        });
      }),
    count: (result) => {
      counts[result] = (counts[result] ?? 0) + 1;
    },
    ...opts,
  });
  return { subject, gets, counts, advance: (ms: number) => (now += ms) };
}

describe('NadLookups', () => {
  it('looks up at most maxPerRequest distinct unknown names for one request and refuses the rest', async () => {
    const { subject, gets, counts } = lookups({ maxPerRequest: 8 });
    const request = subject.forRequest(() => new AbortController().signal);
    const answers = Array.from({ length: 50 }, (_, i) => request.get('ns', `unknown-${i}`));
    expect(gets).toHaveLength(8);
    expect(counts.refused).toBe(42);
    await expect(answers[8]).rejects.toThrow(
      "network-attachment-definition ns/unknown-8 is not in the webhook's cache, and the pod already names 8 others that are not",
    );
    // The same name again is not another lookup.
    void request.get('ns', 'unknown-0');
    expect(gets).toHaveLength(8);
    for (const get of gets) get.release(false);
    await Promise.allSettled(answers);
  });

  it('shares one GET between every request waiting on the same name', async () => {
    const { subject, gets, counts } = lookups();
    const waiting = Array.from({ length: 10 }, () =>
      subject.forRequest(() => new AbortController().signal).get('ns', 'late'),
    );
    expect(gets).toHaveLength(1);
    expect(counts.shared).toBe(9);
    gets[0]!.release(true);
    for (const answer of await Promise.all(waiting)) expect(answer?.metadata.name).toBe('late');
  });

  it('cancels a GET once every request waiting on it has been answered, not before', async () => {
    const { subject, gets } = lookups();
    const first = new AbortController();
    const second = new AbortController();
    const a = subject.forRequest(() => first.signal).get('ns', 'slow');
    const b = subject.forRequest(() => second.signal).get('ns', 'slow');
    first.abort();
    expect(gets[0]!.signal.aborted).toBe(false);
    second.abort();
    expect(gets[0]!.signal.aborted).toBe(true);
    await expect(a).rejects.toThrow('aborted');
    await expect(b).rejects.toThrow('aborted');
  });

  it('remembers absent names for the TTL, and at most maxNegative of them, oldest first', async () => {
    const { subject, gets, counts, advance } = lookups({ maxNegative: 100 });
    for (let i = 0; i < 1000; i++) {
      const answer = subject.get('ns', `gone-${i}`);
      gets[i]!.release(false);
      await answer;
    }
    expect(subject.negativeEntries).toBe(100);
    expect(subject.get('ns', 'gone-999')).toBeUndefined();
    expect(counts.negative).toBe(1);
    void subject.get('ns', 'gone-0');
    expect(gets).toHaveLength(1001);
    advance(6000);
    void subject.get('ns', 'gone-999');
    expect(gets).toHaveLength(1002);
  });

  it('answers names over the per-request cap from a live informer as absent, not refused', () => {
    const { subject, gets, counts } = lookups({ trusted: () => true, maxPerRequest: 3 });
    const request = subject.forRequest(() => new AbortController().signal);
    const answers = Array.from({ length: 10 }, (_, i) => request.get('ns', `typo-${i}`));
    expect(gets).toHaveLength(3);
    expect(answers.slice(3)).toEqual(Array.from({ length: 7 }, () => undefined));
    expect(counts).toEqual({ trusted: 7 });
  });

  it('believes a live informer about absent names once the miss budget is spent', () => {
    const { subject, gets, counts, advance } = lookups({ trusted: () => true, trustedMissGetsPerSecond: 2 });
    for (let i = 0; i < 20; i++) void subject.get('ns', `typo-${i}`);
    // A burst of twice the rate, then nothing until the budget refills.
    expect(gets).toHaveLength(4);
    expect(counts.trusted).toBe(16);
    advance(1000);
    for (let i = 20; i < 30; i++) void subject.get('ns', `typo-${i}`);
    expect(gets).toHaveLength(6);
  });
});

describe('keptNad', () => {
  it('keeps metadata and the annotations decisions read, dropping spec and managedFields', () => {
    const keep = keptNad(['example.com/pool']);
    expect(
      keep({
        apiVersion: 'k8s.cni.cncf.io/v1',
        kind: 'NetworkAttachmentDefinition',
        metadata: {
          name: 'a',
          namespace: 'ns',
          uid: 'u-1',
          resourceVersion: '7',
          labels: { team: 'x' },
          managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': {} } }],
          annotations: {
            'k8s.v1.cni.cncf.io/resourceName': 'intel.com/a',
            'wirespeed.io/hugepages': '1Gi=1Gi',
            'example.com/pool': 'p',
            'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(100_000),
          },
        },
        spec: { config: 'y'.repeat(1_000_000) },
      }),
    ).toEqual({
      apiVersion: 'k8s.cni.cncf.io/v1',
      kind: 'NetworkAttachmentDefinition',
      metadata: {
        name: 'a',
        namespace: 'ns',
        uid: 'u-1',
        resourceVersion: '7',
        annotations: {
          'k8s.v1.cni.cncf.io/resourceName': 'intel.com/a',
          'wirespeed.io/hugepages': '1Gi=1Gi',
          'example.com/pool': 'p',
        },
      },
    });
    expect(keep({ kind: 'Status' })).toBeUndefined();
  });
});
