/**
 * The extender's listener, on the shared serving plumbing (src/serve): the verbs plus `/healthz`, `/readyz` and
 * `/metrics` on one port, plain HTTP on loopback next to the scheduler or HTTPS (optionally requiring the
 * scheduler's client certificate) with the serving pair reloaded when its files change; and optionally a
 * second, plain-HTTP port with only the probes. Timeouts are chosen against the scheduler's Go client: it
 * keeps idle connections 90 s, so we keep them longer (a close from our side racing a reused POST would fail a
 * scheduling attempt, as Go does not retry a POST once written); a request may take at most
 * `requestTimeoutMs`, below the scheduler's httpTimeout, so a stuck one is cut by us first, with a log line.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CertificateReloader } from '../serve/certificate-reloader.js';
import { startHttpServer, startHttpsServer } from '../serve/https-server.js';
import { probeHandler } from '../serve/probes.js';
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

type Closable = { close(timeoutMs: number): Promise<void> };

export async function serveExtender(
  opts: ServerOptions,
  routes: (req: IncomingMessage, res: ServerResponse) => boolean,
  deps: { notReadyReason(): string | undefined; metrics: ExtenderMetrics; log: Logger },
): Promise<Listening> {
  const probes = probeHandler({ notReadyReason: deps.notReadyReason, registry: deps.metrics.registry });
  const notFound = (req: IncomingMessage, res: ServerResponse): void => {
    req.resume();
    const body = JSON.stringify({ Error: `no route ${req.method} ${req.url?.split('?', 1)[0]}` });
    res.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (!routes(req, res) && !probes(req, res)) notFound(req, res);
  };
  const limits = {
    keepAliveTimeoutMs: opts.keepAliveTimeoutMs,
    requestTimeoutMs: opts.requestTimeoutMs,
    headersTimeoutMs: Math.min(10_000, opts.requestTimeoutMs),
  };
  let main: Closable & { port: number };
  let reloader: CertificateReloader | undefined;
  if (opts.tls) {
    const tls = opts.tls;
    const clientCa = tls.clientCaFile ? [readFileSync(tls.clientCaFile, 'utf8')] : [];
    let install: (pair: { cert: string; key: string }) => void = () => undefined;
    reloader = new CertificateReloader({
      files: { certFile: tls.certFile, keyFile: tls.keyFile },
      install: (pair) => install(pair),
      pollIntervalMs: 10_000,
      log: deps.log,
    });
    const pair = await reloader.load();
    const server = await startHttpsServer({
      port: opts.port,
      bindAddress: opts.bindAddress,
      pair,
      clientCa,
      limits,
      handler,
    });
    install = (p) => server.install(p);
    reloader.start();
    main = server;
  } else {
    main = await startHttpServer({ port: opts.port, bindAddress: opts.bindAddress, limits, handler });
  }
  let health: (Closable & { port: number }) | undefined;
  if (opts.health) {
    try {
      health = await startHttpServer({
        ...opts.health,
        handler: (req, res) => {
          if (!probes(req, res)) notFound(req, res);
        },
      });
    } catch (err) {
      reloader?.stop();
      await main.close(0);
      throw err;
    }
  }
  deps.log.info(
    {
      port: main.port,
      bindAddress: opts.bindAddress,
      healthPort: health?.port,
      tls: !!opts.tls,
      clientCertificates: !!opts.tls?.clientCaFile,
    },
    'extender listening',
  );
  let closing: Promise<void> | undefined;
  return {
    port: main.port,
    healthPort: health?.port,
    close: () => {
      closing ??= (async () => {
        reloader?.stop();
        await Promise.all([main.close(opts.shutdownTimeoutMs), health?.close(1000)]);
      })();
      return closing;
    },
  };
}
