import { type KubeConfig, type KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { type KubeEndpoint, loadKubeEndpoint } from '../../src/kube/endpoint.js';
import { installCrd } from './crds.js';

/** Applied with a server-side dry run: with no controller manager they could never run. */
export const DRY_RUN_KINDS = new Set([
  'Deployment',
  'DaemonSet',
  'StatefulSet',
  'Job',
  'PodDisruptionBudget',
  'Pod',
]);
/** Definitions first so that what uses them can be created; webhooks and policies last so they intercept nothing. */
const FIRST_KINDS = ['CustomResourceDefinition', 'Namespace', 'PriorityClass'];
const LAST_KINDS = [
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
];

export function applyRank(kind: string | undefined): number {
  const first = FIRST_KINDS.indexOf(kind ?? '');
  if (first >= 0) return first;
  const last = LAST_KINDS.indexOf(kind ?? '');
  return last >= 0 ? FIRST_KINDS.length + 1 + last : FIRST_KINDS.length;
}

/**
 * Creates the objects in dependency order (workloads as dry runs). CRDs go as raw JSON (see `installCrd`) and are
 * waited for until established.
 */
export async function applyAll(
  cluster: { kc: KubeConfig; kubeconfigPath: string },
  objects: readonly KubernetesObject[],
): Promise<KubernetesObject[]> {
  const client = KubernetesObjectApi.makeApiClient(cluster.kc);
  const endpoint: KubeEndpoint = loadKubeEndpoint(cluster.kubeconfigPath);
  const created: KubernetesObject[] = [];
  try {
    for (const object of [...objects].sort((a, b) => applyRank(a.kind) - applyRank(b.kind))) {
      if (object.kind === 'CustomResourceDefinition') {
        await installCrd(endpoint, object);
        created.push(object);
        continue;
      }
      const dryRun = DRY_RUN_KINDS.has(object.kind ?? '') ? 'All' : undefined;
      created.push(await client.create(object, undefined, dryRun));
    }
  } finally {
    endpoint.close();
  }
  return created;
}
