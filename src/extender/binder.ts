/**
 * Bind mode: the scheduler hands us the binding, and we re-check the fit under the ledger, reserve and POST
 * the Binding, one pod at a time per node. The check and the reservation are one synchronous step, so no
 * other fit can slip between them; the per-node queue also holds the next pod on that node until the
 * previous Binding is answered, so a failed Binding's devices are released before anyone else is judged
 * against them. A misfit returns an error: the scheduler forgets the assumed pod and requeues it, a retry
 * instead of a TopologyAffinityError on the kubelet.
 */

import type { Pod } from '../api/core-v1.js';
import type { ExtenderBindingArgs } from '../api/extender-v1.js';
import type { PodDemand } from '../core/fit/index.js';
import { type KubeEndpoint, statusMessage } from '../kube/endpoint.js';
import { objectPath, PODS } from '../kube/paths.js';
import type { Logger } from '../telemetry/logger.js';
import type { Decisions } from './decisions.js';
import type { ExtenderMetrics } from './metrics.js';
import type { ReservationFeed } from './reservations.js';

/** Pods remembered from filter calls so bind knows their demand without a GET: bounded, oldest out first. */
export class RecentPods {
  private readonly pods = new Map<string, PodDemand>();
  constructor(private readonly max = 10_000) {}

  remember(uid: string | undefined, demand: PodDemand): void {
    if (!uid) return;
    this.pods.delete(uid);
    this.pods.set(uid, demand);
    if (this.pods.size > this.max) this.pods.delete(this.pods.keys().next().value!);
  }

  take(uid: string): PodDemand | undefined {
    const demand = this.pods.get(uid);
    this.pods.delete(uid);
    return demand;
  }
}

export interface BinderDeps {
  endpoint: Pick<KubeEndpoint, 'json'>;
  decisions: Decisions;
  feed: ReservationFeed;
  recent: RecentPods;
  metrics: ExtenderMetrics;
  log: Logger;
}

export function createBinder(deps: BinderDeps): (args: ExtenderBindingArgs) => Promise<string | undefined> {
  const queues = new Map<string, Promise<unknown>>();
  const onNode = <T>(node: string, work: () => Promise<T>): Promise<T> => {
    const previous = queues.get(node) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    queues.set(node, tail);
    void tail.then(() => {
      if (queues.get(node) === tail) queues.delete(node);
    });
    return next;
  };

  const demandOf = async (args: ExtenderBindingArgs): Promise<PodDemand | string> => {
    const cached = deps.recent.take(args.PodUID);
    if (cached) return cached;
    const path = objectPath(PODS, args.PodNamespace, args.PodName);
    const res = await deps.endpoint.json(path);
    if (res.status !== 200)
      return `cannot read pod ${args.PodNamespace}/${args.PodName}: ${statusMessage(res)}`;
    const demand = deps.decisions.demandOf(res.body as Pod);
    return demand.ok ? demand.value : demand.message;
  };

  return async (args) => {
    const demand = await demandOf(args);
    if (typeof demand === 'string') {
      deps.metrics.binds.inc({ result: 'error' });
      return demand;
    }
    return onNode(args.Node, async () => {
      // A bind of this pod to another node is in flight or done (the scheduler timed out on it and tried
      // again): that one decides; this one goes back to the queue, where the pod is seen bound or retried.
      const elsewhere = deps.feed.reservedNode(args.PodUID);
      if (elsewhere !== undefined && elsewhere !== args.Node) {
        deps.metrics.binds.inc({ result: 'misfit' });
        return `pod ${args.PodNamespace}/${args.PodName} is being bound to ${elsewhere} already`;
      }
      // Its holds on the nodes it might have gone to would count against it here.
      deps.feed.clearInflight(args.PodUID);
      const fit = deps.decisions.fitOn(demand, args.Node);
      if (!fit.fits) {
        deps.metrics.binds.inc({ result: 'misfit' });
        deps.log.info(
          { pod: `${args.PodNamespace}/${args.PodName}`, node: args.Node, reason: fit.reason },
          'bind refused: requeued',
        );
        return `node ${args.Node} no longer fits: ${fit.reason}`;
      }
      deps.feed.reserveBinding(args.PodUID, args.Node, demand, fit.numaNode);
      const res = await deps.endpoint
        .json(objectPath(PODS, args.PodNamespace, args.PodName, 'binding'), {
          method: 'POST',
          body: {
            apiVersion: 'v1',
            kind: 'Binding',
            metadata: { name: args.PodName, namespace: args.PodNamespace, uid: args.PodUID },
            target: { apiVersion: 'v1', kind: 'Node', name: args.Node },
          },
        })
        .catch((err: Error) => ({ status: 0, body: { message: err.message } }));
      if (res.status === 201 || res.status === 200) {
        deps.metrics.binds.inc({ result: 'bound' });
        return undefined;
      }
      deps.feed.cancelBinding(args.PodUID, args.Node);
      deps.metrics.binds.inc({ result: 'error' });
      return `binding ${args.PodNamespace}/${args.PodName} to ${args.Node} failed: ${statusMessage(res)}`;
    });
  };
}
