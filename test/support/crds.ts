import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { waitFor } from '../../src/devcluster/wait.js';
import { type KubeEndpoint, loadKubeEndpoint, statusMessage } from '../../src/kube/endpoint.js';
import { CRDS, collectionPath, objectPath } from '../../src/kube/paths.js';

export const MANIFESTS = join(import.meta.dirname, '..', '..', 'manifests');

/**
 * Creates a CustomResourceDefinition as it is written and waits until it is established. Sent as raw JSON:
 * @kubernetes/client-node's model silently drops `default`, `enum` and every `x-kubernetes-*` key of a schema,
 * so a CRD installed through it loses its defaults and validation.
 */
export async function installCrd(
  endpoint: KubeEndpoint,
  crd: { metadata?: { name?: string } },
): Promise<void> {
  const name = crd.metadata?.name ?? '';
  const created = await endpoint.json(collectionPath(CRDS), {
    method: 'POST',
    body: crd,
  });
  if (created.status !== 201 && created.status !== 409) {
    throw new Error(`create CRD ${name}: ${statusMessage(created)}`);
  }
  await waitFor(`CRD ${name} established`, async () => {
    const got = await endpoint.json(objectPath(CRDS, undefined, name));
    const conditions = (got.body as { status?: { conditions?: { type: string; status: string }[] } }).status
      ?.conditions;
    return conditions?.some((c) => c.type === 'Established' && c.status === 'True') || undefined;
  });
}

/** Installs the CRDs of the given files under manifests/, as admin of the cluster behind `kubeconfigPath`. */
export async function installCrdFiles(kubeconfigPath: string, files: readonly string[]): Promise<void> {
  const endpoint = loadKubeEndpoint(kubeconfigPath);
  try {
    for (const file of files) await installCrd(endpoint, parse(readFileSync(join(MANIFESTS, file), 'utf8')));
  } finally {
    endpoint.close();
  }
}
