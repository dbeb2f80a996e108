import type { Logger } from '../telemetry/logger.js';

/**
 * The order every server stops in on SIGTERM: readiness off first (the caller's `notReadyReason` says
 * "shutting down" from the moment `begin` runs), then `delayMs` of serving anyway so endpoint controllers and
 * kube-proxy drop this replica before connections close, then `close` (which drains with its own deadline).
 * Idempotent: every call returns the same promise.
 */
export function drainer(opts: {
  delayMs: number;
  log: Logger;
  begin(): void;
  close(): Promise<void>;
}): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= (async () => {
      opts.begin();
      opts.log.info({ delayMs: opts.delayMs }, 'shutting down: readiness off, draining');
      if (opts.delayMs > 0) await new Promise((r) => setTimeout(r, opts.delayMs));
      await opts.close();
    })();
    return done;
  };
}

/**
 * Runs `stop` once on the first SIGTERM or SIGINT, then exits 0 (1 if stopping failed). For `command.ts`
 * only: libraries and tests call `stop()` themselves.
 */
export function stopOnSignals(
  stop: () => Promise<void>,
  log: Logger,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  const handle = (signal: NodeJS.Signals) => {
    log.info({ signal }, 'signal received');
    stop().then(
      () => exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.once('SIGTERM', handle);
  process.once('SIGINT', handle);
}
