import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkAttachmentDefinition } from '../../src/api/nad.js';
import { createCA, issueCertificate } from '../../src/certs/pki.js';
import { defaultInjectionConfig } from '../../src/core/inject/config.js';
import { freePorts } from '../../src/devcluster/ports.js';
import { waitFor } from '../../src/devcluster/wait.js';
import { ensureNadCrd } from '../../src/harness/local-webhook.js';
import { createNad, nadObject } from '../../src/harness/nads.js';
import { loadKubeEndpoint } from '../../src/kube/endpoint.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { ControlSwitches } from '../../src/webhook/control-switches.js';
import { createWebhookMetrics } from '../../src/webhook/metrics.js';
import { InformerNadSource } from '../../src/webhook/nad-source.js';
import { postAdmission } from '../support/admission.js';
import { useControlPlane } from './support.js';

const NS = 'cnf-shell';
const plane = useControlPlane({ scheduler: false });
let core: CoreV1Api;

const createPoolNad = (name: string, resource: string) =>
  createNad(plane.cp.kc, NS, nadObject(name, { 'k8s.v1.cni.cncf.io/resourceName': resource }));

const count = async (metrics: ReturnType<typeof createWebhookMetrics>, result: string) =>
  (await metrics.nadLookups.get()).values.find((v) => v.labels.result === result)?.value ?? 0;

beforeAll(async () => {
  await ensureNadCrd(plane.cp);
  core = plane.cp.kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
});

describe('NAD cache against a real API server', () => {
  it('serves from the watch cache, falls back to GET before sync, and remembers absent NADs briefly', async () => {
    await createPoolNad('early', 'intel.com/early');
    const metrics = createWebhookMetrics({ processMetrics: false });
    let now = 1_000_000;
    const source = new InformerNadSource(loadKubeEndpoint(plane.cp.kubeconfigPath), silentLogger, metrics, {
      negativeTtlMs: 5000,
      now: () => now,
    });
    // Not started: every lookup is a GET.
    expect(source.synced).toBe(false);
    expect((await source.get(NS, 'early'))?.metadata.name).toBe('early');
    expect(await count(metrics, 'miss')).toBe(1);
    expect(await source.get(NS, 'absent')).toBeUndefined();
    expect(await source.get(NS, 'absent')).toBeUndefined();
    expect(await count(metrics, 'absent')).toBe(1);
    expect(await count(metrics, 'negative')).toBe(1);
    now += 6000;
    expect(await source.get(NS, 'absent')).toBeUndefined();
    expect(await count(metrics, 'absent')).toBe(2);

    await source.start();
    try {
      expect(source.synced).toBe(true);
      expect(source.get(NS, 'early')).toMatchObject({ metadata: { name: 'early' } });
      expect(await count(metrics, 'hit')).toBe(1);
      // A NAD created after a negative answer is seen at once through the watch, not after the TTL.
      await createPoolNad('absent', 'intel.com/late');
      const late = await waitFor('the watch to deliver the new NAD', async () => {
        const found = source.get(NS, 'absent');
        return found instanceof Promise ? undefined : found;
      });
      expect(late.metadata.annotations?.['k8s.v1.cni.cncf.io/resourceName']).toBe('intel.com/late');
    } finally {
      await source.stop();
    }
  });
});

describe('NAD cache of large NADs against a real API server', () => {
  it('lists them in pages and keeps of each only metadata and the annotations decisions read', async () => {
    const ns = 'cnf-pages';
    await core.createNamespace({ body: { metadata: { name: ns } } });
    for (let i = 0; i < 12; i++) {
      const nad = nadObject(`big-${i}`, {
        'k8s.v1.cni.cncf.io/resourceName': 'intel.com/big',
        'example.com/notes': 'n'.repeat(50_000),
      });
      nad.spec = {
        config: JSON.stringify({ cniVersion: '1.0.0', type: 'sriov', padding: 'p'.repeat(200_000) }),
      };
      await createNad(plane.cp.kc, ns, nad);
    }
    const endpoint = loadKubeEndpoint(plane.cp.kubeconfigPath);
    const paths: string[] = [];
    const open = endpoint.open.bind(endpoint);
    endpoint.open = (path, opts) => {
      paths.push(path);
      return open(path, opts);
    };
    const source = new InformerNadSource(
      endpoint,
      silentLogger,
      createWebhookMetrics({ processMetrics: false }),
      {
        negativeTtlMs: 1000,
        listPageSize: 5,
      },
    );
    try {
      await source.start();
      expect(source.synced).toBe(true);
      // Three pages of at most 5, the API server handing out continue tokens.
      const lists = paths.filter((p) => p.includes('limit=5'));
      expect(lists).toHaveLength(3);
      expect(lists.filter((p) => p.includes('continue='))).toHaveLength(2);
      for (let i = 0; i < 12; i++) {
        const nad = source.get(ns, `big-${i}`) as NetworkAttachmentDefinition;
        expect(nad.spec).toBeUndefined();
        expect(Object.keys(nad.metadata).sort()).toEqual([
          'annotations',
          'name',
          'namespace',
          'resourceVersion',
          'uid',
        ]);
        expect(nad.metadata.annotations).toEqual({ 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/big' });
      }
      // Absent names are believed from the live watch once the small GET budget is spent.
      await waitFor('the NAD watch to be live', async () => (source.stalenessMs() === 0 ? true : undefined));
      const answers = Array.from({ length: 30 }, (_, i) => source.get(ns, `typo-${i}`));
      // The process's GET budget is a burst of 10 refilled at 5/s; a loaded machine may refill one or two while
      // the 30 calls run, so at least 15 are answered "absent" at once, without a GET.
      expect(answers.filter((a) => a === undefined).length).toBeGreaterThanOrEqual(15);
      expect(await Promise.all(answers)).toEqual(Array.from({ length: 30 }, () => undefined));
    } finally {
      await source.stop();
      endpoint.close();
    }
  });
});

describe('control switches ConfigMap', () => {
  it('applies config.json when created or changed, and restores the flags when deleted', async () => {
    const base = defaultInjectionConfig();
    const switches = new ControlSwitches(
      loadKubeEndpoint(plane.cp.kubeconfigPath),
      base,
      { namespace: NS, name: 'nri-control-switches' },
      silentLogger,
      createWebhookMetrics({ processMetrics: false }),
    );
    switches.start();
    try {
      await core.createNamespacedConfigMap({
        namespace: NS,
        body: {
          metadata: { name: 'nri-control-switches' },
          data: { 'config.json': '{"features":{"enableHonorExistingResources":true}}' },
        },
      });
      await waitFor('honor mode on', async () => (switches.config.honorResources ? true : undefined));
      expect(switches.config.injectHugepageDownApi).toBe(false);
      await core.replaceNamespacedConfigMap({
        name: 'nri-control-switches',
        namespace: NS,
        body: {
          metadata: { name: 'nri-control-switches' },
          data: { 'config.json': '{"features":{"enableHugePageDownApi":true}}' },
        },
      });
      await waitFor('hugepages downward API on', async () =>
        switches.config.injectHugepageDownApi ? true : undefined,
      );
      expect(switches.config.honorResources).toBe(false);
      await core.deleteNamespacedConfigMap({ name: 'nri-control-switches', namespace: NS });
      await waitFor('flags restored', async () => (switches.config === base ? true : undefined));
    } finally {
      await switches.stop();
    }
  });
});

describe('wirespeed webhook as a process', () => {
  let child: ChildProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'wirespeed-proc-'));
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('becomes ready once synced, serves /mutate, and exits 0 on SIGTERM after draining', async () => {
    const ca = createCA();
    const pair = issueCertificate(ca, {
      commonName: 'wirespeed-webhook',
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    });
    writeFileSync(join(dir, 'tls.crt'), pair.certPem);
    writeFileSync(join(dir, 'tls.key'), pair.keyPem);
    const [port, health] = await freePorts(2);
    const logs: string[] = [];
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli.ts',
        'webhook',
        `-port=${port}`,
        '--bind-address=127.0.0.1',
        `--health-check-port=${health}`,
        `--tls-cert-file=${join(dir, 'tls.crt')}`,
        `--tls-private-key-file=${join(dir, 'tls.key')}`,
        '-insecure',
        // The certificate is for the loopback address the test dials, not for a Service name.
        '--certificate-names=127.0.0.1',
        `--kubeconfig=${plane.cp.kubeconfigPath}`,
        `--namespace=${NS}`,
        '--shutdown-delay=200ms',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_PROXY: '127.0.0.1' } },
    );
    child.stderr!.on('data', (d) => logs.push(String(d)));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    await waitFor(
      'the webhook process to be ready',
      async () => ((await fetch(`http://127.0.0.1:${health}/readyz`)).status === 200 ? true : undefined),
      { timeoutMs: 30_000, detail: () => logs.join('').slice(-2000) },
    );
    const review = await postReview(port!, ca.certPem);
    expect(review.response.allowed).toBe(false);
    expect(review.response.status.message).toContain('network-attachment-definition cnf/sriov-a not found');
    const metrics = await (await fetch(`http://127.0.0.1:${health}/metrics`)).text();
    expect(metrics).toContain('wirespeed_webhook_nad_cache_synced 1');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = logs
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        'webhook listening',
        'network-attachment-definition cache synced',
        'webhook stopped',
      ]),
    );
    child = undefined;
  });
});

async function postReview(
  port: number,
  caPem: string,
): Promise<{ response: { allowed: boolean; status: { message: string } } }> {
  return JSON.parse((await postAdmission({ port, caPem })).body);
}
