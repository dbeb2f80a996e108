import { existsSync } from 'node:fs';
import { Command, Option } from 'commander';
import { UsageError } from '../cli/errors.js';
import { durationOption, intOption, kubeconfigOption, logLevelOption, portOption } from '../cli/flags.js';
import { addDecisionOptions, type DecisionOptions, decisionConfig } from './options.js';

const SERVICE_ACCOUNT_CA = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt';

/**
 * Flag names of network-resources-injector that Go's flag package also accepted with one dash; src/cli/main.ts
 * rewrites them (`-port=8443` → `--port=8443`) so its command lines work unchanged.
 */
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

interface WebhookFlags extends DecisionOptions {
  port: number;
  bindAddress: string;
  healthCheckPort: number;
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
  tlsCaFile?: string;
  serviceName: string;
  certificateNames?: string;
  clientCa: string[];
  insecure: boolean;
  requireClientCert: boolean;
  tlsMinVersion: 'VersionTLS12' | 'VersionTLS13';
  kubeconfig?: string;
  namespace: string;
  controlSwitchesConfigmap: string;
  nadNegativeTtl: number;
  nadCacheMaxStaleness: number;
  maxConnections: number;
  maxRequestsInFlight: number;
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
      '--tls-ca-file <file>',
      'CA the serving certificate must chain to (the caBundle the API server trusts); a new pair that does not is refused',
    )
    .option('--service-name <name>', 'name of the Service the API server calls', 'wirespeed-webhook')
    .option(
      '--certificate-names <names>',
      'comma-separated names the serving certificate must cover ("" for no check)',
      undefined,
    )
    .option(
      '--client-ca <file>',
      `CA for client certificates (repeatable); without it and without --insecure, ${SERVICE_ACCOUNT_CA} is used`,
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--insecure', 'do not require client certificates', false)
    .option(
      '--require-client-cert',
      "require the API server's client certificate, verified against --client-ca (see docs/deploy.md)",
      false,
    )
    .addOption(
      new Option('--tls-min-version <version>', 'lowest TLS version')
        .choices(['VersionTLS12', 'VersionTLS13'])
        .default('VersionTLS12'),
    )
    .addOption(kubeconfigOption())
    .option(
      '--namespace <namespace>',
      'namespace of the webhook (its Service and the control switches ConfigMap)',
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
        '--nad-cache-max-staleness <duration>',
        'not ready once the NAD cache has not been current for this long (list or watch failing)',
        300_000,
        { minMs: 1000 },
      ),
    )
    .addOption(intOption('--max-connections <n>', 'open HTTPS connections accepted at once', 512, 1, 65_535))
    .addOption(
      intOption(
        '--max-requests-in-flight <n>',
        'admission requests handled at once; more get 429',
        64,
        1,
        4096,
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
    .addOption(logLevelOption());
  addDecisionOptions(command);
  command.addHelpText(
    'after',
    `
Flags named as in network-resources-injector mean the same, and may also be written with one dash (-port=8443).
Endpoints: POST /mutate (AdmissionReview v1) on --port over TLS; GET /healthz, /readyz, /metrics on both ports.
Every limit and why it has its value: docs/limits.md.

Example:
  wirespeed webhook --tls-cert-file ./pki/tls.crt --tls-private-key-file ./pki/tls.key --insecure`,
  );
  command.action(async (flags: WebhookFlags) => {
    const clientCaFiles = clientCaFilesOf(flags);
    const base = decisionConfig(flags);
    // Loaded on use, so `wirespeed --help` and the other commands do not pay for the server's modules.
    const [
      { startWebhook },
      { loadKubeEndpoint },
      { createLogger },
      { createWebhookMetrics },
      nadCache,
      switchesModule,
      { stopOnSignals },
    ] = await Promise.all([
      import('./main.js'),
      import('../kube/endpoint.js'),
      import('../telemetry/logger.js'),
      import('./metrics.js'),
      import('./nad-source.js'),
      import('./control-switches.js'),
      import('../serve/shutdown.js'),
    ]);
    const log = createLogger({ level: flags.logLevel, name: 'wirespeed-webhook' });
    const endpoint = loadKubeEndpoint(flags.kubeconfig);
    const metrics = createWebhookMetrics();
    const nads = new nadCache.InformerNadSource(endpoint, log, metrics, {
      negativeTtlMs: flags.nadNegativeTtl,
      maxStalenessMs: flags.nadCacheMaxStaleness,
      resourceNameKeys: base.resourceNameKeys,
    });
    const switches = flags.controlSwitchesConfigmap
      ? new switchesModule.ControlSwitches(
          endpoint,
          base,
          { namespace: flags.namespace, name: flags.controlSwitchesConfigmap },
          log,
          metrics,
        )
      : undefined;
    const webhook = await startWebhook(
      {
        port: flags.port,
        bindAddress: flags.bindAddress,
        healthPort: flags.healthCheckPort,
        tls: { certFile: flags.tlsCertFile, keyFile: flags.tlsPrivateKeyFile },
        clientCaFiles,
        tlsMinVersion: flags.tlsMinVersion === 'VersionTLS13' ? 'TLSv1.3' : 'TLSv1.2',
        certificateNames: certificateNamesOf(flags),
        ...(flags.tlsCaFile ? { servingCaFile: flags.tlsCaFile } : {}),
        certPollIntervalMs: flags.certPollInterval,
        shutdownDelayMs: flags.shutdownDelay,
        shutdownTimeoutMs: flags.shutdownTimeout,
        admission: { maxInFlight: flags.maxRequestsInFlight },
        server: { maxConnections: flags.maxConnections },
      },
      {
        nads,
        config: () => switches?.config ?? base,
        log,
        metrics,
        services: switches ? [{ start: () => switches.start(), stop: () => switches.stop() }] : [],
      },
    );
    stopOnSignals(() => webhook.stop(), log);
  });
  return command;
}

/** The names the serving certificate must cover: the flag, or the Service's DNS name by default. */
function certificateNamesOf(flags: WebhookFlags): string[] {
  if (flags.certificateNames === undefined) return [`${flags.serviceName}.${flags.namespace}.svc`];
  return flags.certificateNames
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

function clientCaFilesOf(flags: WebhookFlags): string[] {
  if (flags.requireClientCert && flags.insecure) {
    throw new UsageError('--require-client-cert and --insecure contradict each other; pass one');
  }
  if (flags.requireClientCert && flags.clientCa.length === 0) {
    throw new UsageError(
      "--require-client-cert needs --client-ca <file>: the CA that signs the API server's client certificate",
    );
  }
  const files = flags.insecure ? [] : flags.clientCa.length > 0 ? flags.clientCa : [SERVICE_ACCOUNT_CA];
  for (const file of files) {
    if (!existsSync(file)) {
      throw new UsageError(
        `client certificate verification is on but ${file} does not exist; pass --client-ca <file>, or --insecure to accept any client`,
      );
    }
  }
  return files;
}
