/** Builders for the objects tests and benches feed the admission decision: fresh objects every call. */
import type { V1Pod } from '@kubernetes/client-node';
import { MOUNTS_ANNOTATION, RESOURCE_NAME_ANNOTATION } from '../../src/api/annotations.js';
import type { NetworkAttachmentDefinition } from '../../src/api/nad.js';
import { objectKey } from '../../src/core/names.js';

export function nad(
  name: string,
  annotations: Record<string, string> = {},
  namespace = 'default',
): NetworkAttachmentDefinition {
  return { metadata: { name, namespace, annotations } };
}

/** NADs by `namespace/name`, as planInjection takes them. */
export function nadIndex(...nads: NetworkAttachmentDefinition[]): Map<string, NetworkAttachmentDefinition> {
  return new Map(nads.map((n) => [objectKey(n.metadata.namespace ?? 'default', n.metadata.name), n]));
}

/** A NAD bringing one device and a vhost-user socket mount: the costliest shape a pod can name repeatedly. */
export function vhostNad(): NetworkAttachmentDefinition {
  return nad('vhost', {
    [RESOURCE_NAME_ANNOTATION]: 'example.com/vhost',
    [MOUNTS_ANNOTATION]: '/var/run/vhost-user',
  });
}

/**
 * A pod already bound to `nodeName` (no scheduler needed) asking for `count` of `resource`, ending at once when
 * deleted: what the real-node tests hand to the kubelet.
 */
export function boundDevicePod(name: string, nodeName: string, resource: string, count = 1): V1Pod {
  const quantity = { [resource]: String(count) };
  return {
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 0,
      containers: [
        { name: 'c', image: 'example.invalid/none:1', resources: { limits: quantity, requests: quantity } },
      ],
    },
  };
}
