/**
 * The agent's collaborators against a real cluster: the host under `hostRoot`, NetworkNodePolicies, this node's
 * pods and labels by list/watch, and the report writers (NodeNetworkState, NodeResourceTopology, node label,
 * Lease), all on the small client of src/kube. The command, the dev-cluster harness and the integration tests
 * build the agent through this one function.
 */
import { selectPools } from '../core/pools/select-pools.js';
import type { KubeEndpoint } from '../kube/endpoint.js';
import { ListWatch } from '../kube/list-watch.js';
import { collectionPath, NODES } from '../kube/paths.js';
import type { Logger } from '../telemetry/logger.js';
import { DeviceSetup } from './apply/setup.js';
import { childWriters } from './apply/writer.js';
import { apiEvictor } from './evict.js';
import { rootedHost } from './host/rooted-host.js';
import type { AgentDeps } from './main.js';
import type { AgentMetrics } from './metrics.js';
import { watchNodePods } from './podresources/node-pods.js';
import { type PolicySource, watchPolicies } from './policy-source.js';
import { createReporting } from './report/index.js';

export interface ClusterDepsOptions {
  nodeName: string;
  /** The agent's namespace: its NetworkNodePolicies and its Lease. */
  namespace: string;
  hostRoot: string;
  /** Written as the Lease's holderIdentity (the pod name in a DaemonSet). */
  holderIdentity?: string;
  /** Read the written report objects back and repair them this often. */
  reportResyncMs?: number;
  /** Policies from elsewhere (a file, a test) instead of list/watch in `namespace`. */
  policies?: PolicySource;
  /** Set devices up from the policies (src/agent/apply); absent: discover and serve only. */
  setup?: { evict: boolean; writeTimeoutMs: number; parallelism: number; waitMs?: number };
}

interface NodeLite {
  metadata: { name: string; resourceVersion?: string; labels?: Record<string, string> };
}

export function clusterDeps(
  endpoint: KubeEndpoint,
  opts: ClusterDepsOptions,
  deps: { log: Logger; metrics: AgentMetrics },
): AgentDeps {
  const nodes = new ListWatch<NodeLite>(endpoint, collectionPath(NODES), {
    fieldSelector: `metadata.name=${opts.nodeName}`,
  });
  const policies = opts.policies ?? watchPolicies(endpoint, opts.namespace);
  const { report, lease } = createReporting(
    {
      nodeName: opts.nodeName,
      namespace: opts.namespace,
      holderIdentity: opts.holderIdentity ?? opts.nodeName,
      ...(opts.reportResyncMs !== undefined ? { resyncMs: opts.reportResyncMs } : {}),
    },
    { endpoint, log: deps.log, metrics: deps.metrics.registry },
  );
  // Policies select nodes by label: a label change is a policy change for this node.
  const labelsChanged: Array<() => void> = [];
  nodes.on('update', () => {
    for (const handler of labelsChanged) handler();
  });
  return {
    log: deps.log,
    metrics: deps.metrics,
    host: rootedHost(opts.hostRoot),
    policies: {
      ...policies,
      onChange: (handler) => {
        policies.onChange(handler);
        labelsChanged.push(handler);
      },
      notReadyReason: () =>
        policies.notReadyReason() ??
        (nodes.get(opts.nodeName)
          ? undefined
          : `Node ${opts.nodeName} is not found${nodes.lastError ? `: ${nodes.lastError.message}` : ' (is --node-name right?)'}`),
      start: async () => {
        await Promise.all([policies.start(), nodes.start()]);
      },
      stop: () => {
        policies.stop();
        nodes.stop();
      },
    },
    selectPools,
    nodePods: watchNodePods(endpoint, opts.nodeName),
    nodeLabels: () => nodes.get(opts.nodeName)?.metadata.labels ?? {},
    report,
    lease,
    ...(opts.setup
      ? {
          setup: new DeviceSetup(
            {
              evict: opts.setup.evict,
              parallelism: opts.setup.parallelism,
              waitMs: opts.setup.waitMs ?? 120_000,
            },
            {
              host: rootedHost(opts.hostRoot),
              writer: childWriters({
                root: opts.hostRoot,
                timeoutMs: opts.setup.writeTimeoutMs,
                size: opts.setup.parallelism,
              }),
              evictor: apiEvictor(endpoint),
            },
          ),
        }
      : {}),
  };
}
