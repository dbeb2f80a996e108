import { existsSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadKubeEndpoint } from '../kube/endpoint.js';
import { createLogger } from '../telemetry/logger.js';
import { ControlSwitches } from './control-switches.js';
import { createWebhookMetrics } from './metrics.js';
import { InformerNadSource } from './nad-cache.js';
import {
  addDecisionOptions,
  type DecisionOptions,
  decisionConfig,
  durationOption,
  portOption,
} from './options.js';
import { startWebhookServer } from './server.js';

const SERVICE_ACCOUNT_CA = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt';

/** Flag names of network-resources-injector that Go's flag package also accepted with one dash. */
export const SINGLE_DASH_FLAGS = [
  'port',
  'bind-address',
  'tls-cert-file',
  'tls-private-key-file',
  'client-ca',
  'insecure',
  'health-check-port',
  'network-resource-name-keys',
  'honor-resources',
  'injectHugepageDownApi',
  'tls-min-version',
];

/** Rewrites `-port=8443` to `--port=8443` so network-resources-injector command lines work unchanged. */
export function normalizeSingleDashFlags(args: string[]): string[] {
  return args.map((arg) => {
    const m = /^-([A-Za-z][\w-]+)(=.*)?$/.exec(arg);
    return m && SINGLE_DASH_FLAGS.includes(m[1]!) ? `-${arg}` : arg;
  });
}

interface WebhookOptions extends DecisionOptions {
  port: number;
  bindAddress: string;
  healthCheckPort: number;
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
  clientCa: string[];
  insecure: boolean;
  tlsMinVersion: 'VersionTLS12' | 'VersionTLS13';
  kubeconfig?: string;
  namespace: string;
  controlSwitchesConfigmap: string;
  nadNegativeTtl: number;
  certPollInterval: number;
  shutdownDelay: number;
  shutdownTimeout: number;
  logLevel: string;
}

export function webhookCommand(): Command {
  const command = new Command('webhook')
    .description(
      'Run the mutating admission webhook that injects network devices, hugepages and mounts into pods',
    )
    .addOption(portOption('--port <port>', 'HTTPS port for /mutate', 8443))
    .option('--bind-address <address>', 'address to listen on (HTTPS and health)', '0.0.0.0')
    .addOption(
      portOption(
        '--health-check-port <port>',
        'plain-HTTP port for /healthz, /readyz and /metrics',
        8444,
        true,
      ),
    )
    .option('--tls-cert-file <file>', 'serving certificate (PEM); reloaded when it changes', 'cert.pem')
    .option('--tls-private-key-file <file>', 'serving key (PEM); reloaded when it changes', 'key.pem')
    .option(
      '--client-ca <file>',
      `CA for client certificates (repeatable); without it and without --insecure, ${SERVICE_ACCOUNT_CA} is used`,
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--insecure', 'do not require client certificates', false)
    .addOption(
      new Option('--tls-min-version <version>', 'lowest TLS version')
        .choices(['VersionTLS12', 'VersionTLS13'])
        .default('VersionTLS12'),
    )
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option(
      '--namespace <namespace>',
      'namespace of the control switches ConfigMap',
      process.env.NAMESPACE ?? 'wirespeed-system',
    )
    .option(
      '--control-switches-configmap <name>',
      'ConfigMap with config.json feature switches ("" to disable)',
      'nri-control-switches',
    )
    .addOption(
      durationOption(
        '--nad-negative-ttl <duration>',
        'how long a missing NAD is remembered as missing',
        5000,
      ),
    )
    .addOption(
      durationOption(
        '--cert-poll-interval <duration>',
        'how often certificate files are checked besides file events',
        10_000,
      ),
    )
    .addOption(
      durationOption(
        '--shutdown-delay <duration>',
        'on SIGTERM, serve this long with readiness off before closing',
        5000,
      ),
    )
    .addOption(
      durationOption(
        '--shutdown-timeout <duration>',
        'after the delay, how long in-flight requests may finish',
        10_000,
      ),
    )
    .option(
      '--log-level <level>',
      'trace, debug, info, warn or error',
      process.env.WIRESPEED_LOG_LEVEL ?? 'info',
    );
  addDecisionOptions(command);
  command.addHelpText(
    'after',
    `
Flags named as in network-resources-injector mean the same, and may also be written with one dash (-port=8443).
Endpoints: POST /mutate (AdmissionReview v1) on --port over TLS; GET /healthz, /readyz, /metrics on both ports.

Example:
  wirespeed webhook --tls-cert-file certs/out/tls.crt --tls-private-key-file certs/out/tls.key --insecure`,
  );
  command.action(async (opts: WebhookOptions) => {
    const log = createLogger({ level: opts.logLevel, name: 'wirespeed-webhook' });
    const base = decisionConfig(opts);
    const clientCaFiles = opts.insecure
      ? []
      : opts.clientCa.length > 0
        ? opts.clientCa
        : [SERVICE_ACCOUNT_CA];
    for (const file of clientCaFiles) {
      if (!existsSync(file)) {
        throw new InvalidArgumentError(
          `client certificate verification is on but ${file} does not exist; pass --client-ca <file>, or --insecure to accept any client`,
        );
      }
    }
    const endpoint = loadKubeEndpoint(opts.kubeconfig);
    const metrics = createWebhookMetrics();
    const nads = new InformerNadSource(endpoint, log, metrics, { negativeTtlMs: opts.nadNegativeTtl });
    const switches = opts.controlSwitchesConfigmap
      ? new ControlSwitches(
          endpoint,
          base,
          { namespace: opts.namespace, name: opts.controlSwitchesConfigmap },
          log,
          metrics,
        )
      : undefined;
    const server = await startWebhookServer(
      {
        port: opts.port,
        bindAddress: opts.bindAddress,
        healthPort: opts.healthCheckPort,
        tls: { certFile: opts.tlsCertFile, keyFile: opts.tlsPrivateKeyFile },
        clientCaFiles,
        tlsMinVersion: opts.tlsMinVersion === 'VersionTLS13' ? 'TLSv1.3' : 'TLSv1.2',
        certPollIntervalMs: opts.certPollInterval,
        shutdownDelayMs: opts.shutdownDelay,
        shutdownTimeoutMs: opts.shutdownTimeout,
      },
      { nads, config: () => switches?.config ?? base, log, metrics },
    );
    void nads.start();
    switches?.start();
    const stop = (signal: string) => {
      log.info({ signal }, 'signal received');
      Promise.all([server.shutdown(), switches?.stop()])
        .then(() => process.exit(0))
        .catch((err) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return command;
}
