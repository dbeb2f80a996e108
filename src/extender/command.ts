import { Command, Option } from 'commander';
import { UsageError } from '../cli/errors.js';
import { durationOption, intOption, kubeconfigOption, logLevelOption, portOption } from '../cli/flags.js';
import { DEFAULT_EXTENDER_CONFIG as D, type ExtenderConfig } from './config.js';

interface ExtenderFlags {
  port: number;
  bindAddress: string;
  healthPort?: number;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  clientCa?: string;
  urlPrefix: string;
  bindMode: boolean;
  score: 'tight' | 'spread';
  missingReport: 'reject' | 'allow';
  maxReportAge: number;
  reservationTtl: number;
  inflightTtl: number;
  ledger: boolean;
  leaseNamespace: string;
  leaseNamePrefix: string;
  managedResources: string[];
  maxRequestBytes: number;
  requestTimeout: number;
  shutdownTimeout: number;
  kubeconfig?: string;
  logLevel: string;
}

const EXTENDED_RESOURCE = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function resourceList(value: string, previous: string[]): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const name of names) {
    if (!EXTENDED_RESOURCE.test(name))
      throw new UsageError(`--managed-resources: "${name}" is not a resource name`);
  }
  return [...previous, ...names];
}

/** Flags to config: plain data, durations in ms. */
export function extenderConfig(flags: ExtenderFlags): ExtenderConfig {
  if (!!flags.tlsCertFile !== !!flags.tlsPrivateKeyFile) {
    throw new UsageError('--tls-cert-file and --tls-private-key-file go together');
  }
  if (flags.clientCa && !flags.tlsCertFile) {
    throw new UsageError('--client-ca needs TLS: also pass --tls-cert-file and --tls-private-key-file');
  }
  if (flags.bindMode && !flags.ledger) throw new UsageError('--bind-mode needs the ledger; drop --no-ledger');
  const prefix = flags.urlPrefix.replace(/\/+$/, '');
  if (prefix !== '' && !prefix.startsWith('/'))
    throw new UsageError(`--url-prefix "${flags.urlPrefix}" must start with /`);
  return {
    ...D,
    port: flags.port,
    bindAddress: flags.bindAddress,
    ...(flags.healthPort !== undefined ? { healthPort: flags.healthPort } : {}),
    ...(flags.tlsCertFile && flags.tlsPrivateKeyFile
      ? {
          tls: {
            certFile: flags.tlsCertFile,
            keyFile: flags.tlsPrivateKeyFile,
            ...(flags.clientCa ? { clientCaFile: flags.clientCa } : {}),
          },
        }
      : {}),
    prefix,
    bindMode: flags.bindMode,
    fit: { score: flags.score, missingReport: flags.missingReport },
    ledger: flags.ledger,
    maxReportAgeMs: flags.maxReportAge,
    reservationTtlMs: flags.reservationTtl,
    inflightTtlMs: flags.inflightTtl,
    leaseNamespace: flags.leaseNamespace,
    leaseNamePrefix: flags.leaseNamePrefix,
    managedResources: flags.managedResources,
    bodyLimitBytes: flags.maxRequestBytes,
    requestTimeoutMs: flags.requestTimeout,
    shutdownTimeoutMs: flags.shutdownTimeout,
  };
}

export function extenderCommand(): Command {
  const command = new Command('extender')
    .description(
      'Run the kube-scheduler extender that keeps only nodes where the pod’s devices fit on one NUMA node',
    )
    .addOption(
      portOption(
        '--port <port>',
        'port of the verbs (POST filter, prioritize, bind); 0 picks a free one',
        D.port,
        true,
      ),
    )
    .option(
      '--bind-address <address>',
      'address of the verbs; keep it loopback next to the scheduler',
      D.bindAddress,
    )
    .addOption(
      portOption(
        '--health-port <port>',
        'plain-HTTP port on 0.0.0.0 for /healthz, /readyz, /metrics only',
        0,
        true,
      ).default(undefined, 'none: they are served on --port'),
    )
    .option('--tls-cert-file <file>', 'serve the verbs over HTTPS with this certificate (PEM)')
    .option('--tls-private-key-file <file>', 'key of --tls-cert-file (PEM)')
    .option(
      '--client-ca <file>',
      "require a client certificate signed by this CA (the scheduler's tlsConfig.certFile)",
    )
    .option(
      '--url-prefix <path>',
      'path of the scheduler urlPrefix the verbs are under, e.g. /scheduler',
      D.prefix,
    )
    .option(
      '--bind-mode',
      'serve bind: re-check the fit under the ledger, reserve and create the Binding',
      false,
    )
    .addOption(
      new Option(
        '--score <strategy>',
        'tight: least left over on the chosen NUMA node; spread: most left over',
      )
        .choices(['tight', 'spread'])
        .default(D.fit.score),
    )
    .addOption(
      new Option(
        '--missing-report <policy>',
        'a node without a fresh report: reject it, or allow it (fail open)',
      )
        .choices(['reject', 'allow'])
        .default(D.fit.missingReport),
    )
    .addOption(
      durationOption(
        '--max-report-age <duration>',
        'a report whose reportTime is older is stale (0: only the agent Lease decides)',
        D.maxReportAgeMs,
      ),
    )
    .addOption(
      durationOption(
        '--reservation-ttl <duration>',
        'how long a placed pod holds its devices in the ledger while its node does not report it',
        D.reservationTtlMs,
        { minMs: 1000 },
      ),
    )
    .addOption(
      durationOption(
        '--inflight-ttl <duration>',
        'how long a filtered pod holds its devices on the nodes it passed until its binding is seen',
        D.inflightTtlMs,
        { minMs: 100 },
      ),
    )
    .option('--no-ledger', 'trust reports alone, without reservations (for comparison only: it double-books)')
    .option(
      '--lease-namespace <namespace>',
      'namespace of the agents’ Leases; "" judges liveness by --max-report-age alone',
      D.leaseNamespace,
    )
    .option('--lease-name-prefix <prefix>', 'agent Lease name = prefix + node name', D.leaseNamePrefix)
    .option(
      '--managed-resources <pools>',
      'pools to decide on (comma-separated, repeatable), besides every pool a report names',
      resourceList,
      [] as string[],
    )
    .addOption(
      intOption(
        '--max-request-bytes <bytes>',
        'largest request body accepted',
        D.bodyLimitBytes,
        1024,
        1 << 30,
      ),
    )
    .addOption(
      durationOption(
        '--request-timeout <duration>',
        "longest a request may take; keep it below the scheduler's httpTimeout",
        D.requestTimeoutMs,
        { minMs: 100 },
      ),
    )
    .addOption(
      durationOption(
        '--shutdown-timeout <duration>',
        'on SIGTERM, how long in-flight requests may finish',
        D.shutdownTimeoutMs,
      ),
    )
    .addOption(kubeconfigOption())
    .addOption(logLevelOption());
  command.addHelpText(
    'after',
    `
Endpoints: POST <url-prefix>/filter, /prioritize and (with --bind-mode) /bind, the kube-scheduler extender
protocol; GET /healthz, /readyz (ready once reports, Leases and pods are listed) and /metrics.
Configure the scheduler with nodeCacheCapable: true, managedResources (ignoredByScheduler: false) and an
httpTimeout above --request-timeout; see docs/scheduler.md and manifests/60-scheduler-config.yaml.

Example:
  wirespeed extender --bind-mode --managed-resources intel.com/sriov_a --health-port 8891`,
  );
  command.action(async (flags: ExtenderFlags) => {
    const config = extenderConfig(flags);
    const { createLogger } = await import('../telemetry/logger.js');
    const { loadKubeEndpoint } = await import('../kube/endpoint.js');
    const { startExtender } = await import('./main.js');
    const log = createLogger({ level: flags.logLevel, name: 'wirespeed-extender' });
    const extender = await startExtender(config, { endpoint: loadKubeEndpoint(flags.kubeconfig), log });
    const { stopOnSignals } = await import('../serve/shutdown.js');
    stopOnSignals(() => extender.stop(), log);
  });
  return command;
}
