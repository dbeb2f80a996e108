import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiException,
  CoreV1Api,
  type KubernetesObject,
  KubernetesObjectApi,
  type V1ObjectMeta,
  type V1Pod,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { waitFor } from '../../src/devcluster/index.js';
import { loadKubeEndpoint } from '../../src/kube/endpoint.js';
import { applyRank, DRY_RUN_KINDS } from '../support/apply.js';
import { installCrd } from '../support/crds.js';
import { useControlPlane } from './support.js';

const MANIFESTS = join(import.meta.dirname, '..', '..', 'manifests');
type ManifestObject = KubernetesObject & { metadata: V1ObjectMeta & { name: string } } & Record<
    string,
    unknown
  >;

interface Manifest {
  file: string;
  object: ManifestObject;
}

function loadManifests(dir: string): Manifest[] {
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8'))
      .map((doc) => doc.toJS() as ManifestObject | null)
      .filter((object): object is ManifestObject => object !== null)
      .map((object) => {
        if (!object.kind || !object.metadata?.name) throw new Error(`${file}: a document lacks kind or name`);
        return { file, object };
      }),
  );
}

const manifests = loadManifests(MANIFESTS).sort(
  (a, b) => applyRank(a.object.kind) - applyRank(b.object.kind),
);
const examples = loadManifests(join(MANIFESTS, 'examples'));
const label = ({ file, object: { kind, metadata } }: Manifest): string =>
  `${kind} ${metadata.namespace ? `${metadata.namespace}/` : ''}${metadata.name} (${file})`;
const webhookConfiguration = (): ManifestObject => {
  const found = manifests.find((m) => m.object.kind === 'MutatingWebhookConfiguration');
  if (!found) throw new Error('manifests/ holds no MutatingWebhookConfiguration');
  return found.object;
};

const isNotFound = (err: unknown): boolean => err instanceof ApiException && err.code === 404;

describe('manifests/ against a real kube-apiserver', () => {
  const plane = useControlPlane({ scheduler: false });
  let objects: KubernetesObjectApi;

  beforeAll(() => {
    objects = KubernetesObjectApi.makeApiClient(plane.cp.kc);
  });

  it('finds the install manifests', () => {
    expect(manifests.map((m) => m.object.kind)).toEqual(
      expect.arrayContaining(['Namespace', 'CustomResourceDefinition', 'MutatingWebhookConfiguration']),
    );
  });

  it.each(manifests.map((m) => [label(m), m] as const))('creates %s', async (_name, manifest) => {
    const { object } = manifest;
    if (object.kind === 'CustomResourceDefinition') {
      // As written: the client library's model would drop the schema's defaults, enums and x-kubernetes-* keys.
      const endpoint = loadKubeEndpoint(plane.cp.kubeconfigPath);
      try {
        await installCrd(endpoint, object);
      } finally {
        endpoint.close();
      }
      const stored = await objects.read(object);
      expect(stored.metadata?.uid).toBeTruthy();
      expect(stored.metadata?.labels ?? {}).toMatchObject(object.metadata?.labels ?? {});
      return;
    }
    const dryRun = DRY_RUN_KINDS.has(object.kind ?? '') ? 'All' : undefined;
    const created = await objects.create(object, undefined, dryRun);
    expect(created.kind).toBe(object.kind);
    expect(created.metadata?.name).toBe(object.metadata?.name);
    // The server assigned identity and defaults, so the object went through validation and admission.
    expect(created.metadata?.uid).toBeTruthy();
    if (dryRun) {
      await expect(objects.read(object)).rejects.toSatisfy(isNotFound);
    } else {
      const stored = await objects.read(object);
      expect(stored.metadata?.labels ?? {}).toMatchObject(object.metadata?.labels ?? {});
    }
  });

  it('accepts the example NetworkAttachmentDefinitions', async () => {
    const nads = examples.filter((m) => m.object.kind === 'NetworkAttachmentDefinition');
    expect(nads.map((m) => m.object.metadata.name)).toEqual(['sriov-a']);
    for (const { object } of nads) {
      const created = await objects.create(object);
      expect(created.metadata?.uid).toBeTruthy();
    }
  });

  describe('the registered MutatingWebhookConfiguration, with no webhook serving', () => {
    const core = (): CoreV1Api => plane.cp.kc.makeApiClient(CoreV1Api);
    const webhookName = (): string => {
      const webhooks = webhookConfiguration().webhooks as { name: string }[] | undefined;
      return webhooks?.[0]?.name ?? '';
    };
    const examplePod = (): V1Pod => {
      const pod = examples.find((m) => m.object.kind === 'Pod');
      expect(pod?.object.metadata.name).toBe('sriov-a-client');
      return pod?.object as V1Pod;
    };

    it('refuses a pod that asks for a secondary network (failurePolicy: Fail)', async () => {
      const pod = examplePod();
      const err = await core()
        .createNamespacedPod({ namespace: pod.metadata?.namespace ?? 'default', body: pod, dryRun: 'All' })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(ApiException);
      expect(String((err as ApiException<string>).body)).toContain(webhookName());
    });

    it('lets a pod without a network annotation through (matchConditions)', async () => {
      const pod = examplePod();
      const plain: V1Pod = {
        ...pod,
        metadata: { name: 'no-network', namespace: pod.metadata?.namespace ?? 'default' },
      };
      const created = await core().createNamespacedPod({
        namespace: plain.metadata?.namespace ?? 'default',
        body: plain,
        dryRun: 'All',
      });
      expect(created.metadata?.uid).toBeTruthy();
    });

    it('can be deleted, after which the example pod passes a dry run', async () => {
      const mwc = webhookConfiguration();
      await objects.delete(mwc);
      await expect(objects.read(mwc)).rejects.toSatisfy(isNotFound);
      const pod = examplePod();
      // The apiserver drops the webhook from its admission chain once its watch sees the delete.
      const created = await waitFor('the example pod to be admitted', () =>
        core().createNamespacedPod({
          namespace: pod.metadata?.namespace ?? 'default',
          body: pod,
          dryRun: 'All',
        }),
      );
      expect(created.metadata?.annotations).toEqual(pod.metadata?.annotations);
    });
  });
});
