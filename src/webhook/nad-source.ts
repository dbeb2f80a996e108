import { RESOURCE_NAME_ANNOTATION } from '../api/annotations.js';
import type { NetworkAttachmentDefinition } from '../api/nad.js';
import { errorMessage } from '../cli/errors.js';
import { type ParsedNad, parseNad } from '../core/inject/plan.js';
import { objectKey } from '../core/names.js';
import { type ApiResponse, type KubeEndpoint, statusMessage } from '../kube/endpoint.js';
import { ListWatch } from '../kube/list-watch.js';
import { collectionPath, NADS, objectPath } from '../kube/paths.js';
import type { Logger } from '../telemetry/logger.js';
import type { WebhookMetrics } from './metrics.js';
import { keptNad, NadLookupError, NadLookups } from './nad-lookups.js';

type MaybeNad = NetworkAttachmentDefinition | undefined;

/** Where the webhook finds NADs. `get` answers synchronously on a cache hit, so the common path never waits. */
export interface NadSource {
  get(namespace: string, name: string): MaybeNad | Promise<MaybeNad>;
  /** True once every NAD has been listed; `/readyz` waits for it. */
  readonly synced: boolean;
  /** Why the cache has not synced, when listing failed: what `/readyz` reports. */
  readonly lastError?: string | undefined;
  /**
   * Why lookups cannot be trusted yet (not synced, or stale), for `/readyz`; undefined when they can. Without
   * it, readiness follows `synced`.
   */
  notReadyReason?(): string | undefined;
  /**
   * A view for one admission request: its lookups stop when the request's signal aborts (the answer was sent
   * or the caller went away; `signal()` is called only when a lookup has to wait), and it bounds how many
   * lookups one request can cause.
   */
  forRequest?(signal: () => AbortSignal): NadSource;
  /** What a NAD `get` returned asks of pods, parsed when it arrived; undefined for one it did not parse. */
  parsed?(nad: NetworkAttachmentDefinition): ParsedNad | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export { NadLookupError };

/** A fixed set, for tests and the benchmark. */
export class StaticNadSource implements NadSource {
  private readonly byKey = new Map<string, ParsedNad>();
  private readonly byObject = new Map<NetworkAttachmentDefinition, ParsedNad>();
  readonly synced = true;
  /** `resourceNameKeys`: the pool keys to parse with (the webhook's `--network-resource-name-keys`). */
  constructor(
    nads: readonly NetworkAttachmentDefinition[],
    defaultNamespace = 'default',
    resourceNameKeys: readonly string[] = [RESOURCE_NAME_ANNOTATION],
  ) {
    for (const nad of nads) {
      const key = objectKey(nad.metadata.namespace ?? defaultNamespace, nad.metadata.name);
      const parsed = parseNad(nad, key, resourceNameKeys);
      this.byKey.set(key, parsed);
      this.byObject.set(nad, parsed);
    }
  }
  get(namespace: string, name: string): MaybeNad {
    return this.byKey.get(objectKey(namespace, name))?.nad;
  }
  parsed(nad: NetworkAttachmentDefinition): ParsedNad | undefined {
    return this.byObject.get(nad);
  }
  notReadyReason(): string | undefined {
    return undefined;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

const MISSING_CRD =
  'the NetworkAttachmentDefinition CRD is not installed: install Multus or apply manifests/01-crd-network-attachment-definition.yaml';

export interface InformerNadOptions {
  negativeTtlMs: number;
  /** Not ready once the cache has not matched the API server for this long. Default 5 min. */
  maxStalenessMs?: number;
  /** The annotation keys naming device pools (`--network-resource-name-keys`), kept besides our own. */
  resourceNameKeys?: readonly string[];
  restartDelayMs?: number;
  /** Objects per list page; default the ListWatch's (500). */
  listPageSize?: number;
  now?: () => number;
}

/**
 * List+watch of every NAD (all namespaces), keeping of each only what decisions read (see `keptNad`), with
 * bounded lookups on a miss (`NadLookups`). A NAD the watch delivers clears its "absent" memory at once.
 */
export class InformerNadSource implements NadSource {
  private readonly informer: ListWatch<NetworkAttachmentDefinition>;
  private readonly lookups: NadLookups;
  /** Each kept NAD object with its parse, dropped with the object when the informer lets it go. */
  private readonly parsedNads = new WeakMap<NetworkAttachmentDefinition, ParsedNad>();

  constructor(
    private readonly endpoint: KubeEndpoint,
    private readonly log: Logger,
    private readonly metrics: WebhookMetrics,
    private readonly opts: InformerNadOptions,
  ) {
    const retryDelayMs = opts.restartDelayMs ?? 2000;
    const now = opts.now ?? Date.now;
    const resourceNameKeys = opts.resourceNameKeys ?? [];
    const kept = keptNad(resourceNameKeys);
    // Each NAD is parsed as it arrives (list, watch event or GET), so admission only reads the result.
    const keep = (raw: unknown): MaybeNad => {
      const nad = kept(raw);
      if (nad) {
        const key = objectKey(nad.metadata.namespace ?? '', nad.metadata.name);
        this.parsedNads.set(nad, parseNad(nad, key, resourceNameKeys));
      }
      return nad;
    };
    // Two minutes per watch: a connection that died without a FIN is noticed within 150 s (the idle timer).
    this.informer = new ListWatch(endpoint, collectionPath(NADS), {
      retryDelayMs,
      transform: keep,
      watchTimeoutSeconds: 120,
      now,
      ...(opts.listPageSize ? { pageSize: opts.listPageSize } : {}),
    });
    this.lookups = new NadLookups({
      negativeTtlMs: opts.negativeTtlMs,
      now,
      cached: (namespace, name) => this.informer.get(namespace, name),
      // "Absent" is believed without asking while the watch is live: the cache then holds every NAD.
      trusted: () => this.informer.synced && this.informer.watching,
      fetch: (namespace, name, signal) => this.fetch(namespace, name, signal, keep),
      count: (result) => metrics.nadLookups.inc({ result }),
    });
    const forget = (nad: NetworkAttachmentDefinition) =>
      this.lookups.forget(nad.metadata.namespace ?? '', nad.metadata.name ?? '');
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
      this.log.info({ count: this.informer.size }, 'network-attachment-definition cache synced');
    });
    metrics.nadCacheStaleness.collect = () => metrics.nadCacheStaleness.set(this.stalenessMs() / 1000);
  }

  get synced(): boolean {
    return this.informer.synced;
  }

  get lastError(): string | undefined {
    const error = this.informer.lastError;
    if (!error) return undefined;
    return error.status === 404 ? MISSING_CRD : error.message;
  }

  /** How long since the cache last matched the API server: 0 while the watch is live. */
  stalenessMs(): number {
    if (this.informer.watching) return 0;
    const at = this.informer.currentAt;
    return at === undefined ? Number.POSITIVE_INFINITY : Math.max(0, (this.opts.now ?? Date.now)() - at);
  }

  notReadyReason(): string | undefined {
    const why = this.lastError;
    if (!this.synced) return `network-attachment-definition cache not synced yet${why ? `: ${why}` : ''}`;
    const stale = this.stalenessMs();
    const limit = this.opts.maxStalenessMs ?? 300_000;
    if (stale > limit) {
      return `network-attachment-definition cache has not matched the API server for ${Math.round(stale / 1000)} s (limit ${Math.round(limit / 1000)} s)${why ? `: ${why}` : ''}`;
    }
    return undefined;
  }

  /** Lists once (the outcome shows in `synced`), then keeps the cache current, retrying in the background. */
  async start(): Promise<void> {
    await this.informer.start();
  }

  async stop(): Promise<void> {
    this.informer.stop();
  }

  get(namespace: string, name: string): MaybeNad | Promise<MaybeNad> {
    return this.lookups.get(namespace, name);
  }

  parsed(nad: NetworkAttachmentDefinition): ParsedNad | undefined {
    return this.parsedNads.get(nad);
  }

  forRequest(signal: () => AbortSignal): NadSource {
    const scoped = this.lookups.forRequest(signal);
    const source = this;
    return {
      get: (namespace, name) => scoped.get(namespace, name),
      parsed: (nad) => source.parsed(nad),
      get synced() {
        return source.synced;
      },
      get lastError() {
        return source.lastError;
      },
      notReadyReason: () => source.notReadyReason(),
      start: () => source.start(),
      stop: () => source.stop(),
    };
  }

  private async fetch(
    namespace: string,
    name: string,
    signal: AbortSignal,
    keep: (raw: unknown) => NetworkAttachmentDefinition | undefined,
  ): Promise<MaybeNad> {
    const key = objectKey(namespace, name);
    let response: ApiResponse;
    try {
      // Well inside the webhook's own timeoutSeconds, so a slow API server yields our deny, not a timeout.
      response = await this.endpoint.json(objectPath(NADS, namespace, name), { timeoutMs: 3000, signal });
    } catch (err) {
      throw new NadLookupError(`could not read network-attachment-definition ${key}: ${errorMessage(err)}`);
    }
    if (response.status === 200) return keep(response.body) ?? undefined;
    if (response.status === 404) return undefined;
    throw new NadLookupError(
      `could not read network-attachment-definition ${key}: ${statusMessage(response)}`,
    );
  }
}
