import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCA, issueCertificate, type PemPair } from '../certs/pki.js';
import { silentLogger } from '../telemetry/logger.js';
import { CertificateReloader, type ReloadResult } from './certificate-reloader.js';
import { loadServingPair, type PairChecks } from './serving-pair.js';

const dir = mkdtempSync(join(tmpdir(), 'wirespeed-pair-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
const SERVICE = 'wirespeed-webhook.wirespeed-system.svc';
const ca = createCA({ commonName: 'serving CA' });
const otherCa = createCA({ commonName: 'another CA' });
writeFileSync(join(dir, 'ca.crt'), ca.certPem);
const good = (): PemPair =>
  issueCertificate(ca, { commonName: 'webhook', dnsNames: [SERVICE], usage: 'server' });

let n = 0;
function files(pair: PemPair): { certFile: string; keyFile: string } {
  n++;
  const certFile = join(dir, `tls-${n}.crt`);
  const keyFile = join(dir, `tls-${n}.key`);
  writeFileSync(certFile, pair.certPem);
  writeFileSync(keyFile, pair.keyPem);
  return { certFile, keyFile };
}

const checks: PairChecks = { names: [SERVICE], caFile: join(dir, 'ca.crt') };

/** The refusal message for a pair, with the file name replaced so the table reads. */
async function refusal(pair: PemPair, extra: PairChecks = {}): Promise<string> {
  const f = files(pair);
  try {
    await loadServingPair(f, { ...checks, ...extra });
  } catch (err) {
    return (err as Error).message.replace(f.certFile, 'CERT').replace(f.keyFile, 'KEY');
  }
  return 'accepted';
}

describe('loadServingPair checks before a pair is installed', () => {
  it('accepts a pair for the Service names from the configured CA', async () => {
    expect(await refusal(good())).toBe('accepted');
  });

  it('skips the chain check when the CA file does not exist', async () => {
    const foreign = issueCertificate(otherCa, { commonName: 'w', dnsNames: [SERVICE], usage: 'server' });
    expect(await refusal(foreign, { caFile: join(dir, 'absent-ca.crt') })).toBe('accepted');
  });

  it.each([
    {
      name: 'not yet valid',
      pair: () =>
        issueCertificate(ca, {
          commonName: 'w',
          dnsNames: [SERVICE],
          usage: 'server',
          now: new Date(Date.now() + 2 * DAY),
        }),
      want: /^certificate CERT is not valid before \d{4}-/,
    },
    {
      name: 'expired',
      pair: () => good(),
      extra: { now: new Date(Date.now() + 400 * DAY) },
      want: /^certificate CERT expired at \d{4}-/,
    },
    {
      name: 'for another name',
      pair: () => issueCertificate(ca, { commonName: 'w', dnsNames: ['other.example.com'], usage: 'server' }),
      want: new RegExp(
        `^certificate CERT does not cover ${SERVICE.replace(/\./g, '\\.')} \\(it names DNS:other\\.example\\.com\\)`,
      ),
    },
    {
      name: 'from another CA',
      pair: () => issueCertificate(otherCa, { commonName: 'w', dnsNames: [SERVICE], usage: 'server' }),
      want: /^certificate CERT is not issued by the CA in .*ca\.crt \(issuer: CN=another CA\)$/,
    },
    {
      name: 'client-only usage',
      pair: () => issueCertificate(ca, { commonName: 'w', dnsNames: [SERVICE], usage: 'client' }),
      want: /^certificate CERT may not authenticate a server: its extended key usage \(1\.3\.6\.1\.5\.5\.7\.3\.2\) lacks serverAuth/,
    },
    {
      name: 'a key of another pair',
      pair: () => ({ certPem: good().certPem, keyPem: good().keyPem }),
      want: /^KEY does not belong to the certificate in CERT$/,
    },
  ])('refuses a pair $name', async ({ pair, extra, want }) => {
    expect(await refusal(pair(), extra)).toMatch(want);
  });
});

describe('CertificateReloader', () => {
  it('counts every distinct refused pair and keeps the installed one', async () => {
    const first = good();
    const f = files(first);
    const installed: string[] = [];
    const results: ReloadResult[] = [];
    const reloader = new CertificateReloader({
      files: f,
      checks,
      pollIntervalMs: 0,
      log: silentLogger,
      install: (pair) => installed.push(pair.fingerprint),
      onReload: (result) => results.push(result),
    });
    const loaded = await reloader.load();
    for (const bad of [
      issueCertificate(otherCa, { commonName: 'w', dnsNames: [SERVICE], usage: 'server' }),
      issueCertificate(ca, { commonName: 'w', dnsNames: ['elsewhere'], usage: 'server' }),
    ]) {
      writeFileSync(f.certFile, bad.certPem);
      writeFileSync(f.keyFile, bad.keyPem);
      await reloader.reload();
      await reloader.reload();
    }
    expect(results).toEqual(['rejected', 'rejected']);
    expect(installed).toEqual([]);
    expect(reloader.current?.fingerprint).toBe(loaded.fingerprint);
    const next = good();
    writeFileSync(f.certFile, next.certPem);
    writeFileSync(f.keyFile, next.keyPem);
    await reloader.reload();
    expect(results).toEqual(['rejected', 'rejected', 'loaded']);
    expect(installed).toEqual([reloader.current?.fingerprint]);
  });
});
