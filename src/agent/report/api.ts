/**
 * What the report's writers need of the API server: `KubeEndpoint.json` (the small client of src/kube, not
 * @kubernetes/client-node), the Node they belong to, and one error type that says which write failed.
 */
import { type ApiResponse, type KubeEndpoint, statusMessage } from '../../kube/endpoint.js';
import { NODES, objectPath } from '../../kube/paths.js';

export type JsonApi = Pick<KubeEndpoint, 'json'>;

/** A write gave up: an unexpected answer, or conflicts past the retry bound. */
export class ReportWriteError extends Error {}

/** Conflicting writes are re-read and retried this many times in all before the write gives up. */
export const MAX_WRITE_ATTEMPTS = 4;

export const fail = (what: string, response: ApiResponse): ReportWriteError =>
  new ReportWriteError(`${what}: ${statusMessage(response)}`);

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string }[];
}

/** The ownerReference that makes an object go with its Node (garbage collection). */
export const nodeOwnerReference = (name: string, uid: string) => ({
  apiVersion: 'v1',
  kind: 'Node',
  name,
  uid,
});

export const AGENT_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/name': 'wirespeed-agent',
  'app.kubernetes.io/managed-by': 'wirespeed-agent',
};

/**
 * The Node this agent runs on, read once for its uid (owner of every object the agent writes) and read again
 * after `forget()`, e.g. when an owned object vanished because the Node was deleted and registered anew.
 */
export class NodeRef {
  private uidPromise: Promise<string> | undefined;

  constructor(
    private readonly api: JsonApi,
    readonly name: string,
  ) {}

  uid(): Promise<string> {
    this.uidPromise ??= this.read().catch((err: unknown) => {
      this.uidPromise = undefined;
      throw err;
    });
    return this.uidPromise;
  }

  forget(): void {
    this.uidPromise = undefined;
  }

  private async read(): Promise<string> {
    const response = await this.api.json(objectPath(NODES, undefined, this.name));
    if (response.status !== 200) throw fail(`reading Node ${this.name}`, response);
    const uid = (response.body as { metadata?: { uid?: unknown } }).metadata?.uid;
    if (typeof uid !== 'string' || uid === '') {
      throw new ReportWriteError(`Node ${this.name} has no metadata.uid`);
    }
    return uid;
  }
}
