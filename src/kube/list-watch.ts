import type { IncomingMessage } from 'node:http';
import { type ApiResponse, type KubeEndpoint, statusMessage } from './endpoint.js';

export interface WatchedObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
}

type Handler<T> = (object: T) => void;

/** Why the cache could not list: the HTTP status when the API server answered, for callers to explain. */
export interface ListWatchError {
  status?: number;
  message: string;
}

/**
 * A cache of one resource kept by list then watch, the informer pattern: a failed or expired watch (410 Gone)
 * lists again after `retryDelayMs`, bookmarks keep the resource version fresh, and every change is reported
 * to the handlers. The first list decides `synced`.
 */
export class ListWatch<T extends WatchedObject> {
  private readonly objects = new Map<string, T>();
  private readonly handlers = {
    add: [] as Handler<T>[],
    update: [] as Handler<T>[],
    delete: [] as Handler<T>[],
  };
  private errorHandlers: Array<(error: ListWatchError) => void> = [];
  private resourceVersion = '';
  private abort = new AbortController();
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  synced = false;
  lastError: ListWatchError | undefined;

  constructor(
    private readonly endpoint: KubeEndpoint,
    private readonly path: string,
    private readonly opts: {
      fieldSelector?: string;
      retryDelayMs?: number;
      watchTimeoutSeconds?: number;
    } = {},
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

  private syncedHandlers: Array<() => void> = [];

  get(name: string, namespace?: string): T | undefined {
    return this.objects.get(`${namespace ?? ''}/${name}`);
  }

  list(): T[] {
    return [...this.objects.values()];
  }

  /** Lists once (resolving whether or not that worked), then keeps watching in the background. */
  async start(): Promise<void> {
    this.stopped = false;
    this.abort = new AbortController();
    await this.relist();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
  }

  private query(extra: Record<string, string>): string {
    const params = new URLSearchParams(extra);
    if (this.opts.fieldSelector) params.set('fieldSelector', this.opts.fieldSelector);
    return `${this.path}?${params}`;
  }

  private fail(error: ListWatchError): void {
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
    let response: ApiResponse;
    try {
      response = await this.endpoint.json(this.query({}), { signal: this.abort.signal });
    } catch (err) {
      if (!this.stopped) this.fail({ message: (err as Error).message });
      return;
    }
    if (response.status !== 200) {
      this.fail({ status: response.status, message: statusMessage(response) });
      return;
    }
    const list = response.body as { items?: T[]; metadata?: { resourceVersion?: string } };
    const seen = new Set<string>();
    for (const object of list.items ?? []) {
      seen.add(this.keyOf(object));
      this.upsert(object);
    }
    for (const [key, object] of this.objects) {
      if (!seen.has(key)) {
        this.objects.delete(key);
        this.emit('delete', object);
      }
    }
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    const wasSynced = this.synced;
    this.synced = true;
    this.lastError = undefined;
    if (!wasSynced) for (const handler of this.syncedHandlers) handler();
    void this.watch();
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
        { signal: this.abort.signal, idleMs: (timeoutSeconds + 30) * 1000 },
      );
    } catch (err) {
      if (!this.stopped) this.fail({ message: (err as Error).message });
      return;
    }
    if (res.statusCode !== 200) {
      res.resume();
      this.fail({ status: res.statusCode, message: `watch ${this.path}: HTTP ${res.statusCode}` });
      return;
    }
    let buffered = '';
    let relist = false;
    // Decode as one stream so a character split across two chunks stays whole.
    res.setEncoding('utf8');
    try {
      for await (const chunk of res) {
        buffered += chunk as string;
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf('\n');
          if (line.trim() === '') continue;
          if (!this.apply(JSON.parse(line) as { type: string; object: T })) {
            relist = true;
            res.destroy();
            break;
          }
        }
        if (relist) break;
      }
    } catch (err) {
      if (this.stopped) return;
      if (!relist) {
        this.fail({ message: `watch ${this.path}: ${(err as Error).message}` });
        return;
      }
    }
    if (this.stopped) return;
    // A watch the server closed at its timeout resumes from the last version at once. One that ended early,
    // or with an error event, goes through the retry delay, so a server or proxy that keeps cutting watches
    // (or answers "too large resource version" while its cache warms) is not hammered.
    if (relist || Date.now() - startedAt < 1000) this.retry();
    else void this.watch();
  }

  /** Applies one watch event; false when the watch must start over from a fresh list. */
  private apply(event: { type: string; object: T }): boolean {
    const rv = event.object?.metadata?.resourceVersion;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.upsert(event.object);
        break;
      case 'DELETED': {
        const key = this.keyOf(event.object);
        if (this.objects.delete(key)) this.emit('delete', event.object);
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

  private keyOf(object: T): string {
    return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
  }

  private emit(event: 'add' | 'update' | 'delete', object: T): void {
    for (const handler of this.handlers[event]) handler(object);
  }
}
