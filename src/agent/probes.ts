/** `/healthz`, `/readyz` (503 with the reason until ready) and `/metrics` on plain HTTP. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export function probes(opts: {
  notReadyReason: () => string | undefined;
  registry: Registry;
}): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'only GET and HEAD');
    if (path === '/healthz') return send(res, 200, 'ok');
    if (path === '/readyz') {
      const reason = opts.notReadyReason();
      return send(res, reason === undefined ? 200 : 503, reason ?? 'ok');
    }
    if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => send(res, 200, text, opts.registry.contentType),
        (err: unknown) => send(res, 500, `metrics failed: ${String(err)}`),
      );
      return;
    }
    send(res, 404, `no ${path}; try /healthz, /readyz or /metrics`);
  };
}

function send(res: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  const body = Buffer.from(`${text}\n`);
  res.writeHead(status, { 'content-type': type, 'content-length': body.length });
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}
