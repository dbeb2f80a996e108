import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdmissionregistrationV1Api, CoreV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runInstall } from '../../src/install/run.js';
import { applyAll } from '../support/apply.js';
import { useControlPlane } from './support.js';

const MANIFESTS = join(import.meta.dirname, '..', '..', 'manifests');

describe('wirespeed install --print, applied to a real kube-apiserver', () => {
  const plane = useControlPlane({ scheduler: false });
  let certsDir: string;
  let rendered = '';

  beforeAll(async () => {
    certsDir = await mkdtemp(join(tmpdir(), 'wirespeed-install-'));
    await runInstall(
      { print: true, manifests: MANIFESTS, image: 'registry.example.com/wirespeed:0.1.0', certsDir },
      { stdout: (t) => (rendered += t), stderr: () => {} },
    );
  });
  afterAll(async () => {
    await rm(certsDir, { recursive: true, force: true });
  });

  it('renders objects the API server accepts, with the Secret and every caBundle filled in', async () => {
    const objects = parseAllDocuments(rendered).map((d) => d.toJS() as KubernetesObject);
    expect(rendered).not.toContain('wirespeed:dev');
    await applyAll(plane.cp, objects);

    const secret = await plane.cp.kc
      .makeApiClient(CoreV1Api)
      .readNamespacedSecret({ name: 'wirespeed-webhook-tls', namespace: 'wirespeed-system' });
    expect(Object.keys(secret.data ?? {}).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    const mwc = await plane.cp.kc
      .makeApiClient(AdmissionregistrationV1Api)
      .readMutatingWebhookConfiguration({ name: 'wirespeed-webhook' });
    expect(mwc.webhooks?.map((w) => w.clientConfig.caBundle)).toEqual(
      mwc.webhooks?.map(() => secret.data?.['ca.crt']),
    );
  });

  it('keeps the CA on a second run, so re-applying changes no caBundle', async () => {
    let again = '';
    await runInstall(
      { print: true, manifests: MANIFESTS, image: 'registry.example.com/wirespeed:0.1.0', certsDir },
      { stdout: (t) => (again += t), stderr: () => {} },
    );
    const bundles = (text: string) => [...text.matchAll(/caBundle: (\S+)/g)].map((m) => m[1]);
    expect(bundles(again)).toEqual(bundles(rendered));
    expect(bundles(again).length).toBeGreaterThanOrEqual(1);
  });
});
