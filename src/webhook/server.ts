import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SecureVersion } from 'node:tls';
import express from 'express';
import type { InjectionConfig } from '../core/inject/config.js';
import type { Logger } from '../telemetry/logger.js';
import type { WebhookMetrics } from './metrics.js';
import { isMutateRequest, mutateRoute } from './mutate-route.js';
import type { NadSource } from './nad-cache.js';
import { CertificateReloader, type ServingFiles } from './tls.js';

export interface WebhookServerOptions {
  port: number;
  bindAddress: string;
  /** Plain-HTTP port for /healthz, /readyz and /metrics; 0 picks a free one, undefined serves none. */
  healthPort?: number;
  tls: ServingFiles;
  /** CA files that client certificates must chain to; empty means no client-certificate check. */
  clientCaFiles: string[];
  tlsMinVersion?: SecureVersion;
  bodyLimitBytes?: number;
  certPollIntervalMs?: number;
  /** After SIGTERM: how long to keep serving while readiness is off, so endpoints drop this replica first. */
  shutdownDelayMs?: number;
  /** After the delay: how long in-flight requests may take before connections are cut. */
  shutdownTimeoutMs?: number;
}

export interface WebhookDeps {
  nads: NadSource;
  config: () => InjectionConfig;
  log: Logger;
  metrics: WebhookMetrics;
}

export interface WebhookServer {
  port: number;
  healthPort: number | undefined;
  reloader: CertificateReloader;
  /** Why the server is not ready, or undefined when it is. */
  notReadyReason(): string | undefined;
  /** Readiness off, drain, close. Idempotent. */
  shutdown(): Promise<void>;
}

export async function startWebhookServer(
  opts: WebhookServerOptions,
  deps: WebhookDeps,
): Promise<WebhookServer> {
  const { log, metrics } = deps;
  let shuttingDown = false;
  let httpsServer: https.Server | undefined;
  const clientCa = opts.clientCaFiles.map((f) => readFileSync(f, 'utf8'));
  // setSecureContext replaces every context option, so a reload must carry the client CA along with the pair.
  const context = { ...tlsContextExtras(opts), ...(clientCa.length > 0 ? { ca: clientCa } : {}) };
  const reloader = new CertificateReloader(
    opts.tls,
    (next) => httpsServer?.setSecureContext(next),
    log,
    metrics,
    { pollIntervalMs: opts.certPollIntervalMs ?? 10_000, extraContext: context },
  );
  const pair = await reloader.load();

  const notReadyReason = (): string | undefined => {
    if (shuttingDown) return 'shutting down';
    if (!reloader.current) return 'serving certificate not loaded';
    if (!deps.nads.synced) {
      const why = deps.nads.lastError;
      return `network-attachment-definition cache not synced yet${why ? `: ${why}` : ''}`;
    }
    return undefined;
  };

  const probes = express.Router();
  probes.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  probes.get('/readyz', (_req, res) => {
    const reason = notReadyReason();
    res
      .status(reason ? 503 : 200)
      .type('text/plain')
      .send(reason ?? 'ok');
  });
  probes.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  const mutate = mutateRoute(deps, { bodyLimitBytes: opts.bodyLimitBytes ?? 3 * 1024 * 1024 });
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(probes);
  app.use((req, res) => {
    res.status(404).json({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code: 404,
      message: `no route ${req.method} ${req.path}; admission reviews go to POST /mutate`,
    });
  });
  httpsServer = https.createServer(
    {
      cert: pair.cert,
      key: pair.key,
      ...context,
      ...(clientCa.length > 0 ? { requestCert: true, rejectUnauthorized: true } : {}),
    },
    (req, res) => (isMutateRequest(req) ? mutate(req, res) : app(req, res)),
  );
  // Above the API server's idle timeout (90 s) so it, not we, closes idle connections.
  httpsServer.keepAliveTimeout = 95_000;
  httpsServer.headersTimeout = 96_000;
  httpsServer.requestTimeout = 30_000;
  const port = await listen(httpsServer, opts.port, opts.bindAddress);
  reloader.start();

  let healthServer: http.Server | undefined;
  let healthPort: number | undefined;
  if (opts.healthPort !== undefined) {
    const healthApp = express();
    healthApp.disable('x-powered-by');
    healthApp.use(probes);
    healthServer = http.createServer(healthApp);
    try {
      healthPort = await listen(healthServer, opts.healthPort, opts.bindAddress);
    } catch (err) {
      // Leave nothing running behind a failed start: the caller may be a test or the demo, not a process exit.
      reloader.stop();
      await close(httpsServer, 0);
      throw err;
    }
  }
  log.info(
    { port, healthPort, bindAddress: opts.bindAddress, clientCertificates: clientCa.length > 0 },
    'webhook listening',
  );

  let shutdownPromise: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    shutdownPromise ??= (async () => {
      shuttingDown = true;
      log.info({ delayMs: opts.shutdownDelayMs ?? 0 }, 'shutting down: readiness off, draining');
      if (opts.shutdownDelayMs) await new Promise((r) => setTimeout(r, opts.shutdownDelayMs));
      reloader.stop();
      await Promise.all([
        close(httpsServer!, opts.shutdownTimeoutMs ?? 10_000),
        healthServer ? close(healthServer, 1000) : undefined,
      ]);
      await deps.nads.stop();
      log.info('webhook stopped');
    })();
    return shutdownPromise;
  };

  return { port, healthPort, reloader, notReadyReason, shutdown };
}

function tlsContextExtras(opts: WebhookServerOptions): { minVersion: SecureVersion } {
  return { minVersion: opts.tlsMinVersion ?? 'TLSv1.2' };
}

function listen(server: http.Server | https.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, lets in-flight requests finish, closes idle keep-alive connections, cuts the rest at the deadline. */
function close(server: http.Server | https.Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections();
  });
}
