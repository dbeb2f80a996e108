/**
 * Evicts exactly the pods a refused change names (`--evict`), through the Eviction API (`pods/<name>/eviction`,
 * policy/v1), so PodDisruptionBudgets are honoured: the API server answers 429 while a budget forbids it, and
 * the agent tries again on its next reconcile. Never a drain: no other pod on the node is touched.
 */
import type { PodRef } from '../core/reconcile/types.js';
import { type KubeEndpoint, statusMessage } from '../kube/endpoint.js';
import { objectPath, PODS } from '../kube/paths.js';

export type EvictionResult = 'evicted' | 'gone' | 'blocked' | 'failed';

export interface Evictor {
  /** Evicts one pod; `blocked` when a PodDisruptionBudget does not allow it now, with the server's message. */
  evict(pod: PodRef): Promise<{ result: EvictionResult; message: string }>;
}

export function apiEvictor(endpoint: KubeEndpoint): Evictor {
  return {
    async evict(pod) {
      const path = objectPath(PODS, pod.namespace, pod.name, 'eviction');
      const response = await endpoint
        .json(path, {
          method: 'POST',
          body: {
            apiVersion: 'policy/v1',
            kind: 'Eviction',
            metadata: { name: pod.name, namespace: pod.namespace },
          },
          timeoutMs: 10_000,
        })
        .catch((err: Error) => ({ status: 0, body: { message: err.message } }));
      const who = `${pod.namespace}/${pod.name}`;
      if (response.status === 200 || response.status === 201)
        return { result: 'evicted', message: `evicted ${who}` };
      if (response.status === 404) return { result: 'gone', message: `${who} is gone` };
      if (response.status === 429)
        return {
          result: 'blocked',
          message: `eviction of ${who} is not allowed now (${statusMessage(response)}); a PodDisruptionBudget protects it, retrying`,
        };
      return { result: 'failed', message: `eviction of ${who} failed: ${statusMessage(response)}` };
    },
  };
}
