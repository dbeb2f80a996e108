import { type Logger, pino } from 'pino';

export type { Logger };

/** The one logger factory: JSON lines on stderr so stdout stays free for command output. */
export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  return pino(
    { name: opts.name ?? 'wirespeed', level: opts.level ?? process.env.WIRESPEED_LOG_LEVEL ?? 'info' },
    pino.destination(2),
  );
}

/** A logger that drops everything, for tests and library callers that want silence. */
export const silentLogger: Logger = pino({ level: 'silent' });
