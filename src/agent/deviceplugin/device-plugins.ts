/**
 * All pools' device-plugin servers in one device-plugin directory, kept registered with the kubelet.
 *
 * A kubelet that (re)starts deletes every socket in its directory, then creates a new `kubelet.sock`. We notice
 * either change (directory events, plus a check every `checkIntervalMs` in case an event is missed: a few
 * `lstat` calls, no busy loop), serve again on a fresh socket and register again. Registration is remembered per
 * `kubelet.sock` inode, so a kubelet that came back is always registered with anew; failed attempts back off up
 * to `maxBackoffMs` while the same kubelet stays.
 */
import { type FSWatcher, watch } from 'node:fs';
import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from '../../core/pools/types.js';
import type { Logger } from '../../telemetry/logger.js';
import { PoolServer, type PoolServerEvents } from './pool-server.js';
import type { PreferredAllocationPolicy } from './preferred.js';
import { KUBELET_SOCKET, register } from './registration.js';

export interface DevicePluginsOptions {
  devicePluginDir: string;
  preferredAllocation: PreferredAllocationPolicy;
  checkIntervalMs?: number;
  registerTimeoutMs?: number;
  maxBackoffMs?: number;
}

export interface DevicePluginsEvents extends PoolServerEvents {
  registered?(resourceName: string, result: 'ok' | 'error'): void;
  /** Our socket was found deleted (a kubelet restart) and served again. */
  reserved?(resourceName: string): void;
}

export interface PoolRegistration {
  resourceName: string;
  socket: string;
  registered: boolean;
  watchers: number;
  lastError?: string;
}

interface Entry {
  server: PoolServer;
  /** Inode of the kubelet.sock we registered with; null while not registered. */
  registeredWith: number | null;
  failures: number;
  nextAttemptAt: number;
  attemptedWith: number | null;
  lastError?: string;
}

export class DevicePlugins {
  private readonly entries = new Map<string, Entry>();
  private chain: Promise<void> = Promise.resolve();
  private checkQueued = false;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly checkIntervalMs: number;
  private readonly registerTimeoutMs: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly opts: DevicePluginsOptions,
    private readonly deps: { log: Logger; events?: DevicePluginsEvents; now?: () => number },
  ) {
    this.checkIntervalMs = opts.checkIntervalMs ?? 1000;
    this.registerTimeoutMs = opts.registerTimeoutMs ?? 5000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
  }

  get kubeletSocket(): string {
    return join(this.opts.devicePluginDir, KUBELET_SOCKET);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await mkdir(this.opts.devicePluginDir, { recursive: true });
    this.watchDirectory();
    this.timer = setInterval(() => this.check(), this.checkIntervalMs);
    this.timer.unref();
  }

  /** Serves every pool given (updating those already served) and stops serving the others. */
  sync(pools: readonly Pool[]): Promise<void> {
    return this.serialize(async () => {
      const wanted = new Map(pools.map((p) => [p.resourceName, p]));
      for (const [name, entry] of this.entries) {
        if (wanted.has(name)) continue;
        this.entries.delete(name);
        await entry.server.close();
        this.deps.log.info({ pool: name }, 'pool no longer served');
      }
      for (const pool of wanted.values()) {
        const entry = this.entries.get(pool.resourceName);
        if (entry) {
          entry.server.update(pool);
          continue;
        }
        const server = new PoolServer(pool, this.opts, {
          log: this.deps.log,
          ...(this.deps.events ? { events: this.deps.events } : {}),
        });
        await server.serve();
        this.entries.set(pool.resourceName, {
          server,
          registeredWith: null,
          failures: 0,
          nextAttemptAt: 0,
          attemptedWith: null,
        });
        this.deps.log.info({ pool: pool.resourceName, socket: server.socketPath }, 'serving pool');
      }
      await this.reconcile();
    });
  }

  /** Re-checks sockets and registrations soon (coalesced). */
  check(): void {
    if (this.checkQueued || this.stopped) return;
    this.checkQueued = true;
    void this.serialize(async () => {
      this.checkQueued = false;
      if (!this.watcher) this.watchDirectory();
      await this.reconcile();
    });
  }

  registrations(): PoolRegistration[] {
    return [...this.entries.values()].map((e) => ({
      resourceName: e.server.resourceName,
      socket: e.server.socketPath,
      registered: e.registeredWith !== null,
      watchers: e.server.watchers,
      ...(e.lastError ? { lastError: e.lastError } : {}),
    }));
  }

  /** Why not every served pool is registered with the kubelet, or undefined when all are. */
  notReadyReason(): string | undefined {
    const missing = this.registrations().filter((r) => !r.registered);
    if (missing.length === 0) return undefined;
    return missing
      .map(
        (r) =>
          `pool ${r.resourceName} is not registered with the kubelet at ${this.kubeletSocket}${r.lastError ? `: ${r.lastError}` : ''}`,
      )
      .join('; ');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
    await this.serialize(async () => {
      for (const entry of this.entries.values()) await entry.server.close();
      this.entries.clear();
    });
  }

  private serialize(task: () => Promise<void>): Promise<void> {
    const run = this.chain.then(task);
    this.chain = run.catch((err) => this.deps.log.error({ err }, 'device-plugin task failed'));
    return run;
  }

  private watchDirectory(): void {
    try {
      this.watcher = watch(this.opts.devicePluginDir, () => this.check());
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (err) {
      this.deps.log.warn({ err, dir: this.opts.devicePluginDir }, 'cannot watch the device-plugin directory');
    }
  }

  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const kubelet = await inode(this.kubeletSocket);
    for (const entry of this.entries.values()) {
      if (!(await entry.server.socketPresent())) {
        this.deps.log.info(
          { pool: entry.server.resourceName },
          'our socket was deleted (kubelet restart); serving again',
        );
        await entry.server.serve();
        entry.registeredWith = null;
        this.deps.events?.reserved?.(entry.server.resourceName);
      }
      if (kubelet === null) {
        entry.registeredWith = null;
        entry.lastError = `${this.kubeletSocket} does not exist (is the kubelet running, and is --device-plugin-dir its directory?)`;
        continue;
      }
      if (entry.registeredWith === kubelet) continue;
      await this.registerEntry(entry, kubelet);
    }
  }

  private async registerEntry(entry: Entry, kubelet: number): Promise<void> {
    const now = this.deps.now?.() ?? Date.now();
    if (entry.attemptedWith === kubelet && now < entry.nextAttemptAt) return;
    if (entry.attemptedWith !== kubelet) entry.failures = 0;
    entry.attemptedWith = kubelet;
    const name = entry.server.resourceName;
    try {
      await register(
        { devicePluginDir: this.opts.devicePluginDir, endpoint: entry.server.endpoint, resourceName: name },
        this.registerTimeoutMs,
      );
      entry.registeredWith = kubelet;
      entry.failures = 0;
      delete entry.lastError;
      this.deps.log.info({ pool: name, devices: entry.server.devices.length }, 'registered with the kubelet');
      this.deps.events?.registered?.(name, 'ok');
    } catch (err) {
      entry.failures += 1;
      entry.nextAttemptAt = now + Math.min(this.maxBackoffMs, 500 * 2 ** (entry.failures - 1));
      entry.lastError = (err as Error).message;
      this.deps.log.warn({ pool: name, err: entry.lastError }, 'registration failed; will retry');
      this.deps.events?.registered?.(name, 'error');
    }
  }
}

async function inode(path: string): Promise<number | null> {
  try {
    const stat = await lstat(path);
    return stat.isSocket() ? stat.ino : null;
  } catch {
    return null;
  }
}
