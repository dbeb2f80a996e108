/**
 * Flag grammar shared by every command: durations, ports, the NRI-compatible single-dash spelling.
 * Parsers throw commander's `InvalidArgumentError`, which commander reports as `error: option '…' argument '…'
 * is invalid. <message>` and `main.ts` turns into exit 2.
 */
import { InvalidArgumentError, Option } from 'commander';

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/y;

/**
 * Go's `time.ParseDuration` grammar (what Kubernetes users type: `500ms`, `1.5h`, `1h30m`) plus `d` for days,
 * in milliseconds, rounded. Negative durations and a bare number other than `0` are refused.
 */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  if (s.length === 0 || s.length > 64) throw new InvalidArgumentError(durationHint(text));
  let total = 0;
  DURATION_PART.lastIndex = 0;
  let at = 0;
  while (at < s.length) {
    DURATION_PART.lastIndex = at;
    const m = DURATION_PART.exec(s);
    if (!m) throw new InvalidArgumentError(durationHint(text));
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    at = DURATION_PART.lastIndex;
  }
  if (!Number.isFinite(total) || total > Number.MAX_SAFE_INTEGER)
    throw new InvalidArgumentError(durationHint(text));
  return Math.round(total);
}

function durationHint(text: string): string {
  return `"${text}" is not a duration; use Go's units with an optional d for days, e.g. 500ms, 10s, 1h30m, 30d`;
}

/** How a default in milliseconds is shown in `--help`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  let rest = ms;
  let out = '';
  for (const [unit, size] of units) {
    if (rest >= size) {
      const n = Math.floor(rest / size);
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

export interface DurationBounds {
  minMs?: number;
  maxMs?: number;
}

export function durationOption(
  flags: string,
  description: string,
  fallbackMs: number,
  bounds: DurationBounds = {},
): Option {
  return new Option(flags, description)
    .default(fallbackMs, formatDuration(fallbackMs))
    .argParser((text: string) => {
      const ms = parseDuration(text);
      if (bounds.minMs !== undefined && ms < bounds.minMs)
        throw new InvalidArgumentError(`"${text}" is below the minimum ${formatDuration(bounds.minMs)}`);
      if (bounds.maxMs !== undefined && ms > bounds.maxMs)
        throw new InvalidArgumentError(`"${text}" is above the maximum ${formatDuration(bounds.maxMs)}`);
      return ms;
    });
}

export function parsePort(text: string, allowZero = false): number {
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65535) {
    throw new InvalidArgumentError(`"${text}" is not a port number (${allowZero ? 0 : 1}-65535)`);
  }
  return port;
}

export function portOption(flags: string, description: string, fallback: number, allowZero = false): Option {
  return new Option(flags, description)
    .default(fallback)
    .argParser((text: string) => parsePort(text, allowZero));
}

/** A whole number within bounds, for counts and sizes. */
export function intOption(
  flags: string,
  description: string,
  fallback: number,
  min: number,
  max: number,
): Option {
  return new Option(flags, description).default(fallback).argParser((text: string) => {
    const n = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`"${text}" is not a whole number from ${min} to ${max}`);
    return n;
  });
}

/**
 * Go's flag package accepts `-flag=value` and `-flag value`; network-resources-injector's manifests use that
 * spelling. Rewrites the listed single-dash long flags to `--flag` so those manifests work as they are.
 */
export function normalizeSingleDashFlags(args: readonly string[], flags: readonly string[]): string[] {
  return args.map((arg) => {
    const m = /^-([A-Za-z][\w-]+)(=.*)?$/.exec(arg);
    return m && flags.includes(m[1] as string) ? `-${arg}` : arg;
  });
}

/** `--kubeconfig`, as every command that talks to a cluster spells it. */
export function kubeconfigOption(): Option {
  return new Option(
    '--kubeconfig <file>',
    'kubeconfig (default: $KUBECONFIG, ~/.kube/config, or in-cluster)',
  );
}

/** `--log-level`, defaulting to $WIRESPEED_LOG_LEVEL, for the long-running components. */
export function logLevelOption(): Option {
  return new Option('--log-level <level>', 'trace, debug, info, warn or error').default(
    process.env.WIRESPEED_LOG_LEVEL ?? 'info',
  );
}
