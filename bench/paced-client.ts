/**
 * An open-loop load generator: requests leave on a fixed schedule (one every 1/rate seconds) whether or not
 * earlier ones have been answered, and each latency is measured from the moment the request was *scheduled*.
 * A closed-loop client (or one that measures from the actual send) waits out a slow response before sending
 * the next request, so the requests that would have queued behind the stall are never measured: coordinated
 * omission. Measuring from the schedule charges that queueing to the server, as the API server would see it.
 */
import https from 'node:https';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface PacedTarget {
  host: string;
  port: number;
  path: string;
  /** TLS server name, as the API server would send it (a Service DNS name). */
  servername: string;
  ca: string;
  body: Buffer;
  contentType: string;
}

export interface PacedOptions {
  ratePerSecond: number;
  /** Sent on the same schedule before the measured window, and not measured. */
  warmupMs: number;
  durationMs: number;
  maxSockets?: number;
  /** How long to wait for answers after the last scheduled send before counting them as failures. */
  drainTimeoutMs?: number;
}

export interface PacedResult {
  /** Requests scheduled inside the measured window. */
  scheduled: number;
  /** Of those, answered with HTTP 200. */
  succeeded: number;
  /** Of those, not answered with HTTP 200, by cause (status code, socket error code, or `unanswered`). */
  failures: Record<string, number>;
  /** Latencies from scheduled send to the end of the response body, in ms, sorted ascending. */
  latenciesMs: number[];
  /** How late requests actually left against their schedule, in ms, sorted: the generator's own lag. */
  sendLagMs: number[];
  /** Successful answers per second over the measured window. */
  achievedRate: number;
  /** Sockets the agent opened in total (a jump means the server fell behind and requests queued). */
  socketsOpened: number;
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export async function runPaced(target: PacedTarget, opts: PacedOptions): Promise<PacedResult> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 64, ca: target.ca });
  const sockets = new WeakSet<Socket>();
  let socketsOpened = 0;
  const intervalMs = 1000 / opts.ratePerSecond;
  const warmupCount = Math.round((opts.warmupMs / 1000) * opts.ratePerSecond);
  const total = warmupCount + Math.round((opts.durationMs / 1000) * opts.ratePerSecond);
  const latenciesMs: number[] = [];
  const sendLagMs: number[] = [];
  const failures: Record<string, number> = {};
  const fail = (cause: string): void => {
    failures[cause] = (failures[cause] ?? 0) + 1;
  };
  let outstanding = 0;
  let closed = false;
  let lastAnswerAt = 0;
  let allAnswered: (() => void) | undefined;

  // Starting a little ahead lets the first timers settle; every later send time derives from this origin.
  const origin = performance.now() + 20;
  const windowStart = origin + warmupCount * intervalMs;

  const send = (index: number): void => {
    const scheduledAt = origin + index * intervalMs;
    const measured = index >= warmupCount;
    if (measured) sendLagMs.push(performance.now() - scheduledAt);
    outstanding++;
    let settled = false;
    const settle = (cause: string | undefined): void => {
      if (settled || closed) return;
      settled = true;
      outstanding--;
      const now = performance.now();
      if (measured) {
        if (cause === undefined) {
          latenciesMs.push(now - scheduledAt);
          lastAnswerAt = now;
        } else {
          fail(cause);
        }
      }
      if (outstanding === 0) allAnswered?.();
    };
    const req = https.request(
      {
        agent,
        host: target.host,
        port: target.port,
        path: target.path,
        method: 'POST',
        servername: target.servername,
        headers: { 'content-type': target.contentType, 'content-length': target.body.length },
      },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => settle(res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}`));
        res.on('error', (err: NodeJS.ErrnoException) => settle(err.code ?? err.message));
      },
    );
    req.on('socket', (socket) => {
      if (sockets.has(socket)) return;
      sockets.add(socket);
      socketsOpened++;
    });
    req.on('error', (err: NodeJS.ErrnoException) => settle(err.code ?? err.message));
    req.end(target.body);
  };

  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = (): void => {
      const now = performance.now();
      // Catch up on every send that fell due while the event loop was busy, rather than silently dropping it.
      while (next < total && origin + next * intervalMs <= now) send(next++);
      if (next < total) setTimeout(tick, Math.max(0, origin + next * intervalMs - performance.now()));
      else resolve();
    };
    setTimeout(tick, Math.max(0, origin - performance.now()));
  });

  const drained = new Promise<void>((resolve) => {
    allAnswered = resolve;
    if (outstanding === 0) resolve();
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), opts.drainTimeoutMs ?? 5000);
  });
  const unanswered = (await Promise.race([drained, timedOut])) === 'timeout' ? outstanding : 0;
  clearTimeout(timer);
  closed = true;
  agent.destroy();

  const scheduled = total - warmupCount;
  if (unanswered > 0) failures.unanswered = (failures.unanswered ?? 0) + unanswered;
  latenciesMs.sort((a, b) => a - b);
  sendLagMs.sort((a, b) => a - b);
  const windowMs = Math.max(lastAnswerAt - windowStart, opts.durationMs);
  return {
    scheduled,
    succeeded: latenciesMs.length,
    failures,
    latenciesMs,
    sendLagMs,
    achievedRate: latenciesMs.length / (windowMs / 1000),
    socketsOpened,
  };
}
