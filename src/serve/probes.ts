/**
 * `/healthz`, `/readyz` and `/metrics` for every component, as one plain request handler (it also works as
 * express middleware). Readiness is composed from named checks so each component lists what it waits for and
 * `/readyz` says which one is not there yet.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/** One thing readiness waits for: a reason when it is not there yet, undefined when it is. */
export interface ReadinessCheck {
  name: string;
  notReadyReason(): string | undefined;
}

/** The first failing check's reason, in the order given (so "shutting down" can win over everything). */
export function composeReadiness(checks: readonly ReadinessCheck[]): () => string | undefined {
  return () => {
    for (const check of checks) {
      const reason = check.notReadyReason();
      if (reason !== undefined) return reason;
    }
    return undefined;
  };
}

export interface ProbeOptions {
  notReadyReason: () => string | undefined;
  registry: Registry;
}

/**
 * Answers GET (and HEAD) of the three probe paths and returns true; returns false for anything else so the
 * caller can route it. As express middleware: `(req, res, next) => probes(req, res) || next()`.
 */
export function probeHandler(opts: ProbeOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?', 1)[0];
    switch (path) {
      case '/healthz':
        sendText(res, 200, 'ok');
        return true;
      case '/readyz': {
        const reason = opts.notReadyReason();
        sendText(res, reason === undefined ? 200 : 503, reason ?? 'ok');
        return true;
      }
      case '/metrics':
        opts.registry.metrics().then(
          (text) => sendText(res, 200, text, opts.registry.contentType),
          (err: unknown) => sendText(res, 500, `metrics failed: ${String(err)}`),
        );
        return true;
      default:
        return false;
    }
  };
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  const payload = Buffer.from(text);
  res.writeHead(status, { 'content-type': contentType, 'content-length': payload.length });
  res.end(res.req?.method === 'HEAD' ? undefined : payload);
}
