import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { errorMessage, exitCodeOf } from '../cli/errors.js';
import { certsCommand } from './command.js';
import { certificateInfo, keyMatchesCertificate, verifyIssuedBy } from './pki.js';

let root: string;
let out: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'wirespeed-certs-command-'));
  out = join(root, 'out');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Run {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs `wirespeed certs <args>` in this process, as the CLI would, capturing both streams. */
async function certs(...args: string[]): Promise<Run> {
  const run: Run = { stdout: '', stderr: '', exitCode: 0 };
  const command = certsCommand({
    stdout: (text) => {
      run.stdout += text;
    },
    stderr: (text) => {
      run.stderr += text;
    },
  }).exitOverride();
  try {
    await command.parseAsync(args, { from: 'user' });
  } catch (err) {
    // What src/cli/main.ts does with an error that ends a command.
    if (!(err instanceof CommanderError)) run.stderr += `wirespeed: ${errorMessage(err)}\n`;
    run.exitCode = exitCodeOf(err);
  }
  return run;
}

const fromBase64 = (text: string) => Buffer.from(text, 'base64').toString('utf8');

interface SecretDocument {
  apiVersion: string;
  kind: string;
  type: string;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  data: Record<string, string>;
}

describe('wirespeed certs --print secret', () => {
  it('prints a kubernetes.io/tls Secret holding the files it wrote', async () => {
    const run = await certs('--out', out, '--print', 'secret');
    expect(run.exitCode).toBe(0);

    const secret = parse(run.stdout) as SecretDocument;
    expect(secret).toMatchObject({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: {
        name: 'wirespeed-webhook-tls',
        namespace: 'wirespeed-system',
        labels: { 'app.kubernetes.io/name': 'wirespeed-webhook', 'app.kubernetes.io/part-of': 'wirespeed' },
      },
    });
    expect(Object.keys(secret.data).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);

    const caCert = fromBase64(secret.data['ca.crt']!);
    const tlsCert = fromBase64(secret.data['tls.crt']!);
    const tlsKey = fromBase64(secret.data['tls.key']!);
    expect(caCert).toBe(await readFile(join(out, 'ca.crt'), 'utf8'));
    expect(tlsCert).toBe(await readFile(join(out, 'tls.crt'), 'utf8'));
    expect(tlsKey).toBe(await readFile(join(out, 'tls.key'), 'utf8'));
    expect(verifyIssuedBy(caCert, tlsCert)).toBe(true);
    expect(new X509Certificate(tlsCert).checkIssued(new X509Certificate(caCert))).toBe(true);
    expect(keyMatchesCertificate(tlsCert, tlsKey)).toBe(true);
    expect(new X509Certificate(tlsCert).subjectAltName).toBe(
      'DNS:wirespeed-webhook, DNS:wirespeed-webhook.wirespeed-system, DNS:wirespeed-webhook.wirespeed-system.svc, ' +
        'DNS:wirespeed-webhook.wirespeed-system.svc.cluster.local, IP Address:127.0.0.1',
    );
    // The CA key stays in the directory, never in the Secret.
    expect(run.stdout).not.toContain(
      Buffer.from(await readFile(join(out, 'ca.key'), 'utf8')).toString('base64'),
    );
  });

  it('reports progress and the action on stderr, one line each', async () => {
    const first = await certs('--out', out, '--print', 'secret');
    const lines = first.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      `certs: ensuring wirespeed-webhook.wirespeed-system.svc in ${out} (DNS wirespeed-webhook, ` +
        'wirespeed-webhook.wirespeed-system, wirespeed-webhook.wirespeed-system.svc, ' +
        'wirespeed-webhook.wirespeed-system.svc.cluster.local; IP 127.0.0.1)',
    );
    expect(lines[1]).toBe(
      'certs: created serving certificate (there was no serving certificate); ' +
        'new CA: update every caBundle (wirespeed certs --print ca-bundle)',
    );

    const second = await certs('--out', out);
    expect(second.stdout).toBe('');
    expect(second.stderr.trimEnd().split('\n')[1]).toMatch(
      /^certs: kept serving certificate \(valid until \S+\); CA kept$/,
    );
  });

  it('names the Secret and the certificate after --secret-name, --service, --namespace, --dns and --ip', async () => {
    const run = await certs(
      '--out',
      out,
      '--service',
      'hook',
      '--namespace',
      'net-system',
      '--dns',
      'hook.example.com',
      'Hook.Lab.',
      '--ip',
      '10.0.0.7',
      '--ip',
      '0:0:0:0:0:0:0:1',
      '--secret-name',
      'hook-tls',
      '--print',
      'secret',
    );
    expect(run.exitCode).toBe(0);
    const secret = parse(run.stdout) as SecretDocument;
    expect(secret.metadata).toMatchObject({ name: 'hook-tls', namespace: 'net-system' });
    const info = certificateInfo(fromBase64(secret.data['tls.crt']!));
    expect(info.subjectCN).toBe('hook.net-system.svc');
    expect(info.dnsNames).toEqual([
      'hook',
      'hook.net-system',
      'hook.net-system.svc',
      'hook.net-system.svc.cluster.local',
      'hook.example.com',
      'hook.lab',
    ]);
    // --ip replaces the default 127.0.0.1 rather than adding to it.
    expect(info.ipAddresses).toEqual(['10.0.0.7', '::1']);
  });
});

describe('wirespeed certs --print ca-bundle', () => {
  it('prints the base64 of ca.crt, the value a caBundle takes', async () => {
    const run = await certs('--out', out, '--print', 'ca-bundle');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^[A-Za-z0-9+/]+=*\n$/);
    expect(fromBase64(run.stdout.trim())).toBe(await readFile(join(out, 'ca.crt'), 'utf8'));
  });

  it('prints the same CA after the serving certificate is renewed, and a new one after --force', async () => {
    const first = await certs('--out', out, '--print', 'ca-bundle');
    const renewed = await certs('--out', out, '--dns', 'extra.example.com', '--print', 'ca-bundle');
    expect(renewed.stderr).toContain('certs: renewed serving certificate (DNS names are');
    expect(renewed.stderr).toContain('; CA kept');
    expect(renewed.stdout).toBe(first.stdout);

    const forced = await certs('--out', out, '--force', '--print', 'ca-bundle');
    expect(forced.stderr).toContain('certs: renewed serving certificate (forced); new CA');
    expect(forced.stdout).not.toBe(first.stdout);
  });
});

describe('wirespeed certs with bad option values', () => {
  it.each([
    [['--days', '0'], "option '--days <n>' argument '0' is invalid. Give a whole number of days"],
    [['--days', 'ten'], "argument 'ten' is invalid. Give a whole number of days from 1 to 36500"],
    [['--days', '20'], '--days 20 is not longer than --renew-before, so every run would reissue'],
    [['--renew-before', '2w'], '"2w" is not a duration; use Go\'s units with an optional d for days'],
    [['--print', 'yaml'], "argument 'yaml' is invalid. Choose one of none, secret, ca-bundle"],
    [['--ip', '300.1.1.1'], 'Give an IPv4 or IPv6 address, e.g. --ip 127.0.0.1'],
    [['--dns', '10.0.0.1'], '10.0.0.1 is an IP address; pass it with --ip instead'],
    [['--dns', 'bad_name.example'], 'Give a DNS name of letters, digits'],
    [['--service', 'Webhook'], 'A Service name is lower-case letters, digits and "-"'],
    [['--namespace', 'a'.repeat(64)], 'at most 63 characters, e.g. wirespeed-system'],
    [['--secret-name', 'tls/secret'], 'A Secret name is lower-case letters, digits and "-" or "."'],
  ])('%j exits 2 saying what to do, and writes nothing', async (args, message) => {
    const run = await certs('--out', out, ...args);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
    await expect(readdir(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('accepts --days just longer than --renew-before', async () => {
    const run = await certs('--out', out, '--days', '8', '--renew-before', '7d');
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('certs: created serving certificate');
  });
});

describe('wirespeed certs --help', () => {
  it('lists every option and shows examples', async () => {
    const run = await certs('--help');
    expect(run.exitCode).toBe(0);
    for (const flag of [
      '--out <dir>',
      '--service <name>',
      '--namespace <ns>',
      '--dns <name...>',
      '--ip <addr...>',
      '--days <n>',
      '--renew-before <duration>',
      '--force',
      '--print <what>',
      '--secret-name <name>',
    ]) {
      expect(run.stdout).toContain(flag);
    }
    expect(run.stdout).toContain('(default: 30d)');
    expect(run.stdout).toContain('wirespeed certs --out ./pki --print secret | kubectl apply -f -');
  });
});

describe('wirespeed certs from the CLI', () => {
  const exec = promisify(execFile);
  const cli = (...args: string[]) =>
    exec(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'certs', ...args], { cwd: process.cwd() });

  it('is registered as a sub-command and prints a caBundle', async () => {
    const { stdout, stderr } = await cli('--out', out, '--print', 'ca-bundle');
    expect(fromBase64(stdout.trim())).toBe(await readFile(join(out, 'ca.crt'), 'utf8'));
    expect(stderr).toContain('certs: created serving certificate');
  });

  it('exits with status 2 on a bad option value', async () => {
    await expect(cli('--out', out, '--print', 'json')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Choose one of none, secret, ca-bundle'),
    });
  });
});
