/**
 * Keeps the latest pod-resources answers (GetAllocatableResources and List), read every `intervalMs` and at once
 * on `pollSoon()` (after an Allocate), and reports a change. Rounds never overlap: a request while one runs
 * queues exactly one more.
 */
import type { Logger } from '../../telemetry/logger.js';
import type { PodResourcesClient, PodResourcesEntry, ResourceDevices } from './client.js';

export interface PodResourcesSnapshot {
  /** null until the kubelet first answered. */
  allocatable: ResourceDevices[] | null;
  pods: PodResourcesEntry[];
}

export class PodResourcesPoller {
  snapshot: PodResourcesSnapshot = { allocatable: null, pods: [] };
  private last = '';
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private lastError: string | undefined = 'pod-resources has not been read yet';
  private stopped = true;

  constructor(
    private readonly client: PodResourcesClient,
    private readonly opts: { intervalMs: number; socket: string },
    private readonly deps: {
      log: Logger;
      onChange: (snapshot: PodResourcesSnapshot) => void;
      polled?: (result: 'ok' | 'error') => void;
    },
  ) {}

  start(): Promise<void> {
    this.stopped = false;
    this.timer = setInterval(() => void this.pollSoon(), this.opts.intervalMs);
    this.timer.unref();
    return this.pollSoon();
  }

  /** Why the kubelet's pod-resources API is not answering, or undefined when the last round worked. */
  notReadyReason(): string | undefined {
    return this.lastError === undefined
      ? undefined
      : `pod-resources at ${this.opts.socket}: ${this.lastError}`;
  }

  pollSoon(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.client.close();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.round();
    } while (this.again && !this.stopped);
  }

  private async round(): Promise<void> {
    try {
      const [allocatable, pods] = await Promise.all([this.client.allocatable(), this.client.list()]);
      if (this.lastError !== undefined)
        this.deps.log.info({ socket: this.opts.socket }, 'pod-resources answers');
      this.lastError = undefined;
      this.deps.polled?.('ok');
      const text = JSON.stringify([allocatable, pods]);
      if (text === this.last) return;
      this.last = text;
      this.snapshot = { allocatable, pods };
      this.deps.onChange(this.snapshot);
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastError) this.deps.log.warn({ err: message }, 'pod-resources unavailable');
      this.lastError = message;
      this.deps.polled?.('error');
    }
  }
}
