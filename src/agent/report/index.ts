/**
 * The agent's reporting in one call: the Reporter (NodeNetworkState, NodeResourceTopology, the SR-IOV label)
 * and the Lease, sharing one API connection, one Node reference and one set of counters.
 */
import type { Registry } from 'prom-client';
import type { KubeEndpoint } from '../../kube/endpoint.js';
import type { Logger } from '../../telemetry/logger.js';
import { NodeRef } from './api.js';
import { LeaseRenewer } from './lease-renewer.js';
import { createReportMetrics, type ReportMetrics } from './metrics.js';
import { NodeLabeler } from './node-labeler.js';
import { NodeNetworkStateWriter } from './node-network-state-writer.js';
import { NodeResourceTopologyWriter } from './node-resource-topology-writer.js';
import { Reporter } from './reporter.js';

export interface ReportingOptions {
  nodeName: string;
  /** The agent's namespace: where its Lease lives. */
  namespace: string;
  /** The Lease's holderIdentity: the agent's pod name (the node name when not in a pod). */
  holderIdentity: string;
  /** Publish NodeResourceTopology too (default true). */
  nodeResourceTopology?: boolean;
  /** Set and remove the SR-IOV node label (default true). */
  label?: boolean;
  resyncMs?: number;
  retryMs?: number;
  leaseRenewMs?: number;
}

export interface ReportingDeps {
  endpoint: Pick<KubeEndpoint, 'json'>;
  log: Logger;
  /** The registry the counters go on; or counters already made. */
  metrics: Registry | ReportMetrics;
  now?: () => Date;
}

export function createReporting(
  opts: ReportingOptions,
  deps: ReportingDeps,
): { report: Reporter; lease: LeaseRenewer; metrics: ReportMetrics } {
  const { endpoint, log } = deps;
  const now = deps.now ?? (() => new Date());
  const metrics = 'writes' in deps.metrics ? deps.metrics : createReportMetrics(deps.metrics);
  const node = new NodeRef(endpoint, opts.nodeName);
  const report = new Reporter(
    {
      ...(opts.resyncMs !== undefined ? { resyncMs: opts.resyncMs } : {}),
      ...(opts.retryMs !== undefined ? { retryMs: opts.retryMs } : {}),
    },
    {
      nns: new NodeNetworkStateWriter(endpoint, node),
      ...(opts.nodeResourceTopology === false ? {} : { nrt: new NodeResourceTopologyWriter(endpoint, node) }),
      ...(opts.label === false ? {} : { labeler: new NodeLabeler(endpoint, node, metrics) }),
      metrics,
      log: log.child({ part: 'report' }),
      now,
    },
  );
  const lease = new LeaseRenewer(
    endpoint,
    node,
    {
      namespace: opts.namespace,
      holderIdentity: opts.holderIdentity,
      ...(opts.leaseRenewMs !== undefined ? { renewMs: opts.leaseRenewMs } : {}),
    },
    { now, log: log.child({ part: 'lease' }), metrics },
  );
  return { report, lease, metrics };
}
