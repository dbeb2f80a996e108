import type { IncomingMessage } from 'node:http';
import { errorMessage } from '../cli/errors.js';
import { objectKey } from '../core/names.js';
import type { KubeEndpoint } from './endpoint.js';
import { type ListMetadata, readListPage } from './list-stream.js';

export interface WatchedObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
}

type Handler<T> = (object: T) => void;

/** Why the cache could not list: the HTTP status when the API server answered, for callers to explain. */
export interface ListWatchError {
  status?: number;
  message: string;
}

export interface ListWatchOptions<T> {
  fieldSelector?: string;
  retryDelayMs?: number;
  /** The server ends each watch after this long (it then resumes from the last version seen). */
  watchTimeoutSeconds?: number;
  /**
   * Objects per list page (`limit`, followed by `continue`). 500 is client-go's page size: big enough that
   * a cluster's NADs come in a few requests, small enough that one page is never the whole cluster.
   */
  pageSize?: number;
  /** One list page, body included, must arrive within this long. */
  listTimeoutMs?: number;
  /** Largest object (list item or watch event) accepted, in characters. */
  maxObjectChars?: number;
  /**
   * What the cache keeps of each object, applied to list items and watch events as they are read, before
   * anything else holds them; undefined drops the object. Default: the object as it came.
   */
  transform?: (raw: unknown) => T | undefined;
  now?: () => number;
}

/**
 * A cache of one resource kept by list then watch, the informer pattern: lists in pages read item by item, a
 * failed or expired watch (410 Gone) lists again after `retryDelayMs`, bookmarks keep the resource version
 * fresh, and every change is reported to the handlers. The first list decides `synced`; `currentAt` says when
 * the cache was last known to match the server, so callers can tell a stale cache from a quiet one.
 */
export class ListWatch<T extends WatchedObject> {
  private readonly objects = new Map<string, T>();
  private readonly handlers = {
    add: [] as Handler<T>[],
    update: [] as Handler<T>[],
    delete: [] as Handler<T>[],
  };
  private errorHandlers: Array<(error: ListWatchError) => void> = [];
  private syncedHandlers: Array<() => void> = [];
  private resourceVersion = '';
  private abort = new AbortController();
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  synced = false;
  /** True while a watch is open and answering: changes reach the cache as they happen. */
  watching = false;
  lastError: ListWatchError | undefined;
  /** When (ms, `now()`) the cache last matched the server: a list finished, or the watch said something. */
  currentAt: number | undefined;

  constructor(
    private readonly endpoint: KubeEndpoint,
    private readonly path: string,
    private readonly opts: ListWatchOptions<T> = {},
  ) {}

  on(event: 'add' | 'update' | 'delete', handler: Handler<T>): void {
    this.handlers[event].push(handler);
  }

  onError(handler: (error: ListWatchError) => void): void {
    this.errorHandlers.push(handler);
  }

  /** Called once, when the first list succeeds. Later relists keep the cache (and `synced`) as they are. */
  onSynced(handler: () => void): void {
    this.syncedHandlers.push(handler);
  }

  /** A cluster-scoped object by name, or a namespaced one by (namespace, name): the order used everywhere. */
  get(name: string): T | undefined;
  get(namespace: string, name: string): T | undefined;
  get(first: string, second?: string): T | undefined {
    return this.objects.get(second === undefined ? objectKey('', first) : objectKey(first, second));
  }

  list(): T[] {
    return [...this.objects.values()];
  }

  get size(): number {
    return this.objects.size;
  }

  /** Lists once (resolving whether or not that worked), then keeps watching in the background. */
  async start(): Promise<void> {
    this.stopped = false;
    this.abort = new AbortController();
    await this.relist();
  }

  stop(): void {
    this.stopped = true;
    this.watching = false;
    clearTimeout(this.timer);
    this.abort.abort();
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private query(extra: Record<string, string>): string {
    const params = new URLSearchParams(extra);
    if (this.opts.fieldSelector) params.set('fieldSelector', this.opts.fieldSelector);
    return `${this.path}?${params}`;
  }

  private fail(error: ListWatchError): void {
    this.watching = false;
    this.lastError = error;
    for (const handler of this.errorHandlers) handler(error);
    this.retry();
  }

  private retry(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.relist(), this.opts.retryDelayMs ?? 2000);
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    const seen = new Map<string, T>();
    let metadata: ListMetadata = {};
    try {
      do {
        const page = await this.listPage(metadata.continue, seen);
        if ('status' in page) {
          this.fail(page);
          return;
        }
        metadata = page;
      } while (metadata.continue);
    } catch (err) {
      if (!this.stopped) this.fail({ message: `list ${this.path}: ${errorMessage(err)}` });
      return;
    }
    // Applied only once every page is in, so a list that fails half-way leaves the cache as it was.
    for (const object of seen.values()) this.upsert(object);
    for (const [key, object] of this.objects) {
      if (!seen.has(key)) {
        this.objects.delete(key);
        this.emit('delete', object);
      }
    }
    this.resourceVersion = metadata.resourceVersion ?? '';
    const wasSynced = this.synced;
    this.synced = true;
    this.lastError = undefined;
    this.currentAt = this.now();
    if (!wasSynced) for (const handler of this.syncedHandlers) handler();
    void this.watch();
  }

  /** One page, parsed as it streams; its items go into `seen`. A non-200 answer comes back as an error. */
  private async listPage(
    continueToken: string | undefined,
    seen: Map<string, T>,
  ): Promise<ListMetadata | (ListWatchError & { status: number })> {
    const params: Record<string, string> = { limit: String(this.opts.pageSize ?? 500) };
    if (continueToken) params.continue = continueToken;
    return readListPage(this.endpoint, this.query(params), {
      signal: this.abort.signal,
      timeoutMs: this.opts.listTimeoutMs ?? 60_000,
      maxItemChars: this.opts.maxObjectChars ?? 16 * 1024 * 1024,
      onItem: (raw) => {
        const object = this.opts.transform ? this.opts.transform(raw) : (raw as T);
        if (object?.metadata?.name !== undefined) seen.set(this.keyOf(object), object);
      },
    });
  }

  private async watch(): Promise<void> {
    const timeoutSeconds = this.opts.watchTimeoutSeconds ?? 300;
    const startedAt = Date.now();
    let res: IncomingMessage;
    try {
      res = await this.endpoint.open(
        this.query({
          watch: 'true',
          allowWatchBookmarks: 'true',
          resourceVersion: this.resourceVersion,
          timeoutSeconds: String(timeoutSeconds),
        }),
        // Bookmarks arrive about once a minute; silence well past the server's own timeout means a dead link.
        { signal: this.abort.signal, idleMs: (timeoutSeconds + 30) * 1000, stream: true, timeoutMs: 30_000 },
      );
    } catch (err) {
      if (!this.stopped) this.fail({ message: `watch ${this.path}: ${errorMessage(err)}` });
      return;
    }
    if (res.statusCode !== 200) {
      res.resume();
      this.fail({ status: res.statusCode, message: `watch ${this.path}: HTTP ${res.statusCode}` });
      return;
    }
    this.watching = true;
    const outcome = await this.readEvents(res);
    if (this.stopped) return;
    this.watching = false;
    if (outcome !== 'ended' && outcome !== 'relist') {
      this.fail({ message: `watch ${this.path}: ${outcome.message}` });
      return;
    }
    this.currentAt = this.now();
    // A watch the server closed at its timeout resumes from the last version at once. One that ended early,
    // or with an error event, goes through the retry delay, so a server or proxy that keeps cutting watches
    // (or answers "too large resource version" while its cache warms) is not hammered.
    if (outcome === 'relist' || Date.now() - startedAt < 1000) this.retry();
    else void this.watch();
  }

  /** Applies the stream's events until it ends ('ended'), asks for a relist ('relist'), or fails. */
  private async readEvents(res: IncomingMessage): Promise<'ended' | 'relist' | Error> {
    const maxLine = this.opts.maxObjectChars ?? 16 * 1024 * 1024;
    let buffered = '';
    // Decode as one stream so a character split across two chunks stays whole.
    res.setEncoding('utf8');
    try {
      for await (const chunk of res) {
        this.currentAt = this.now();
        buffered += chunk as string;
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf('\n');
          if (line.trim() === '') continue;
          if (!this.apply(JSON.parse(line) as { type: string; object: unknown })) {
            res.destroy();
            return 'relist';
          }
        }
        if (buffered.length > maxLine) {
          res.destroy();
          return new Error(`a watch event is larger than ${maxLine} characters`);
        }
      }
    } catch (err) {
      return err instanceof Error ? err : new Error(errorMessage(err));
    }
    return 'ended';
  }

  /** Applies one watch event; false when the watch must start over from a fresh list. */
  private apply(event: { type: string; object: unknown }): boolean {
    const raw = event.object as WatchedObject | undefined;
    const rv = raw?.metadata?.resourceVersion;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED': {
        const object = this.opts.transform ? this.opts.transform(raw) : (raw as T | undefined);
        if (object) this.upsert(object);
        break;
      }
      case 'DELETED': {
        if (!raw?.metadata) break;
        const key = this.keyOf(raw);
        const gone = this.objects.get(key);
        if (gone && this.objects.delete(key)) this.emit('delete', gone);
        break;
      }
      case 'BOOKMARK':
        break;
      default:
        // ERROR: a Status, typically 410 Gone once the resource version has been compacted away.
        return false;
    }
    if (rv) this.resourceVersion = rv;
    return true;
  }

  private upsert(object: T): void {
    const key = this.keyOf(object);
    const previous = this.objects.get(key);
    if (previous && previous.metadata.resourceVersion === object.metadata.resourceVersion) return;
    this.objects.set(key, object);
    this.emit(previous ? 'update' : 'add', object);
  }

  private keyOf(object: WatchedObject): string {
    return objectKey(object.metadata.namespace ?? '', object.metadata.name);
  }

  private emit(event: 'add' | 'update' | 'delete', object: T): void {
    for (const handler of this.handlers[event]) handler(object);
  }
}
