/**
 * The webhook process as one function: `startWebhook(config, deps)` is what the `webhook` command, the local
 * dev-cluster harness, the benchmark and the tests all run. It composes the serving plumbing of `src/serve/`
 * with the admission endpoint and the webhook's own readiness rules.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SecureVersion } from 'node:tls';
import type { InjectionConfig } from '../core/inject/config.js';
import { CertificateReloader } from '../serve/certificate-reloader.js';
import {
  type HttpsServer,
  type ServerLimits,
  startHttpServer,
  startHttpsServer,
} from '../serve/https-server.js';
import { sendJson, statusBody } from '../serve/json-endpoint.js';
import { composeReadiness, probeHandler } from '../serve/probes.js';
import type { LoadedPair, ServingFiles } from '../serve/serving-pair.js';
import { drainer } from '../serve/shutdown.js';
import type { Logger } from '../telemetry/logger.js';
import type { WebhookMetrics } from './metrics.js';
import {
  type AdmissionLimits,
  DEFAULT_ADMISSION_LIMITS,
  isMutateRequest,
  mutateEndpoint,
} from './mutate-endpoint.js';
import type { NadSource } from './nad-source.js';

export interface WebhookConfig {
  port: number;
  bindAddress: string;
  /** Plain-HTTP port for /healthz, /readyz and /metrics; 0 picks a free one, undefined serves none. */
  healthPort?: number;
  tls: ServingFiles;
  /** CA files that client certificates must chain to; empty means no client-certificate check. */
  clientCaFiles: string[];
  tlsMinVersion?: SecureVersion;
  /** Names the serving certificate must cover (the Service's DNS names); empty skips the check. */
  certificateNames?: string[];
  /** The CA the serving certificate must chain to (the caBundle the API server trusts), when known. */
  servingCaFile?: string;
  certPollIntervalMs?: number;
  /** After SIGTERM: how long to keep serving while readiness is off, so endpoints drop this replica first. */
  shutdownDelayMs?: number;
  /** After the delay: how long in-flight requests may take before connections are cut. */
  shutdownTimeoutMs?: number;
  admission?: Partial<AdmissionLimits>;
  server?: Partial<ServerLimits>;
}

/** Something started with the webhook and stopped after it (the control-switches watch). */
export interface Service {
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

export interface WebhookDeps {
  nads: NadSource;
  config: () => InjectionConfig;
  log: Logger;
  metrics: WebhookMetrics;
  services?: Service[];
  now?: () => Date;
}

export interface Webhook {
  port: number;
  healthPort: number | undefined;
  reloader: CertificateReloader;
  /** Why the webhook is not ready, or undefined when it is. */
  notReadyReason(): string | undefined;
  /** Readiness off, drain, close, stop the sources. Idempotent. */
  stop(): Promise<void>;
}

export async function startWebhook(config: WebhookConfig, deps: WebhookDeps): Promise<Webhook> {
  const { log } = deps;
  const now = deps.now ?? (() => new Date());
  let shuttingDown = false;
  let https: HttpsServer | undefined;
  const reloader = certificateReloader(config, deps, now, (pair) => https?.install(pair));
  const pair = await reloader.load();

  const notReadyReason = composeReadiness([
    { name: 'shutdown', notReadyReason: () => (shuttingDown ? 'shutting down' : undefined) },
    { name: 'certificate', notReadyReason: () => certificateProblem(reloader, now()) },
    { name: 'nads', notReadyReason: () => nadsNotReady(deps.nads) },
  ]);
  const probes = probeHandler({ notReadyReason, registry: deps.metrics.registry });
  const clientCa = config.clientCaFiles.map((f) => readFileSync(f, 'utf8'));
  https = await startHttpsServer({
    port: config.port,
    bindAddress: config.bindAddress,
    pair,
    clientCa,
    ...(config.tlsMinVersion ? { minVersion: config.tlsMinVersion } : {}),
    ...(config.server ? { limits: config.server } : {}),
    handler: routes(probes, mutateEndpoint(deps, { ...DEFAULT_ADMISSION_LIMITS, ...config.admission })),
  });
  const httpsServer = https;
  reloader.start();
  const health = await startHealth(config, probes).catch(async (err: unknown) => {
    // Leave nothing running behind a failed start: the caller may be a test or the demo, not a process exit.
    reloader.stop();
    await httpsServer.close(0);
    throw err;
  });
  void deps.nads.start();
  for (const service of deps.services ?? []) await service.start();
  log.info(
    {
      port: httpsServer.port,
      healthPort: health?.port,
      bindAddress: config.bindAddress,
      clientCertificates: clientCa.length > 0,
    },
    'webhook listening',
  );

  const stop = drainer({
    delayMs: config.shutdownDelayMs ?? 0,
    log,
    begin: () => {
      shuttingDown = true;
    },
    close: async () => {
      reloader.stop();
      await Promise.all([httpsServer.close(config.shutdownTimeoutMs ?? 10_000), health?.close(1000)]);
      await Promise.all([deps.nads.stop(), ...(deps.services ?? []).map((s) => s.stop())]);
      log.info('webhook stopped');
    },
  });
  return { port: httpsServer.port, healthPort: health?.port, reloader, notReadyReason, stop };
}

/** The serving pair's reloader, counting reloads and exposing the time to expiry on every scrape. */
function certificateReloader(
  config: WebhookConfig,
  { log, metrics }: WebhookDeps,
  now: () => Date,
  install: (pair: LoadedPair) => void,
): CertificateReloader {
  const reloader = new CertificateReloader({
    files: config.tls,
    install,
    onReload: (result) => metrics.certificateReloads.inc({ result }),
    checks: {
      names: config.certificateNames ?? [],
      ...(config.servingCaFile ? { caFile: config.servingCaFile } : {}),
    },
    pollIntervalMs: config.certPollIntervalMs ?? 10_000,
    log,
    now,
  });
  metrics.certificateExpiry.collect = () =>
    metrics.certificateExpiry.set(
      reloader.current ? (reloader.current.notAfter.getTime() - now().getTime()) / 1000 : 0,
    );
  return reloader;
}

/** POST /mutate on its lean path, the probes, and a Status 404 for anything else. */
function routes(
  probes: (req: IncomingMessage, res: ServerResponse) => boolean,
  mutate: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (isMutateRequest(req)) {
      mutate(req, res);
    } else if (!probes(req, res)) {
      req.resume();
      const path = (req.url ?? '').split('?', 1)[0];
      sendJson(
        res,
        404,
        statusBody(404, `no route ${req.method} ${path}; admission reviews go to POST /mutate`),
      );
    }
  };
}

/** The plain-HTTP probes port, when one is configured. */
async function startHealth(
  config: WebhookConfig,
  probes: (req: IncomingMessage, res: ServerResponse) => boolean,
): Promise<Awaited<ReturnType<typeof startHttpServer>> | undefined> {
  if (config.healthPort === undefined) return undefined;
  return startHttpServer({
    port: config.healthPort,
    bindAddress: config.bindAddress,
    handler: (req, res) => {
      if (!probes(req, res)) sendJson(res, 404, statusBody(404, `no route ${req.method} ${req.url}`));
    },
  });
}

function nadsNotReady(nads: NadSource): string | undefined {
  if (nads.notReadyReason) return nads.notReadyReason();
  return nads.synced ? undefined : 'network-attachment-definition cache not synced yet';
}

function certificateProblem(reloader: CertificateReloader, now: Date): string | undefined {
  const current = reloader.current;
  if (!current) return 'serving certificate not loaded';
  if (current.notAfter <= now) {
    return `serving certificate expired at ${current.notAfter.toISOString()}; renew the Secret (wirespeed certs)`;
  }
  return undefined;
}
