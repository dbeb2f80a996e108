import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SecureContextOptions } from 'node:tls';
import type { Logger } from '../telemetry/logger.js';
import type { WebhookMetrics } from './metrics.js';

export interface ServingFiles {
  certFile: string;
  keyFile: string;
}

export interface LoadedPair {
  cert: string;
  key: string;
  notAfter: Date;
  fingerprint: string;
}

/** Reads and checks a certificate/key pair: both parse, the key belongs to the certificate, it has not expired. */
export async function loadServingPair(files: ServingFiles, now = new Date()): Promise<LoadedPair> {
  const [cert, key] = await Promise.all([readFile(files.certFile, 'utf8'), readFile(files.keyFile, 'utf8')]);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new Error(`${files.certFile} is not a PEM certificate: ${(err as Error).message}`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new Error(`${files.keyFile} is not a PEM private key: ${(err as Error).message}`);
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new Error(`${files.keyFile} does not belong to the certificate in ${files.certFile}`);
  }
  const notAfter = new Date(x509.validTo);
  if (notAfter <= now) throw new Error(`certificate ${files.certFile} expired at ${notAfter.toISOString()}`);
  return { cert, key, notAfter, fingerprint: x509.fingerprint256 };
}

/**
 * Keeps a server's serving certificate current. Watches the directories holding the files (a Kubernetes
 * Secret update swaps the `..data` symlink, which a watch on the file itself misses) and also polls, then
 * installs a changed pair with `setSecureContext`: connections in flight keep their context, new ones get the
 * new pair. A pair that fails to load is logged and the old one stays in force.
 */
export class CertificateReloader {
  private watchers: FSWatcher[] = [];
  private pollTimer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private lastDigest = '';
  private reloading: Promise<void> = Promise.resolve();
  current: LoadedPair | undefined;

  constructor(
    private readonly files: ServingFiles,
    private readonly install: (context: SecureContextOptions) => void,
    private readonly log: Logger,
    private readonly metrics: WebhookMetrics,
    private readonly opts: { pollIntervalMs: number; extraContext?: SecureContextOptions },
  ) {}

  /** The first load; throws with a message naming the bad file so start-up fails clearly. */
  async load(): Promise<LoadedPair> {
    const pair = await loadServingPair(this.files);
    this.lastDigest = digest(pair);
    this.current = pair;
    return pair;
  }

  start(): void {
    for (const dir of new Set([dirname(this.files.certFile), dirname(this.files.keyFile)])) {
      try {
        const watcher = watch(dir, () => this.schedule());
        watcher.on('error', (err) =>
          this.log.warn({ dir, err: err.message }, 'certificate directory watch failed; polling only'),
        );
        this.watchers.push(watcher);
      } catch (err) {
        this.log.warn(
          { dir, err: (err as Error).message },
          'cannot watch certificate directory; polling only',
        );
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
        .catch((err) =>
          this.log.error({ err }, 'installing the serving certificate failed; keeping the current one'),
        )
        .finally(() => done?.resolve());
    }, 50);
  }

  private pending: Deferred | undefined;

  /** Resolves once every reload already triggered (including one still waiting out the debounce) has finished. */
  async settled(): Promise<void> {
    await this.pending?.promise;
    await this.reloading;
  }

  async reload(): Promise<void> {
    let pair: LoadedPair;
    try {
      pair = await loadServingPair(this.files);
    } catch (err) {
      // A half-written pair (cert updated, key not yet) fails here and succeeds on the next event.
      const message = (err as Error).message;
      if (message !== this.lastError) {
        this.lastError = message;
        this.metrics.certificateReloads.inc({ result: 'rejected' });
        this.log.error({ err: message }, 'new serving certificate rejected; keeping the current one');
      }
      return;
    }
    this.lastError = undefined;
    const d = digest(pair);
    if (d === this.lastDigest) return;
    this.install({ ...this.opts.extraContext, cert: pair.cert, key: pair.key });
    this.lastDigest = d;
    this.current = pair;
    this.metrics.certificateReloads.inc({ result: 'loaded' });
    this.log.info(
      { fingerprint: pair.fingerprint, notAfter: pair.notAfter.toISOString() },
      'serving certificate reloaded',
    );
  }

  private lastError: string | undefined;
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
