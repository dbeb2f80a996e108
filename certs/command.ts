/**
 * `wirespeed certs`: a CA and the webhook's serving certificate in a directory, kept across runs and
 * renewed when they no longer fit, optionally printed as a Secret or a caBundle for kubectl.
 */
import { isIP } from 'node:net';
import { Command, InvalidArgumentError, Option } from 'commander';
import { stringify } from 'yaml';
import { ensureCertificates } from './files.js';
import { canonicalIp, parseDuration, serviceDnsNames } from './pki.js';

/** Where the command writes; tests pass collectors, the CLI the process streams. */
export interface CertsOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const PRINT_CHOICES = ['none', 'secret', 'ca-bundle'] as const;
type PrintWhat = (typeof PRINT_CHOICES)[number];

interface CertsOptions {
  out: string;
  service: string;
  namespace: string;
  dns?: string[];
  ip?: string[];
  days: number;
  renewBefore: number;
  force?: boolean;
  print: PrintWhat;
  secretName: string;
}

const DAY_MS = 86_400_000;
const DEFAULT_IPS = ['127.0.0.1'];
/** Exit status for a bad option value, as distinct from a failure to do the work (1). */
const USAGE_EXIT = 2;

class BadOptionValue extends InvalidArgumentError {
  constructor(message: string) {
    super(message);
    this.exitCode = USAGE_EXIT;
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function dnsName(value: string, previous: string[] | undefined): string[] {
  const name = value.toLowerCase().replace(/\.$/, '');
  if (isIP(name) !== 0) throw new BadOptionValue(`${value} is an IP address; pass it with --ip instead`);
  const labels = name.startsWith('*.') ? name.slice(2).split('.') : name.split('.');
  if (name.length > 253 || !labels.every((label) => label.length <= 63 && DNS_LABEL.test(label))) {
    throw new BadOptionValue(
      'Give a DNS name of letters, digits, "-" and ".", optionally starting with "*.", e.g. --dns webhook.example.com',
    );
  }
  return [...(previous ?? []), name];
}

function ipAddress(value: string, previous: string[] | undefined): string[] {
  try {
    return [...(previous ?? []), canonicalIp(value)];
  } catch {
    throw new BadOptionValue('Give an IPv4 or IPv6 address, e.g. --ip 127.0.0.1 --ip ::1');
  }
}

function kubernetesName(what: string, pattern: RegExp, maxLength: number, example: string) {
  return (value: string): string => {
    if (value.length > maxLength || !pattern.test(value)) {
      throw new BadOptionValue(
        `A ${what} name is lower-case letters, digits and "-"${what === 'Secret' ? ' or "."' : ''}, at most ${maxLength} characters, e.g. ${example}`,
      );
    }
    return value;
  };
}

function validityDays(value: string): number {
  const days = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(days) || days < 1 || days > 36_500) {
    throw new BadOptionValue('Give a whole number of days from 1 to 36500, e.g. --days 365');
  }
  return days;
}

function renewBefore(value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new BadOptionValue((err as Error).message);
  }
}

function printWhat(value: string): PrintWhat {
  const choice = PRINT_CHOICES.find((c) => c === value);
  if (!choice) throw new BadOptionValue(`Choose one of ${PRINT_CHOICES.join(', ')}`);
  return choice;
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A `kubernetes.io/tls` Secret in the layout the webhook Deployment mounts. */
export function tlsSecretYaml(opts: {
  name: string;
  namespace: string;
  service: string;
  caCertPem: string;
  certPem: string;
  keyPem: string;
}): string {
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: opts.name,
      namespace: opts.namespace,
      labels: { 'app.kubernetes.io/name': opts.service, 'app.kubernetes.io/part-of': 'wirespeed' },
    },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': base64(opts.certPem),
      'tls.key': base64(opts.keyPem),
      'ca.crt': base64(opts.caCertPem),
    },
  };
  // No folding: base64 values stay on one line each.
  return stringify(secret, { lineWidth: 0 });
}

const processOutput: CertsOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export function certsCommand(output: CertsOutput = processOutput): Command {
  const command = new Command('certs')
    .description(
      'Create or renew a CA and the webhook serving certificate in a directory (ca.crt, ca.key, tls.crt, tls.key)',
    )
    .option('--out <dir>', 'directory for the files; keep it private, it holds the CA key', 'certs/out')
    .option(
      '--service <name>',
      'Service in front of the webhook; its in-cluster DNS names go into the certificate',
      kubernetesName('Service', /^[a-z]([-a-z0-9]*[a-z0-9])?$/, 63, 'wirespeed-webhook'),
      'wirespeed-webhook',
    )
    .option(
      '--namespace <ns>',
      'namespace of the Service and of the printed Secret',
      kubernetesName('namespace', DNS_LABEL, 63, 'wirespeed-system'),
      'wirespeed-system',
    )
    .option('--dns <name...>', 'extra DNS names for the certificate, besides the Service names', dnsName)
    .option('--ip <addr...>', 'IP addresses for the certificate (default: 127.0.0.1)', ipAddress)
    .option('--days <n>', 'validity of the serving certificate in days', validityDays, 365)
    .addOption(
      new Option(
        '--renew-before <duration>',
        'reissue the serving certificate when it expires within this long (d, h, m or s)',
      )
        .argParser(renewBefore)
        .default(parseDuration('30d'), '30d'),
    )
    .option('--force', 'replace the CA and the serving certificate even if they are still good')
    .option(
      '--print <what>',
      'what to write to stdout: none, secret (a kubernetes.io/tls Secret as YAML) or ca-bundle (base64 CA PEM)',
      printWhat,
      'none' as PrintWhat,
    )
    .option(
      '--secret-name <name>',
      'name of the printed Secret',
      kubernetesName(
        'Secret',
        /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
        253,
        'wirespeed-webhook-tls',
      ),
      'wirespeed-webhook-tls',
    )
    .configureOutput({ writeOut: output.stdout, writeErr: output.stderr })
    .addHelpText(
      'after',
      `
The serving certificate names <service>, <service>.<namespace>, <service>.<namespace>.svc and
<service>.<namespace>.svc.cluster.local, plus --dns and --ip. Running again keeps a certificate that still
fits and reissues it when it is missing, not signed by ca.crt, names other hosts than asked, or expires within
--renew-before. The CA is kept unless --force or it is itself about to expire; when it changes, every caBundle
that trusted the old one must be updated. Progress goes to stderr, --print output to stdout.

Examples:
  wirespeed certs
  wirespeed certs --out certs/out --print secret | kubectl apply -f -
  wirespeed certs --out certs/out --print ca-bundle
  wirespeed certs --service my-webhook --namespace my-ns --dns webhook.example.com --ip 127.0.0.1 --ip ::1
  wirespeed certs --days 90 --renew-before 14d --force`,
    );

  command.action(async (opts: CertsOptions) => {
    if (opts.days * DAY_MS <= opts.renewBefore) {
      command.error(
        `error: --days ${opts.days} is not longer than --renew-before, so every run would reissue the certificate; raise --days or lower --renew-before`,
        { exitCode: USAGE_EXIT, code: 'wirespeed.certs.renewalWindow' },
      );
    }
    const commonName = `${opts.service}.${opts.namespace}.svc`;
    const dnsNames = [...new Set([...serviceDnsNames(opts.service, opts.namespace), ...(opts.dns ?? [])])];
    const ipAddresses = [...new Set(opts.ip ?? DEFAULT_IPS)];
    output.stderr(
      `certs: ensuring ${commonName} in ${opts.out} (DNS ${dnsNames.join(', ')}; IP ${ipAddresses.join(', ')})\n`,
    );
    const result = await ensureCertificates({
      dir: opts.out,
      commonName,
      dnsNames,
      ipAddresses,
      validityDays: opts.days,
      renewBeforeMs: opts.renewBefore,
      force: opts.force === true,
    });
    const ca = result.caChanged
      ? 'new CA: update every caBundle (wirespeed certs --print ca-bundle)'
      : 'CA kept';
    output.stderr(`certs: ${result.action} serving certificate (${result.reason}); ${ca}\n`);

    if (opts.print === 'secret') {
      output.stdout(
        tlsSecretYaml({
          name: opts.secretName,
          namespace: opts.namespace,
          service: opts.service,
          caCertPem: result.ca.certPem,
          certPem: result.serving.certPem,
          keyPem: result.serving.keyPem,
        }),
      );
    } else if (opts.print === 'ca-bundle') {
      output.stdout(`${base64(result.ca.certPem)}\n`);
    }
  });
  return command;
}
