/**
 * The extender's HTTP(S) listener: the verbs, `/healthz`, `/readyz` and `/metrics` on one port. Timeouts are
 * chosen against the scheduler's Go client: it keeps idle connections 90 s, so we keep them longer (a close
 * from our side racing a reused POST would fail a scheduling attempt, as Go does not retry a POST once
 * written); a request may take at most `requestTimeoutMs`, which must stay below the scheduler's httpTimeout
 * so a stuck body is cut by us first, with a log line, rather than by the scheduler.
 */
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../telemetry/logger.js';
import type { ExtenderMetrics } from './metrics.js';

export interface ServingTls {
  certFile: string;
  keyFile: string;
  /** CA of the scheduler's client certificate: set to require one (mTLS). */
  clientCaFile?: string;
}

export interface ServerOptions {
  port: number;
  bindAddress: string;
  /**
   * A second, plain-HTTP listener with only /healthz, /readyz and /metrics, for the kubelet's probes and
   * Prometheus while the verbs stay on loopback (a caller that can reach bind can place pods).
   */
  health?: { port: number; bindAddress: string };
  tls?: ServingTls;
  keepAliveTimeoutMs: number;
  requestTimeoutMs: number;
  /** How long in-flight requests may finish on shutdown before connections are cut. */
  shutdownTimeoutMs: number;
}

export interface Listening {
  port: number;
  healthPort: number | undefined;
  close(): Promise<void>;
}

export async function serveExtender(
  opts: ServerOptions,
  routes: (req: IncomingMessage, res: ServerResponse) => boolean,
  probes: { notReadyReason(): string | undefined; metrics: ExtenderMetrics; log: Logger },
): Promise<Listening> {
  const text = (res: ServerResponse, status: number, body: string, type = 'text/plain'): void => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const probe = (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url?.split('?', 1)[0];
    req.resume();
    if (req.method === 'GET' && path === '/healthz') text(res, 200, 'ok');
    else if (req.method === 'GET' && path === '/readyz') {
      const reason = probes.notReadyReason();
      text(res, reason ? 503 : 200, reason ?? 'ok');
    } else if (req.method === 'GET' && path === '/metrics') {
      probes.metrics.registry.metrics().then(
        (body) => text(res, 200, body, probes.metrics.registry.contentType),
        (err) => text(res, 500, `metrics failed: ${(err as Error).message}`),
      );
    } else text(res, 404, JSON.stringify({ Error: `no route ${req.method} ${path}` }), 'application/json');
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (!routes(req, res)) probe(req, res);
  };
  const server = opts.tls
    ? https.createServer(
        {
          cert: readFileSync(opts.tls.certFile),
          key: readFileSync(opts.tls.keyFile),
          minVersion: 'TLSv1.2',
          ...(opts.tls.clientCaFile
            ? { ca: readFileSync(opts.tls.clientCaFile), requestCert: true, rejectUnauthorized: true }
            : {}),
        },
        handler,
      )
    : http.createServer(handler);
  server.keepAliveTimeout = opts.keepAliveTimeoutMs;
  server.headersTimeout = Math.min(opts.keepAliveTimeoutMs + 1000, opts.requestTimeoutMs);
  server.requestTimeout = opts.requestTimeoutMs;
  const port = await listen(server, opts.port, opts.bindAddress);
  let healthServer: http.Server | undefined;
  let healthPort: number | undefined;
  if (opts.health) {
    healthServer = http.createServer(probe);
    try {
      healthPort = await listen(healthServer, opts.health.port, opts.health.bindAddress);
    } catch (err) {
      await close(server, 0);
      throw err;
    }
  }
  probes.log.info(
    {
      port,
      bindAddress: opts.bindAddress,
      healthPort,
      tls: !!opts.tls,
      clientCertificates: !!opts.tls?.clientCaFile,
    },
    'extender listening',
  );
  let closing: Promise<void> | undefined;
  return {
    port,
    healthPort,
    close: () => {
      closing ??= Promise.all([
        close(server, opts.shutdownTimeoutMs),
        healthServer ? close(healthServer, 1000) : undefined,
      ]).then(() => undefined);
      return closing;
    },
  };
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, lets in-flight requests finish, closes idle keep-alive connections, cuts the rest at the deadline. */
function close(server: http.Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections();
  });
}
