/**
 * The NetworkNodePolicies the agent applies: kept by list/watch in the agent's namespace (the informer pattern
 * of src/kube), or a fixed list for tests and offline runs. `onChange` fires after each add, update or delete
 * once the first list is in.
 */
import type { NetworkNodePolicy } from '../api/wirespeed-v1alpha1.js';
import type { KubeEndpoint } from '../kube/endpoint.js';
import { ListWatch } from '../kube/list-watch.js';
import { collectionPath, NETWORK_NODE_POLICIES } from '../kube/paths.js';

export interface PolicySource {
  policies(): NetworkNodePolicy[];
  onChange(handler: () => void): void;
  notReadyReason(): string | undefined;
  start(): Promise<void>;
  stop(): void;
}

export function watchPolicies(endpoint: KubeEndpoint, namespace: string): PolicySource {
  const path = collectionPath(NETWORK_NODE_POLICIES, namespace);
  const cache = new ListWatch<NetworkNodePolicy & { metadata: { name: string } }>(endpoint, path);
  const handlers: Array<() => void> = [];
  const changed = () => {
    if (cache.synced) for (const handler of handlers) handler();
  };
  for (const event of ['add', 'update', 'delete'] as const) cache.on(event, changed);
  cache.onSynced(changed);
  return {
    policies: () =>
      cache
        .list()
        .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0)),
    onChange: (handler) => handlers.push(handler),
    notReadyReason: () => {
      if (cache.synced) return undefined;
      const error = cache.lastError;
      const hint =
        error?.status === 404
          ? ' (is the NetworkNodePolicy CRD installed? kubectl apply -k manifests)'
          : error?.status === 403
            ? ` (the agent's service account may not list networknodepolicies in ${namespace})`
            : '';
      return `NetworkNodePolicies in ${namespace} are not listed yet${error ? `: ${error.message}${hint}` : ''}`;
    },
    start: () => cache.start(),
    stop: () => cache.stop(),
  };
}

/** A fixed list, for tests and offline runs; `set` replaces it and announces the change. */
export interface StaticPolicySource extends PolicySource {
  set(next: NetworkNodePolicy[]): void;
}

export function staticPolicies(list: NetworkNodePolicy[]): StaticPolicySource {
  let current = list;
  const handlers: Array<() => void> = [];
  return {
    policies: () => current,
    onChange: (handler) => handlers.push(handler),
    notReadyReason: () => undefined,
    start: async () => undefined,
    stop: () => undefined,
    set(next) {
      current = next;
      for (const handler of handlers) handler();
    },
  };
}
