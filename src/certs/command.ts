/**
 * `wirespeed certs`: a CA and the webhook's serving certificate in a directory, kept across runs and
 * renewed when they no longer fit, optionally printed as a Secret or a caBundle for kubectl.
 */

import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../cli/errors.js';
import { formatDuration, parseDuration } from '../cli/flags.js';

/** Where the command writes; tests pass collectors, the CLI the process streams. */
export interface CertsOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const PRINT_CHOICES = ['none', 'secret', 'ca-bundle'] as const;
type PrintWhat = (typeof PRINT_CHOICES)[number];

export interface CertsOptions {
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

export const DAY_MS = 86_400_000;
/** Outside the source tree: the CA key must not end up in a checkout or an image build context. */
export const DEFAULT_CERTS_DIR = join(
  process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'),
  'wirespeed',
  'certs',
);

/** commander reports it as an invalid option value; `wirespeed` exits 2. */
class BadOptionValue extends InvalidArgumentError {}

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
  if (isIP(value) === 0)
    throw new BadOptionValue('Give an IPv4 or IPv6 address, e.g. --ip 127.0.0.1 --ip ::1');
  return [...(previous ?? []), value];
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

function printWhat(value: string): PrintWhat {
  const choice = PRINT_CHOICES.find((c) => c === value);
  if (!choice) throw new BadOptionValue(`Choose one of ${PRINT_CHOICES.join(', ')}`);
  return choice;
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
    .option('--out <dir>', 'directory for the files; keep it private, it holds the CA key', DEFAULT_CERTS_DIR)
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
        'reissue the serving certificate when it expires within this long (e.g. 30d, 720h)',
      )
        .argParser(parseDuration)
        .default(30 * DAY_MS, formatDuration(30 * DAY_MS)),
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
  wirespeed certs --out ./pki --print secret | kubectl apply -f -
  wirespeed certs --out ./pki --print ca-bundle
  wirespeed certs --service my-webhook --namespace my-ns --dns webhook.example.com --ip 127.0.0.1 --ip ::1
  wirespeed certs --days 90 --renew-before 14d --force`,
    );

  command.action(async (opts: CertsOptions) => {
    if (opts.days * DAY_MS <= opts.renewBefore) {
      throw new UsageError(
        `--days ${opts.days} is not longer than --renew-before, so every run would reissue the certificate; raise --days or lower --renew-before`,
      );
    }
    const { runCerts } = await import('./run.js');
    await runCerts(opts, output);
  });
  return command;
}
