import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  AdmissionregistrationV1Api,
  ApiException,
  CoreV1Api,
  type V1MutatingWebhookConfiguration,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PatchOperation } from '../../src/api/admission-v1.js';
import { createCA, issueCertificate } from '../../src/certs/pki.js';
import { patched } from '../../src/core/admission.js';
import { defaultInjectionConfig, type InjectionConfig } from '../../src/core/inject/config.js';
import { waitFor } from '../../src/devcluster/wait.js';
import { registerMutatingWebhook } from '../../src/devcluster/webhooks.js';
import { type LocalWebhook, startLocalWebhook } from '../../src/harness/local-webhook.js';
import { createNad, nadObject } from '../../src/harness/nads.js';
import { useControlPlane } from './support.js';

const NS = 'cnf-webhook';
const plane = useControlPlane({ scheduler: false });
let webhook: LocalWebhook;
let core: CoreV1Api;
let config: InjectionConfig = defaultInjectionConfig();

function pod(
  name: string,
  annotations: Record<string, string> | undefined,
  extra: Partial<V1Pod['spec']> = {},
): V1Pod {
  return {
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/app:1',
          resources: { requests: { memory: '1Gi', cpu: '1' } },
        },
      ],
      ...extra,
    },
  };
}

/** The message the API server gives the client for a rejected create. */
async function createError(body: V1Pod): Promise<string> {
  try {
    await core.createNamespacedPod({ namespace: NS, body });
  } catch (err) {
    if (err instanceof ApiException) return JSON.parse(String(err.body)).message as string;
    throw err;
  }
  throw new Error('create succeeded; expected a denial');
}

beforeAll(async () => {
  webhook = await startLocalWebhook(plane.cp, { config: () => config });
  core = plane.cp.kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await core.createNamespace({ body: { metadata: { name: 'wirespeed-system' } } });
  const nad = (name: string, annotations: Record<string, string>) =>
    createNad(plane.cp.kc, NS, nadObject(name, annotations));
  await nad('sriov-a', {
    'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov_a',
    'wirespeed.io/hugepages': '1Gi=1Gi',
    'k8s.v1.cni.cncf.io/nodeSelector': 'feature.node.kubernetes.io/network-sriov.capable=true',
  });
  await nad('vhost', {
    'k8s.v1.cni.cncf.io/resourceName': 'example.com/vhost',
    'wirespeed.io/mounts': '/var/run/vhost-user',
  });
});

afterAll(async () => {
  await webhook?.stop();
});

describe('the real API server calls the webhook', () => {
  it('stores the pod with its devices, hugepages, mounts, podnetinfo and node selector', async () => {
    const created = await core.createNamespacedPod({
      namespace: NS,
      body: pod('upf', { 'k8s.v1.cni.cncf.io/networks': 'sriov-a, sriov-a@net2, vhost' }),
    });
    const stored = await core.readNamespacedPod({ name: created.metadata!.name!, namespace: NS });
    const app = stored.spec!.containers[0]!;
    expect(app.resources!.requests).toMatchObject({
      'intel.com/sriov_a': '2',
      'example.com/vhost': '1',
      'hugepages-1Gi': '2Gi',
    });
    expect(app.resources!.limits).toMatchObject({
      'intel.com/sriov_a': '2',
      'example.com/vhost': '1',
      'hugepages-1Gi': '2Gi',
    });
    expect(stored.spec!.volumes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'hugepages', emptyDir: { medium: 'HugePages-1Gi' } }),
        expect.objectContaining({ hostPath: expect.objectContaining({ path: '/var/run/vhost-user' }) }),
        expect.objectContaining({ name: 'podnetinfo' }),
      ]),
    );
    expect(app.volumeMounts!.map((m) => m.mountPath)).toEqual(
      expect.arrayContaining(['/dev/hugepages', '/var/run/vhost-user', '/etc/podnetinfo']),
    );
    expect(stored.spec!.nodeSelector).toEqual({ 'feature.node.kubernetes.io/network-sriov.capable': 'true' });
    expect(JSON.parse(stored.metadata!.annotations!['wirespeed.io/injected']!)).toEqual({
      app: { 'example.com/vhost': '1', 'hugepages-1Gi': '2Gi', 'intel.com/sriov_a': '2' },
    });
  });

  it('denies a malformed annotation with our message as the client sees it', async () => {
    const message = await createError(
      pod('bad', { 'k8s.v1.cni.cncf.io/networks': 'sriov-a,sriov-a@my ifc' }),
    );
    expect(message).toContain('admission webhook "inject.wirespeed.io" denied the request');
    expect(message).toContain('sriov-a@my ifc');
  });

  it('denies a missing NAD naming it', async () => {
    const message = await createError(pod('missing', { 'k8s.v1.cni.cncf.io/networks': 'nope' }));
    expect(message).toContain(`network-attachment-definition ${NS}/nope not found`);
  });

  it('answers a dry-run pod naming 60 unknown NADs from its cache, with a handful of GETs at most', async () => {
    const count = async (result: string) =>
      (await webhook.metrics.nadLookups.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
    const before = {
      miss: await count('miss'),
      absent: await count('absent'),
      trusted: await count('trusted'),
    };
    const networks = Array.from({ length: 60 }, (_, i) => `unknown-${i}`).join(',');
    let message = '';
    try {
      await core.createNamespacedPod({
        namespace: NS,
        dryRun: 'All',
        body: pod('many-unknown', { 'k8s.v1.cni.cncf.io/networks': networks }),
      });
    } catch (err) {
      if (!(err instanceof ApiException)) throw err;
      message = JSON.parse(String(err.body)).message as string;
    }
    expect(message).toContain(`network-attachment-definition ${NS}/unknown-0 not found`);
    // The informer is synced and watching: beyond the request's 8 lookups (and the process's small GET
    // budget) a miss is believed absent, not fetched.
    const gets = (await count('miss')) + (await count('absent')) - before.miss - before.absent;
    expect(gets).toBeLessThanOrEqual(8);
    expect((await count('trusted')) - before.trusted).toBeGreaterThanOrEqual(52);
  });

  it('never sees a pod without the network annotations (matchConditions)', async () => {
    const before = await webhook.requests();
    await core.createNamespacedPod({ namespace: NS, body: pod('plain', { unrelated: 'x' }) });
    await core.createNamespacedPod({ namespace: NS, body: pod('bare', undefined) });
    expect(await webhook.requests()).toBe(before);
  });

  it('does not count twice when reinvoked after another webhook changes the pod', async () => {
    // A second webhook, ordered after ours, adds a label; with reinvocationPolicy IfNeeded the API server then
    // calls ours again. Honor mode is the one that would double-count without the injection record.
    config = defaultInjectionConfig({ honorResources: true });
    const labeller = await startLabeller();
    try {
      const before = await webhook.requests();
      const created = await core.createNamespacedPod({
        namespace: NS,
        body: pod(
          'reinvoked',
          { 'k8s.v1.cni.cncf.io/networks': 'sriov-a' },
          {
            containers: [
              {
                name: 'app',
                image: 'registry.example.com/app:1',
                resources: {
                  requests: { memory: '1Gi', 'intel.com/sriov_a': '1' },
                  limits: { memory: '1Gi', 'intel.com/sriov_a': '1' },
                },
              },
            ],
          },
        ),
      });
      expect(created.metadata!.labels).toEqual({ 'labelled-by': 'second-webhook' });
      expect(await webhook.requests()).toBe(before + 2);
      expect(created.spec!.containers[0]!.resources!.limits!['intel.com/sriov_a']).toBe('2');
      expect(created.spec!.containers[0]!.resources!.limits!['hugepages-1Gi']).toBe('1Gi');
    } finally {
      config = defaultInjectionConfig();
      await labeller.stop();
    }
  });

  it('rotates its serving certificate while pods are created, with zero failed creates', async () => {
    let failures = 0;
    let created = 0;
    let stop = false;
    const errors: string[] = [];
    const creator = async (worker: number) => {
      for (let i = 0; !stop; i++) {
        try {
          await core.createNamespacedPod({
            namespace: NS,
            body: pod(`rot-${worker}-${i}`, { 'k8s.v1.cni.cncf.io/networks': 'vhost' }),
          });
          created++;
        } catch (err) {
          failures++;
          errors.push(err instanceof ApiException ? String(err.body) : String(err));
        }
      }
    };
    const workers = [0, 1, 2].map(creator);
    for (let i = 0; i < 3; i++) {
      // Each rotation lands while pods are being created, and creates keep succeeding after it.
      const before = created;
      await vi.waitFor(() => expect(created).toBeGreaterThan(before), { timeout: 20_000 });
      const expected = new X509Certificate(webhook.rotate().certPem).fingerprint256;
      await vi.waitFor(() => expect(webhook.server.reloader.current?.fingerprint).toBe(expected), {
        timeout: 20_000,
      });
    }
    const last = created;
    await vi.waitFor(() => expect(created).toBeGreaterThan(last), { timeout: 20_000 });
    stop = true;
    await Promise.all(workers);
    expect(errors).toEqual([]);
    expect(failures).toBe(0);
    const loaded = (await webhook.metrics.certificateReloads.get()).values.find(
      (v) => v.labels.result === 'loaded',
    );
    expect(loaded?.value).toBe(3);
  });
});

/** A minimal second mutating webhook that labels pods, registered to run after ours. */
async function startLabeller(): Promise<{ stop: () => Promise<void> }> {
  const ca = createCA({ commonName: 'labeller CA' });
  const pair = issueCertificate(ca, { commonName: 'labeller', ipAddresses: ['127.0.0.1'], usage: 'server' });
  const server = https.createServer({ cert: pair.certPem, key: pair.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString());
      const labels = review.request.object.metadata.labels;
      const ops: PatchOperation[] = labels?.['labelled-by']
        ? []
        : [{ op: 'add', path: '/metadata/labels', value: { 'labelled-by': 'second-webhook' } }];
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(patched(review.request.uid, ops)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const config: V1MutatingWebhookConfiguration = {
    metadata: { name: 'zz-labeller' },
    webhooks: [
      {
        name: 'labeller.test.wirespeed.io',
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Fail',
        clientConfig: { service: { name: 'labeller', namespace: 'default', path: '/' } },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
        objectSelector: {},
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NS } },
        matchConditions: [{ name: 'reinvocation-test', expression: "object.metadata.name == 'reinvoked'" }],
      },
    ],
  };
  await registerMutatingWebhook(plane.cp, config, { port, caPem: ca.certPem });
  // Wait until the API server calls it: a dry-run create of the matching pod comes back labelled.
  await waitFor('the second webhook to be called', async () => {
    const probe = await core.createNamespacedPod({
      namespace: NS,
      dryRun: 'All',
      body: pod('reinvoked', { 'k8s.v1.cni.cncf.io/networks': '' }),
    });
    return probe.metadata?.labels?.['labelled-by'] ? true : undefined;
  });
  return {
    stop: async () => {
      await plane.cp.kc
        .makeApiClient(AdmissionregistrationV1Api)
        .deleteMutatingWebhookConfiguration({ name: 'zz-labeller' });
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
