import type { NetworkAttachmentDefinition } from '../core/kube.js';
import { type ApiResponse, type KubeEndpoint, statusMessage } from '../kube/endpoint.js';
import { ListWatch } from '../kube/list-watch.js';
import { NAD_GROUP, NAD_PLURAL, NAD_VERSION } from '../kube/nad.js';
import type { Logger } from '../telemetry/logger.js';
import type { WebhookMetrics } from './metrics.js';

type MaybeNad = NetworkAttachmentDefinition | undefined;

/** Where the webhook finds NADs. `get` answers synchronously on a cache hit, so the common path never waits. */
export interface NadSource {
  get(namespace: string, name: string): MaybeNad | Promise<MaybeNad>;
  /** True once every NAD has been listed; `/readyz` waits for it. */
  readonly synced: boolean;
  /** Why the cache has not synced, when listing failed: what `/readyz` reports. */
  readonly lastError?: string | undefined;
  /** Why lookups cannot be trusted yet (not synced, or stale), for `/readyz`; undefined when they can. */
  notReadyReason(): string | undefined;
  /**
   * A view for one admission request: its lookups stop when `signal` aborts (the answer was sent or the
   * caller went away), and it may bound how many lookups one request can cause.
   */
  forRequest?(signal: AbortSignal): NadSource;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A lookup that failed for a reason other than "not found": the request cannot be decided now. */
export class NadLookupError extends Error {}

/** A fixed set, for the offline CLI and tests. */
export class StaticNadSource implements NadSource {
  private readonly byKey = new Map<string, NetworkAttachmentDefinition>();
  readonly synced = true;
  constructor(nads: readonly NetworkAttachmentDefinition[], defaultNamespace = 'default') {
    for (const nad of nads)
      this.byKey.set(`${nad.metadata.namespace ?? defaultNamespace}/${nad.metadata.name}`, nad);
  }
  get(namespace: string, name: string): MaybeNad {
    return this.byKey.get(`${namespace}/${name}`);
  }
  notReadyReason(): string | undefined {
    return undefined;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

const NADS_PATH = `/apis/${NAD_GROUP}/${NAD_VERSION}/${NAD_PLURAL}`;
const nadPath = (namespace: string, name: string) =>
  `/apis/${NAD_GROUP}/${NAD_VERSION}/namespaces/${encodeURIComponent(namespace)}/${NAD_PLURAL}/${encodeURIComponent(name)}`;

const MISSING_CRD =
  'the NetworkAttachmentDefinition CRD is not installed: install Multus or apply manifests/01-crd-network-attachment-definition.yaml';

/**
 * List+watch of every NAD (all namespaces), with a GET on a miss and a short memory of absent names so a
 * burst of pods naming a missing NAD costs one API call, not one each. A NAD the watch delivers clears that
 * memory at once.
 */
export class InformerNadSource implements NadSource {
  private readonly informer: ListWatch<NetworkAttachmentDefinition>;
  private readonly absent = new Map<string, number>();

  constructor(
    private readonly endpoint: KubeEndpoint,
    private readonly log: Logger,
    private readonly metrics: WebhookMetrics,
    private readonly opts: {
      negativeTtlMs: number;
      /** Not ready once the cache has not been current for this long. */
      maxStalenessMs?: number;
      restartDelayMs?: number;
      now?: () => number;
    },
  ) {
    const retryDelayMs = opts.restartDelayMs ?? 2000;
    this.informer = new ListWatch(endpoint, NADS_PATH, { retryDelayMs });
    const forget = (nad: NetworkAttachmentDefinition) =>
      this.absent.delete(`${nad.metadata.namespace}/${nad.metadata.name}`);
    this.informer.on('add', forget);
    this.informer.on('update', forget);
    this.informer.onError((error) =>
      this.log.warn(
        { err: error.message, retryInMs: retryDelayMs },
        'network-attachment-definition list/watch failed',
      ),
    );
    this.informer.onSynced(() => {
      this.metrics.nadCacheSynced.set(1);
      this.log.info({ count: this.informer.list().length }, 'network-attachment-definition cache synced');
    });
  }

  get synced(): boolean {
    return this.informer.synced;
  }

  get lastError(): string | undefined {
    const error = this.informer.lastError;
    if (!error || this.informer.synced) return undefined;
    return error.status === 404 ? MISSING_CRD : error.message;
  }

  notReadyReason(): string | undefined {
    if (this.synced) return undefined;
    const why = this.lastError;
    return `network-attachment-definition cache not synced yet${why ? `: ${why}` : ''}`;
  }

  /** Lists once (the outcome shows in `synced`), then keeps the cache current, retrying in the background. */
  async start(): Promise<void> {
    await this.informer.start();
  }

  async stop(): Promise<void> {
    this.informer.stop();
  }

  get(namespace: string, name: string): MaybeNad | Promise<MaybeNad> {
    const cached = this.informer.get(name, namespace);
    if (cached) {
      this.metrics.nadLookups.inc({ result: 'hit' });
      return cached;
    }
    const key = `${namespace}/${name}`;
    const until = this.absent.get(key);
    if (until !== undefined) {
      if (until > (this.opts.now ?? Date.now)()) {
        this.metrics.nadLookups.inc({ result: 'negative' });
        return undefined;
      }
      this.absent.delete(key);
    }
    return this.fetch(namespace, name, key);
  }

  private async fetch(namespace: string, name: string, key: string): Promise<MaybeNad> {
    let response: ApiResponse;
    try {
      // Well inside the webhook's own timeoutSeconds, so a slow API server yields our deny, not a timeout.
      response = await this.endpoint.json(nadPath(namespace, name), { timeoutMs: 3000 });
    } catch (err) {
      this.metrics.nadLookups.inc({ result: 'error' });
      throw new NadLookupError(
        `could not read network-attachment-definition ${key}: ${(err as Error).message}`,
      );
    }
    if (response.status === 200) {
      this.metrics.nadLookups.inc({ result: 'miss' });
      return response.body as NetworkAttachmentDefinition;
    }
    if (response.status === 404) {
      this.metrics.nadLookups.inc({ result: 'absent' });
      this.absent.set(key, (this.opts.now ?? Date.now)() + this.opts.negativeTtlMs);
      return undefined;
    }
    this.metrics.nadLookups.inc({ result: 'error' });
    throw new NadLookupError(
      `could not read network-attachment-definition ${key}: ${statusMessage(response)}`,
    );
  }
}
