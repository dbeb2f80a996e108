/**
 * Exit codes and the errors that choose them, for every `wirespeed` command. `main.ts` maps a thrown error to
 * its code in one place; commands throw a `UsageError` for bad flags or unreadable input and return
 * `EXIT.denied` (through `CommandExit`) when the answer is "no".
 */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** Failed: something outside the input went wrong (a process, the network, the API server). */
  failed: 1,
  /** Bad input or usage: a flag, a file, a document that cannot be used. */
  usage: 2,
  /** Denied, or does not fit: the input was read and the answer is no. */
  denied: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Bad flags, unreadable files or documents that cannot be used: exit 2 with the message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A command that has already said what it had to and wants a specific exit code (e.g. 3 for a deny). */
export class CommandExit extends Error {
  override readonly name = 'CommandExit';
  constructor(
    readonly code: ExitCode,
    message = '',
  ) {
    super(message);
  }
}

/** The message of anything thrown, without a stack. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

/** Commander's own usage errors carry these codes (unknown option, missing argument, invalid value, ...). */
const COMMANDER_USAGE = /^commander\.(?!helpDisplayed|version|help$)/;

/** The one table from an error to an exit code. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof CommandExit) return err.code;
  if (err instanceof UsageError) return EXIT.usage;
  if ((err as { exitCode?: unknown } | null)?.exitCode === 0) return EXIT.ok; // --help, --version
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && COMMANDER_USAGE.test(code)) return EXIT.usage;
  return EXIT.failed;
}
