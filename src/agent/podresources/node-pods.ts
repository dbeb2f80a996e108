/**
 * The pods the API server has bound to this node, by `namespace/name`, with their UID and phase: pod-resources
 * names pods but gives no UID, and lists pods in a terminal phase too. Kept by list/watch with a field selector,
 * so the agent reads only its node's pods.
 */
import { type NodePod, podKey } from '../../core/report/accounting.js';
import type { KubeEndpoint } from '../../kube/endpoint.js';
import { ListWatch } from '../../kube/list-watch.js';
import { collectionPath, PODS } from '../../kube/paths.js';

interface PodLite {
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
  status?: { phase?: string };
}

export interface NodePods {
  pods(): Map<string, NodePod>;
  /** Called after any pod of the node was added, changed or deleted. */
  onChange(handler: () => void): void;
  notReadyReason(): string | undefined;
  start(): Promise<void>;
  stop(): void;
}

export function watchNodePods(endpoint: KubeEndpoint, nodeName: string): NodePods {
  const cache = new ListWatch<PodLite>(endpoint, collectionPath(PODS), {
    fieldSelector: `spec.nodeName=${nodeName}`,
  });
  return {
    onChange: (handler) => {
      for (const event of ['add', 'update', 'delete'] as const) cache.on(event, handler);
    },
    pods: () => {
      const map = new Map<string, NodePod>();
      for (const pod of cache.list()) {
        if (!pod.metadata.uid) continue;
        map.set(podKey(pod.metadata.namespace ?? '', pod.metadata.name), {
          uid: pod.metadata.uid,
          ...(pod.status?.phase ? { phase: pod.status.phase } : {}),
        });
      }
      return map;
    },
    notReadyReason: () =>
      cache.synced
        ? undefined
        : `the pods of node ${nodeName} are not listed yet${cache.lastError ? `: ${cache.lastError.message}` : ''}`,
    start: () => cache.start(),
    stop: () => cache.stop(),
  };
}

/** A fixed set of pods, for tests and offline runs. */
export function staticNodePods(pods: Map<string, NodePod>): NodePods {
  return {
    pods: () => pods,
    onChange: () => undefined,
    notReadyReason: () => undefined,
    start: async () => undefined,
    stop: () => undefined,
  };
}
