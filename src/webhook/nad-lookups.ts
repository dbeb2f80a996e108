/**
 * What happens when a pod names a NAD the cache does not hold, kept bounded whoever writes the pod: a GET
 * per distinct name (shared by every request waiting on it, cancelled when none is any more), at most
 * `maxPerRequest` distinct names looked up per request, a bounded memory of absent names, and no GET at all
 * while the informer is live and the miss budget is spent.
 */
import type { NetworkAttachmentDefinition } from '../api/nad.js';
import { objectKey } from '../core/names.js';

/** A lookup that failed for a reason other than "not found": the request cannot be decided now. */
export class NadLookupError extends Error {}

type MaybeNad = NetworkAttachmentDefinition | undefined;

/** `hit` cache, `miss` GET found it, `absent` GET did not, `negative` remembered absent, `shared` joined a GET
 * in flight, `trusted` absent per the live informer, `refused` over the per-request cap, `error` GET failed. */
export type LookupResult =
  | 'hit'
  | 'miss'
  | 'absent'
  | 'negative'
  | 'shared'
  | 'trusted'
  | 'refused'
  | 'error';

export interface NadLookupsOptions {
  negativeTtlMs: number;
  /**
   * Absent names remembered at once; the oldest goes first. 10,000 entries of ~150 bytes are ~1.5 MiB, where
   * an unbounded map of a million misses held 112 MiB.
   */
  maxNegative?: number;
  /**
   * Distinct names one request may look up. A Multus pod names a handful of networks, almost always all
   * cached; a pod naming more unknown ones than this is denied with a message, without more GETs.
   */
  maxPerRequest?: number;
  /**
   * GETs per second (and burst) allowed for misses while the informer is live. A live informer holds every
   * NAD, so a miss is nearly always absent; the budget covers the one real gap, a NAD created a moment before
   * the pod whose watch event has not arrived, without letting misses drive GETs when it is spent.
   */
  trustedMissGetsPerSecond?: number;
  now: () => number;
  cached(namespace: string, name: string): MaybeNad;
  trusted(): boolean;
  fetch(namespace: string, name: string, signal: AbortSignal): Promise<MaybeNad>;
  count(result: LookupResult): void;
}

/** Which distinct names one request may still cause a GET for. */
interface RequestBudget {
  allows(key: string): boolean;
  spend(key: string): void;
}

interface InFlight {
  promise: Promise<MaybeNad>;
  controller: AbortController;
  waiters: number;
}

export class NadLookups {
  private readonly absent = new Map<string, number>();
  private readonly inFlight = new Map<string, InFlight>();
  private tokens: number;
  private refilledAt: number;

  constructor(private readonly opts: NadLookupsOptions) {
    this.tokens = this.burst();
    this.refilledAt = opts.now();
  }

  get negativeEntries(): number {
    return this.absent.size;
  }

  /** A NAD arrived through the watch: any memory of it being absent is wrong now. */
  forget(namespace: string, name: string): void {
    this.absent.delete(objectKey(namespace, name));
  }

  /** A lookup with no request attached (tests, tools): never cancelled, no per-request cap. */
  get(namespace: string, name: string): MaybeNad | Promise<MaybeNad> {
    return this.lookup(namespace, name, undefined);
  }

  /**
   * Lookups for one request: cancelled with the request's signal (asked for only when a lookup has to wait),
   * at most `maxPerRequest` distinct names fetched.
   */
  forRequest(signal: () => AbortSignal): {
    get(namespace: string, name: string): MaybeNad | Promise<MaybeNad>;
  } {
    const max = this.opts.maxPerRequest ?? 8;
    const fetched = new Set<string>();
    const budget: RequestBudget = {
      allows: (key) => fetched.has(key) || fetched.size < max,
      spend: (key) => fetched.add(key),
    };
    return { get: (namespace, name) => this.lookup(namespace, name, signal, budget) };
  }

  private lookup(
    namespace: string,
    name: string,
    signal: (() => AbortSignal) | undefined,
    budget?: RequestBudget,
  ): MaybeNad | Promise<MaybeNad> {
    const cached = this.opts.cached(namespace, name);
    if (cached) {
      this.opts.count('hit');
      return cached;
    }
    const key = objectKey(namespace, name);
    if (this.rememberedAbsent(key)) {
      this.opts.count('negative');
      return undefined;
    }
    const running = this.inFlight.get(key);
    const allowed = budget?.allows(key) ?? true;
    // A live informer holds every NAD: its "absent" is the answer once this request's budget or the
    // process's GET budget is spent. Only a cache that cannot be trusted refuses the pod instead.
    if (!running && this.opts.trusted() && !(allowed && this.takeToken())) {
      this.opts.count('trusted');
      return undefined;
    }
    if (!allowed) {
      this.opts.count('refused');
      const max = this.opts.maxPerRequest ?? 8;
      return Promise.reject(
        new NadLookupError(
          `network-attachment-definition ${key} is not in the webhook's cache, and the pod already names ${max} others that are not (the cache may still be syncing, or they do not exist)`,
        ),
      );
    }
    budget?.spend(key);
    if (running) {
      this.opts.count('shared');
      return this.join(running, signal);
    }
    return this.join(this.start(namespace, name, key), signal);
  }

  private start(namespace: string, name: string, key: string): InFlight {
    const controller = new AbortController();
    const entry: InFlight = { controller, waiters: 0, promise: Promise.resolve(undefined) };
    const settle = () => {
      if (this.inFlight.get(key) === entry) this.inFlight.delete(key);
    };
    entry.promise = this.opts.fetch(namespace, name, controller.signal).then(
      (nad) => {
        settle();
        this.opts.count(nad ? 'miss' : 'absent');
        if (!nad) this.remember(key);
        return nad;
      },
      (err: unknown) => {
        settle();
        this.opts.count('error');
        throw err;
      },
    );
    // Whoever is waiting handles the outcome; once nobody is (all cancelled), it must not surface unhandled.
    entry.promise.catch(() => {});
    this.inFlight.set(key, entry);
    return entry;
  }

  /** Counts the caller as waiting; the GET is aborted once every waiter's request has been answered. */
  private join(entry: InFlight, requestSignal: (() => AbortSignal) | undefined): Promise<MaybeNad> {
    entry.waiters++;
    const signal = requestSignal?.();
    if (signal) {
      const leave = () => {
        entry.waiters--;
        if (entry.waiters === 0) entry.controller.abort();
      };
      if (signal.aborted) leave();
      else signal.addEventListener('abort', leave, { once: true });
    }
    return entry.promise;
  }

  private rememberedAbsent(key: string): boolean {
    const until = this.absent.get(key);
    if (until === undefined) return false;
    this.absent.delete(key);
    if (until <= this.opts.now()) return false;
    // Re-inserted so the map's order stays least recently used first.
    this.absent.set(key, until);
    return true;
  }

  private remember(key: string): void {
    this.absent.delete(key);
    this.absent.set(key, this.opts.now() + this.opts.negativeTtlMs);
    const max = this.opts.maxNegative ?? 10_000;
    while (this.absent.size > max) {
      const oldest = this.absent.keys().next().value as string;
      this.absent.delete(oldest);
    }
  }

  private burst(): number {
    return 2 * (this.opts.trustedMissGetsPerSecond ?? 5);
  }

  private takeToken(): boolean {
    const now = this.opts.now();
    const rate = this.opts.trustedMissGetsPerSecond ?? 5;
    this.tokens = Math.min(this.burst(), this.tokens + ((now - this.refilledAt) / 1000) * rate);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}

/** Annotations a decision may read: our own, Multus/NPWG's, and the configured resource-name keys. */
export function keptNad(
  resourceNameKeys: readonly string[],
): (raw: unknown) => NetworkAttachmentDefinition | undefined {
  const extra = new Set(resourceNameKeys);
  const keepKey = (key: string) =>
    key.startsWith('wirespeed.io/') || key.startsWith('k8s.v1.cni.cncf.io/') || extra.has(key);
  return (raw) => {
    const metadata = (raw as { metadata?: Record<string, unknown> } | null)?.metadata;
    if (!metadata || typeof metadata.name !== 'string') return undefined;
    const annotations: Record<string, string> = {};
    const source = metadata.annotations;
    if (source && typeof source === 'object') {
      for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
        if (typeof value === 'string' && keepKey(key)) annotations[key] = value;
      }
    }
    const kept: NetworkAttachmentDefinition = {
      apiVersion: 'k8s.cni.cncf.io/v1',
      kind: 'NetworkAttachmentDefinition',
      metadata: {
        name: metadata.name,
        ...(typeof metadata.namespace === 'string' ? { namespace: metadata.namespace } : {}),
        ...(typeof metadata.uid === 'string' ? { uid: metadata.uid } : {}),
        ...(typeof metadata.resourceVersion === 'string'
          ? { resourceVersion: metadata.resourceVersion }
          : {}),
        annotations,
      },
    };
    return kept;
  };
}
