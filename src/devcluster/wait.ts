import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Checked before every attempt; an Error returned here ends the wait at once (a child died). */
  abortIf?: () => Error | undefined;
  /** Appended to the timeout message (a log tail). */
  detail?: () => string;
}

/**
 * Polls `fn` until it returns a value other than `undefined`. A throw counts as "not yet"; the last one is
 * quoted if the wait times out.
 */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  opts: WaitOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const aborted = opts.abortIf?.();
    if (aborted) throw aborted;
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const cause = lastError === undefined ? '' : ` (last error: ${errorMessage(lastError)})`;
      const detail = opts.detail ? `\n${opts.detail()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}${detail}`);
    }
    await sleep(intervalMs);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return code !== undefined && !err.message.includes(String(code))
      ? `${err.message} (${code})`
      : err.message;
  }
  return String(err);
}
