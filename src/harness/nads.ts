import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { NetworkAttachmentDefinition } from '../api/nad.js';
import { NAD_API_VERSION, NAD_GROUP, NAD_KIND, NAD_PLURAL, NAD_VERSION } from '../api/nad.js';

/** A NetworkAttachmentDefinition with the given annotations and a minimal CNI config. */
export function nadObject(
  name: string,
  annotations: Record<string, string>,
  cniType = 'sriov',
): NetworkAttachmentDefinition {
  return {
    apiVersion: NAD_API_VERSION,
    kind: NAD_KIND,
    metadata: { name, annotations },
    spec: { config: JSON.stringify({ cniVersion: '1.0.0', type: cniType, name }) },
  };
}

export async function createNad(
  kc: KubeConfig,
  namespace: string,
  nad: NetworkAttachmentDefinition,
): Promise<void> {
  await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: NAD_GROUP,
    version: NAD_VERSION,
    plural: NAD_PLURAL,
    namespace,
    body: nad,
  });
}
