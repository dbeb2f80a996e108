import {
  ApiextensionsV1Api,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import { waitFor } from '../../src/devcluster/wait.js';

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

/** Creates the objects in dependency order (workloads as dry runs), waiting for each CRD to be established. */
export async function applyAll(
  kc: KubeConfig,
  objects: readonly KubernetesObject[],
): Promise<KubernetesObject[]> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  const crds = kc.makeApiClient(ApiextensionsV1Api);
  const created: KubernetesObject[] = [];
  for (const object of [...objects].sort((a, b) => applyRank(a.kind) - applyRank(b.kind))) {
    const dryRun = DRY_RUN_KINDS.has(object.kind ?? '') ? 'All' : undefined;
    created.push(await client.create(object, undefined, dryRun));
    if (object.kind === 'CustomResourceDefinition') {
      const name = object.metadata?.name ?? '';
      await waitFor(`CRD ${name} to be established`, async () => {
        const crd = await crds.readCustomResourceDefinition({ name });
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
          ? true
          : undefined;
      });
    }
  }
  return created;
}
