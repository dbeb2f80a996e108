import { ApiException, CustomObjectsApi, type KubeConfig, ListWatch, Watch } from '@kubernetes/client-node';
import type { NetworkAttachmentDefinition } from '../core/kube.js';
import { NAD_GROUP, NAD_PLURAL, NAD_VERSION } from '../kube/nad.js';
import type { Logger } from '../telemetry/logger.js';
import type { WebhookMetrics } from './metrics.js';

/** Where the webhook finds NADs. `get` answers synchronously on a cache hit, so the common path never waits. */
export interface NadSource {
  get(
    namespace: string,
    name: string,
  ): NetworkAttachmentDefinition | undefined | Promise<NetworkAttachmentDefinition | undefined>;
  /** True once every NAD has been listed; `/readyz` waits for it. */
  readonly synced: boolean;
  /** Why the cache has not synced, when listing failed: what `/readyz` reports. */
  readonly lastError?: string;
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
  get(namespace: string, name: string): NetworkAttachmentDefinition | undefined {
    return this.byKey.get(`${namespace}/${name}`);
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

interface NadObject extends NetworkAttachmentDefinition {
  metadata: NetworkAttachmentDefinition['metadata'] & { namespace?: string };
}

/**
 * List+watch of every NAD (all namespaces), with a GET on a miss and a short memory of absent names so a
 * burst of pods naming a missing NAD costs one API call, not one each. A NAD the watch delivers clears that
 * memory at once.
 */
export class InformerNadSource implements NadSource {
  private readonly informer: ListWatch<NadObject & { metadata: { name: string } }>;
  private readonly api: CustomObjectsApi;
  private readonly absent = new Map<string, number>();
  private started = false;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private _synced = false;
  private lastListOk = false;

  constructor(
    kc: KubeConfig,
    private readonly log: Logger,
    private readonly metrics: WebhookMetrics,
    private readonly opts: { negativeTtlMs: number; restartDelayMs?: number; now?: () => number },
  ) {
    this.api = kc.makeApiClient(CustomObjectsApi);
    const path = `/apis/${NAD_GROUP}/${NAD_VERSION}/${NAD_PLURAL}`;
    const list = async () => {
      this.lastListOk = false;
      const body = await this.api.listClusterCustomObject({
        group: NAD_GROUP,
        version: NAD_VERSION,
        plural: NAD_PLURAL,
      });
      this.lastListOk = true;
      return body;
    };
    this.informer = new ListWatch(path, new Watch(kc), list, false);
    const forget = (nad: NadObject) => this.absent.delete(`${nad.metadata.namespace}/${nad.metadata.name}`);
    this.informer.on('add', forget);
    this.informer.on('update', forget);
    this.informer.on('error', (err) => this.onError(err));
  }

  get synced(): boolean {
    return this._synced;
  }

  async start(): Promise<void> {
    this.started = true;
    await this.informer.start();
    // ListWatch reports a failed list through its error callback and resolves anyway.
    if (!this.lastListOk) return;
    this._synced = true;
    this.lastError = undefined;
    this.metrics.nadCacheSynced.set(1);
    this.log.info({ count: this.informer.list().length }, 'network-attachment-definition cache synced');
  }

  /** Starts in the background, retrying until the first list succeeds; readiness reflects the state. */
  startInBackground(): void {
    this.started = true;
    this.start().catch((err) => this.onError(err));
  }

  lastError: string | undefined;

  private onError(err: unknown): void {
    if (this.stopped) return;
    this.lastError =
      err instanceof ApiException && err.code === 404
        ? 'the NetworkAttachmentDefinition CRD is not installed: install Multus or apply manifests/01-crd-network-attachment-definition.yaml'
        : describeError(err);
    const delay = this.opts.restartDelayMs ?? 2000;
    this.log.warn(
      { err: describeError(err), retryInMs: delay },
      'network-attachment-definition watch failed; restarting',
    );
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (!this.stopped && this.started) this.start().catch((e) => this.onError(e));
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.informer.stop();
  }

  get(
    namespace: string,
    name: string,
  ): NetworkAttachmentDefinition | undefined | Promise<NetworkAttachmentDefinition | undefined> {
    const cached = this.informer.get(name, namespace);
    if (cached) {
      this.metrics.nadLookups.inc({ result: 'hit' });
      return cached;
    }
    const key = `${namespace}/${name}`;
    const now = (this.opts.now ?? Date.now)();
    const until = this.absent.get(key);
    if (until !== undefined && until > now) {
      this.metrics.nadLookups.inc({ result: 'negative' });
      return undefined;
    }
    return this.fetch(namespace, name, key);
  }

  private async fetch(
    namespace: string,
    name: string,
    key: string,
  ): Promise<NetworkAttachmentDefinition | undefined> {
    try {
      const nad = (await this.api.getNamespacedCustomObject({
        group: NAD_GROUP,
        version: NAD_VERSION,
        namespace,
        plural: NAD_PLURAL,
        name,
      })) as NetworkAttachmentDefinition;
      this.metrics.nadLookups.inc({ result: 'miss' });
      return nad;
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) {
        this.metrics.nadLookups.inc({ result: 'absent' });
        this.absent.set(key, (this.opts.now ?? Date.now)() + this.opts.negativeTtlMs);
        return undefined;
      }
      this.metrics.nadLookups.inc({ result: 'error' });
      throw new NadLookupError(`could not read network-attachment-definition ${key}: ${describeError(err)}`);
    }
  }
}

export function describeError(err: unknown): string {
  if (err instanceof ApiException) {
    try {
      const status = JSON.parse(String(err.body)) as { message?: string };
      if (status.message) return `HTTP ${err.code}: ${status.message}`;
    } catch {
      // body is not a Status document
    }
    return `HTTP ${err.code}`;
  }
  return err instanceof Error ? err.message : String(err);
}
