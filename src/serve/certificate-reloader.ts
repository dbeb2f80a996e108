import { createHash } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { dirname } from 'node:path';
import { errorMessage } from '../cli/errors.js';
import type { Logger } from '../telemetry/logger.js';
import { type LoadedPair, loadServingPair, type PairChecks, type ServingFiles } from './serving-pair.js';

export type ReloadResult = 'loaded' | 'rejected';

export interface CertificateReloaderOptions {
  files: ServingFiles;
  /** Puts a checked pair in force (for a server: setSecureContext with its own base context). */
  install(pair: LoadedPair): void;
  /** Told of every reload that changed something: a pair installed, or one refused (the old one kept). */
  onReload?(result: ReloadResult, pair: LoadedPair | undefined): void;
  checks?: PairChecks;
  pollIntervalMs: number;
  log: Logger;
  now?: () => Date;
}

/**
 * Keeps a serving certificate current, knowing nothing of the server. Watches the directories holding the
 * files (a Kubernetes Secret update swaps the `..data` symlink, which a watch on the file itself misses) and
 * also polls; a changed pair is checked (`loadServingPair`) before `install`: connections in flight keep
 * their context, new ones get the new pair. A pair that fails its checks is logged and counted once per
 * distinct failure, and the old one stays in force.
 */
export class CertificateReloader {
  private watchers: FSWatcher[] = [];
  private pollTimer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private lastDigest = '';
  private lastError: string | undefined;
  private pending: Deferred | undefined;
  private reloading: Promise<void> = Promise.resolve();
  current: LoadedPair | undefined;

  constructor(private readonly opts: CertificateReloaderOptions) {}

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /** The first load; throws with a message naming the bad file so start-up fails clearly. */
  async load(): Promise<LoadedPair> {
    const pair = await loadServingPair(this.opts.files, { ...this.opts.checks, now: this.now() });
    this.lastDigest = digest(pair);
    this.current = pair;
    return pair;
  }

  start(): void {
    const { files, log } = this.opts;
    for (const dir of new Set([dirname(files.certFile), dirname(files.keyFile)])) {
      try {
        const watcher = watch(dir, () => this.schedule());
        watcher.on('error', (err) =>
          log.warn({ dir, err: err.message }, 'certificate directory watch failed; polling only'),
        );
        this.watchers.push(watcher);
      } catch (err) {
        log.warn({ dir, err: errorMessage(err) }, 'cannot watch certificate directory; polling only');
      }
    }
    if (this.opts.pollIntervalMs > 0) {
      this.pollTimer = setInterval(() => this.schedule(), this.opts.pollIntervalMs);
      this.pollTimer.unref();
    }
  }

  stop(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    clearInterval(this.pollTimer);
    clearTimeout(this.debounce);
    this.pending?.resolve();
    this.pending = undefined;
  }

  /** Coalesces bursts of events: a Secret update touches several directory entries at once. */
  private schedule(): void {
    clearTimeout(this.debounce);
    this.pending ??= deferred();
    this.debounce = setTimeout(() => {
      const done = this.pending;
      this.pending = undefined;
      this.reloading = this.reloading
        .then(() => this.reload())
        .catch((err: unknown) =>
          this.opts.log.error({ err }, 'reloading the serving certificate failed; keeping the current one'),
        )
        .finally(() => done?.resolve());
    }, 50);
  }

  /** Resolves once every reload already triggered (including one still waiting out the debounce) has finished. */
  async settled(): Promise<void> {
    await this.pending?.promise;
    await this.reloading;
  }

  async reload(): Promise<void> {
    let pair: LoadedPair;
    try {
      pair = await loadServingPair(this.opts.files, { ...this.opts.checks, now: this.now() });
      const d = digest(pair);
      if (d === this.lastDigest) {
        this.lastError = undefined;
        return;
      }
      this.opts.install(pair);
      this.lastDigest = d;
    } catch (err) {
      // A half-written pair (cert updated, key not yet) fails here and succeeds on the next event; a pair that
      // stays bad is counted once, not once per poll.
      const message = errorMessage(err);
      if (message !== this.lastError) {
        this.lastError = message;
        this.opts.onReload?.('rejected', undefined);
        this.opts.log.error({ err: message }, 'new serving certificate refused; keeping the current one');
      }
      return;
    }
    this.lastError = undefined;
    this.current = pair;
    this.opts.onReload?.('loaded', pair);
    this.opts.log.info(
      { fingerprint: pair.fingerprint, notAfter: pair.notAfter.toISOString() },
      'serving certificate reloaded',
    );
  }
}

function digest(pair: { cert: string; key: string }): string {
  return createHash('sha256').update(pair.cert).update('\0').update(pair.key).digest('hex');
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
