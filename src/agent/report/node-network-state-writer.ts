/**
 * Keeps the node's NodeNetworkState (cluster-scoped, named after the node, owned by the Node) holding the latest
 * report. It writes `/status` only when `sameReport` says the report changed: what the server holds is
 * remembered, so an unchanged report costs no API call at all; `verify` re-reads the object (a resync, or after
 * a restart) and still writes only if the server's copy differs. Conflicts re-read and retry, bounded.
 */
import {
  type NodeNetworkState,
  type NodeNetworkStateStatus,
  WIRESPEED_API_VERSION,
} from '../../api/wirespeed-v1alpha1.js';
import { sameReport } from '../../core/report/same-report.js';
import { collectionPath, NODE_NETWORK_STATES } from '../../kube/paths.js';
import {
  AGENT_LABELS,
  fail,
  type JsonApi,
  MAX_WRITE_ATTEMPTS,
  type NodeRef,
  nodeOwnerReference,
  ReportWriteError,
} from './api.js';

export type WriteResult = 'created' | 'updated' | 'unchanged';

const COLLECTION = collectionPath(NODE_NETWORK_STATES);

interface ServerCopy {
  resourceVersion: string;
  status: NodeNetworkStateStatus | undefined;
}

export class NodeNetworkStateWriter {
  /** What the server holds, as far as this writer knows; undefined: read it before writing. */
  private known: ServerCopy | undefined;

  constructor(
    private readonly api: JsonApi,
    private readonly node: NodeRef,
  ) {}

  private get path(): string {
    return `${COLLECTION}/${encodeURIComponent(this.node.name)}`;
  }

  /** Writes `status` unless the server already holds the same report. */
  async write(status: NodeNetworkStateStatus, opts: { verify?: boolean } = {}): Promise<WriteResult> {
    if (opts.verify) this.known = undefined;
    if (this.known && sameReport(this.known.status, status)) return 'unchanged';
    let created = false;
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      if (!this.known) {
        const read = await this.readOrCreate();
        created ||= read.created;
        this.known = read.copy;
      }
      if (sameReport(this.known.status, status)) return created ? 'created' : 'unchanged';
      const response = await this.api.json(`${this.path}/status`, {
        method: 'PUT',
        body: this.object(status, this.known.resourceVersion),
      });
      if (response.status === 200) {
        this.known = { resourceVersion: resourceVersionOf(response.body), status };
        return created ? 'created' : 'updated';
      }
      this.known = undefined;
      // 409: someone wrote in between; 404: deleted (its Node went away and came back): read again.
      if (response.status === 404) this.node.forget();
      if (response.status !== 409 && response.status !== 404) {
        throw fail(`writing NodeNetworkState ${this.node.name} status`, response);
      }
    }
    throw new ReportWriteError(
      `writing NodeNetworkState ${this.node.name} status: still conflicting after ${MAX_WRITE_ATTEMPTS} attempts`,
    );
  }

  /** Forget what the server holds, so the next write reads it first. */
  invalidate(): void {
    this.known = undefined;
  }

  private async readOrCreate(): Promise<{ copy: ServerCopy; created: boolean }> {
    const got = await this.api.json(this.path);
    if (got.status === 200) {
      const object = got.body as NodeNetworkState;
      return { copy: { resourceVersion: resourceVersionOf(object), status: object.status }, created: false };
    }
    if (got.status !== 404) throw fail(`reading NodeNetworkState ${this.node.name}`, got);
    const uid = await this.node.uid();
    const body: NodeNetworkState = {
      apiVersion: WIRESPEED_API_VERSION,
      kind: 'NodeNetworkState',
      metadata: {
        name: this.node.name,
        labels: { ...AGENT_LABELS },
        ownerReferences: [nodeOwnerReference(this.node.name, uid)],
      },
    };
    const posted = await this.api.json(COLLECTION, { method: 'POST', body });
    if (posted.status === 201 || posted.status === 200) {
      return { copy: { resourceVersion: resourceVersionOf(posted.body), status: undefined }, created: true };
    }
    if (posted.status !== 409) throw fail(`creating NodeNetworkState ${this.node.name}`, posted);
    // Created meanwhile (the old agent during a rollout): read that one.
    const again = await this.api.json(this.path);
    if (again.status !== 200) throw fail(`reading NodeNetworkState ${this.node.name}`, again);
    const object = again.body as NodeNetworkState;
    return { copy: { resourceVersion: resourceVersionOf(object), status: object.status }, created: false };
  }

  private object(status: NodeNetworkStateStatus, resourceVersion: string): NodeNetworkState {
    return {
      apiVersion: WIRESPEED_API_VERSION,
      kind: 'NodeNetworkState',
      metadata: { name: this.node.name, resourceVersion },
      status,
    };
  }
}

export function resourceVersionOf(body: unknown): string {
  const rv = (body as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion;
  if (typeof rv !== 'string')
    throw new ReportWriteError('the API server answered an object without resourceVersion');
  return rv;
}
