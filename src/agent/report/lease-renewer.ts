/**
 * The agent's liveness: a coordination.k8s.io/v1 Lease `wirespeed-agent-<node>` in the agent's namespace,
 * owned by the Node, renewed every 10 s with a 40 s duration (the kubelet's node-lease pattern). Readers (the
 * extender) treat the node's report as stale once the Lease expires, so the report itself is written only on
 * change. The renewer keeps the last Lease it wrote and PUTs it with a fresh renewTime; a conflict or a missing
 * Lease is read (or created) again. It never deletes the Lease: during a rolling update the report stays live.
 */
import {
  AGENT_LEASE_DURATION_SECONDS,
  AGENT_LEASE_RENEW_MS,
  agentLeaseName,
  formatMicroTime,
  type LeaseSpecLite,
} from '../../core/report/liveness.js';
import { collectionPath, LEASES } from '../../kube/paths.js';
import type { Logger } from '../../telemetry/logger.js';
import {
  AGENT_LABELS,
  fail,
  type JsonApi,
  MAX_WRITE_ATTEMPTS,
  type NodeRef,
  nodeOwnerReference,
  type ObjectMeta,
  ReportWriteError,
} from './api.js';
import type { ReportMetrics } from './metrics.js';

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: ObjectMeta;
  spec: LeaseSpecLite;
}

export interface LeaseRenewerOptions {
  namespace: string;
  /** Written as holderIdentity: the agent's pod name, or the node name. */
  holderIdentity: string;
  renewMs?: number;
  /** After a failed renewal, try again this soon (well inside the 40 s duration). */
  retryMs?: number;
  durationSeconds?: number;
}

export interface LeaseRenewerDeps {
  now: () => Date;
  log: Logger;
  metrics?: Pick<ReportMetrics, 'writes'>;
}

export class LeaseRenewer {
  private lease: Lease | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private lastRenewed: Date | undefined;
  readonly name: string;

  constructor(
    private readonly api: JsonApi,
    private readonly node: NodeRef,
    private readonly opts: LeaseRenewerOptions,
    private readonly deps: LeaseRenewerDeps,
  ) {
    this.name = agentLeaseName(node.name);
  }

  private get collection(): string {
    return collectionPath(LEASES, this.opts.namespace);
  }

  /** Renews now, then every `renewMs`; failures are logged and retried after `retryMs`. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** When the Lease was last renewed, for readiness; undefined before the first renewal. */
  renewedAt(): Date | undefined {
    return this.lastRenewed;
  }

  private async tick(): Promise<void> {
    let delay = this.opts.renewMs ?? AGENT_LEASE_RENEW_MS;
    try {
      await this.renew();
    } catch (err) {
      delay = this.opts.retryMs ?? 2000;
      this.deps.log.warn(
        { err, lease: `${this.opts.namespace}/${this.name}` },
        'renewing the agent Lease failed',
      );
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), delay);
  }

  /** One renewal: PUT the known Lease with a fresh renewTime; read or create it when unknown or conflicting. */
  async renew(): Promise<void> {
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const now = this.deps.now();
      const current = this.lease ?? (await this.read());
      const response = current
        ? await this.api.json(`${this.collection}/${encodeURIComponent(this.name)}`, {
            method: 'PUT',
            body: this.renewed(current, now),
          })
        : await this.api.json(this.collection, { method: 'POST', body: await this.fresh(now) });
      if (response.status === 200 || response.status === 201) {
        this.lease = response.body as Lease;
        this.lastRenewed = now;
        this.deps.metrics?.writes.inc({ object: 'Lease', result: current ? 'updated' : 'created' });
        return;
      }
      this.lease = undefined;
      if (response.status === 404 && current) this.node.forget();
      if (response.status !== 409 && response.status !== 404) {
        this.deps.metrics?.writes.inc({ object: 'Lease', result: 'error' });
        throw fail(`renewing Lease ${this.opts.namespace}/${this.name}`, response);
      }
    }
    this.deps.metrics?.writes.inc({ object: 'Lease', result: 'error' });
    throw new ReportWriteError(
      `renewing Lease ${this.opts.namespace}/${this.name}: still conflicting after ${MAX_WRITE_ATTEMPTS} attempts`,
    );
  }

  private async read(): Promise<Lease | undefined> {
    const got = await this.api.json(`${this.collection}/${encodeURIComponent(this.name)}`);
    if (got.status === 200) return got.body as Lease;
    if (got.status === 404) return undefined;
    throw fail(`reading Lease ${this.opts.namespace}/${this.name}`, got);
  }

  private spec(now: Date, acquireTime: string | undefined): LeaseSpecLite {
    const time = formatMicroTime(now);
    return {
      holderIdentity: this.opts.holderIdentity,
      leaseDurationSeconds: this.opts.durationSeconds ?? AGENT_LEASE_DURATION_SECONDS,
      acquireTime: acquireTime ?? time,
      renewTime: time,
    };
  }

  private renewed(current: Lease, now: Date): Lease {
    // A new holder (the agent pod was replaced) acquires the Lease anew.
    const acquired =
      current.spec.holderIdentity === this.opts.holderIdentity ? current.spec.acquireTime : undefined;
    return { ...current, spec: { ...current.spec, ...this.spec(now, acquired) } };
  }

  private async fresh(now: Date): Promise<Lease> {
    const uid = await this.node.uid();
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.name,
        namespace: this.opts.namespace,
        labels: { ...AGENT_LABELS },
        ownerReferences: [nodeOwnerReference(this.node.name, uid)],
      },
      spec: this.spec(now, undefined),
    };
  }
}
