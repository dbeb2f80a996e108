import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  certDirPaths,
  type EnsureCertificatesOptions,
  ensureCertificates,
  writePemAtomically,
} from './files.js';
import { certificateInfo, createCA, issueCertificate, serviceDnsNames } from './pki.js';

const DAY_MS = 86_400_000;
const NOW = new Date('2030-06-01T12:00:00Z');
const CN = 'wirespeed-webhook.wirespeed-system.svc';

let root: string;
let dir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'wirespeed-certs-'));
  dir = join(root, 'nested', 'out');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function request(overrides: Partial<EnsureCertificatesOptions> = {}): EnsureCertificatesOptions {
  return {
    dir,
    commonName: CN,
    dnsNames: serviceDnsNames('wirespeed-webhook', 'wirespeed-system'),
    ipAddresses: ['127.0.0.1'],
    now: NOW,
    ...overrides,
  };
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;
const read = (path: string) => readFile(path, 'utf8');

async function onDisk() {
  const paths = certDirPaths(dir);
  return {
    caCert: await read(paths.caCert),
    caKey: await read(paths.caKey),
    tlsCert: await read(paths.tlsCert),
    tlsKey: await read(paths.tlsKey),
  };
}

describe('certDirPaths', () => {
  it('names the four files inside the directory, as absolute paths', () => {
    const paths = certDirPaths('certs/out');
    expect(paths.caCert).toBe(join(process.cwd(), 'certs/out/ca.crt'));
    expect(paths.caKey).toBe(join(process.cwd(), 'certs/out/ca.key'));
    expect(paths.tlsCert).toBe(join(process.cwd(), 'certs/out/tls.crt'));
    expect(paths.tlsKey).toBe(join(process.cwd(), 'certs/out/tls.key'));
  });
});

describe('writePemAtomically', () => {
  it('writes the text with the given mode and leaves no temporary file', async () => {
    const key = join(root, 'tls.key');
    const cert = join(root, 'tls.crt');
    await writePemAtomically(key, 'KEY\n', 0o600);
    await writePemAtomically(cert, 'CERT\n', 0o644);
    expect(await read(key)).toBe('KEY\n');
    expect(await mode(key)).toBe(0o600);
    expect(await mode(cert)).toBe(0o644);
    expect((await readdir(root)).sort()).toEqual(['tls.crt', 'tls.key']);
  });

  it('replaces an existing file, mode included', async () => {
    const path = join(root, 'ca.key');
    await writeFile(path, 'OLD\n', { mode: 0o644 });
    await writePemAtomically(path, 'NEW\n', 0o600);
    expect(await read(path)).toBe('NEW\n');
    expect(await mode(path)).toBe(0o600);
    expect(await readdir(root)).toEqual(['ca.key']);
  });

  it('fails when the directory does not exist, leaving nothing behind', async () => {
    await expect(writePemAtomically(join(root, 'missing', 'x.crt'), 'X', 0o644)).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(await readdir(root)).toEqual([]);
  });
});

describe('ensureCertificates', () => {
  it('creates a CA and a serving pair in a new directory, keys private and certificates readable', async () => {
    const result = await ensureCertificates(request());
    expect(result.action).toBe('created');
    expect(result.caChanged).toBe(true);
    const files = await onDisk();
    expect(files).toEqual({
      caCert: result.ca.certPem,
      caKey: result.ca.keyPem,
      tlsCert: result.serving.certPem,
      tlsKey: result.serving.keyPem,
    });
    const paths = certDirPaths(dir);
    expect(await mode(paths.caKey)).toBe(0o600);
    expect(await mode(paths.tlsKey)).toBe(0o600);
    expect(await mode(paths.caCert)).toBe(0o644);
    expect(await mode(paths.tlsCert)).toBe(0o644);
    expect(await mode(dir)).toBe(0o700);
    expect((await readdir(dir)).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);

    const leaf = new X509Certificate(files.tlsCert);
    expect(leaf.checkIssued(new X509Certificate(files.caCert))).toBe(true);
    expect(leaf.subject).toBe(`CN=${CN}`);
    expect(leaf.checkHost('wirespeed-webhook.wirespeed-system.svc.cluster.local')).toBe(
      'wirespeed-webhook.wirespeed-system.svc.cluster.local',
    );
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(certificateInfo(files.tlsCert).notAfter.getTime()).toBe(NOW.getTime() + 365 * DAY_MS);
  });

  it('keeps everything on a second run with the same request', async () => {
    await ensureCertificates(request());
    const before = await onDisk();
    const result = await ensureCertificates(request({ now: new Date(NOW.getTime() + DAY_MS) }));
    expect(result.action).toBe('kept');
    expect(result.caChanged).toBe(false);
    expect(result.reason).toMatch(/^valid until 2031-06-01T12:00:00/);
    expect(await onDisk()).toEqual(before);
    expect(result.serving.certPem).toBe(before.tlsCert);
  });

  it('treats names as sets: order, repeats and case do not cause a reissue', async () => {
    await ensureCertificates(request({ ipAddresses: ['127.0.0.1', '::1'] }));
    const result = await ensureCertificates(
      request({
        dnsNames: [...serviceDnsNames('wirespeed-webhook', 'wirespeed-system')]
          .reverse()
          .map((n) => n.toUpperCase()),
        ipAddresses: ['0:0:0:0:0:0:0:1', '127.0.0.1', '127.0.0.1'],
      }),
    );
    expect(result.action).toBe('kept');
  });

  it('renews the serving pair once it expires within the renewal window, keeping the CA', async () => {
    const first = await ensureCertificates(request({ validityDays: 90 }));
    const expiry = certificateInfo(first.serving.certPem).notAfter.getTime();
    const renewBeforeMs = 30 * DAY_MS;

    const outside = await ensureCertificates(
      request({ validityDays: 90, renewBeforeMs, now: new Date(expiry - renewBeforeMs - 1000) }),
    );
    expect(outside.action).toBe('kept');

    const inside = new Date(expiry - renewBeforeMs);
    const renewed = await ensureCertificates(request({ validityDays: 90, renewBeforeMs, now: inside }));
    expect(renewed.action).toBe('renewed');
    expect(renewed.reason).toMatch(/expires .* within the renewal window/);
    expect(renewed.caChanged).toBe(false);
    expect(renewed.ca.certPem).toBe(first.ca.certPem);
    const files = await onDisk();
    expect(files.caCert).toBe(first.ca.certPem);
    expect(files.tlsCert).toBe(renewed.serving.certPem);
    expect(files.tlsCert).not.toBe(first.serving.certPem);
    expect(certificateInfo(files.tlsCert).notAfter.getTime()).toBe(inside.getTime() + 90 * DAY_MS);
    expect(new X509Certificate(files.tlsCert).checkIssued(new X509Certificate(files.caCert))).toBe(true);
  });

  it('renews when a DNS name is added, and when the IP addresses change', async () => {
    const first = await ensureCertificates(request());
    const dnsNames = [...serviceDnsNames('wirespeed-webhook', 'wirespeed-system'), 'hook.example.com'];
    const withExtraName = await ensureCertificates(request({ dnsNames }));
    expect(withExtraName.action).toBe('renewed');
    expect(withExtraName.reason).toMatch(/^DNS names are \[.*\], wanted \[.*hook\.example\.com\]$/);
    expect(withExtraName.ca.certPem).toBe(first.ca.certPem);
    expect(new X509Certificate((await onDisk()).tlsCert).checkHost('hook.example.com')).toBe(
      'hook.example.com',
    );

    const withOtherIp = await ensureCertificates(request({ dnsNames, ipAddresses: ['10.96.0.10'] }));
    expect(withOtherIp.action).toBe('renewed');
    expect(withOtherIp.reason).toBe('IP addresses are [127.0.0.1], wanted [10.96.0.10]');
    expect(certificateInfo((await onDisk()).tlsCert).ipAddresses).toEqual(['10.96.0.10']);
  });

  it('renews when the common name changes', async () => {
    await ensureCertificates(request());
    const result = await ensureCertificates(request({ commonName: 'other.wirespeed-system.svc' }));
    expect(result.action).toBe('renewed');
    expect(result.reason).toBe(`common name is ${CN}, wanted other.wirespeed-system.svc`);
  });

  it('renews a serving pair signed by another CA', async () => {
    const first = await ensureCertificates(request());
    const stranger = createCA({ now: NOW });
    const foreign = issueCertificate(stranger, {
      commonName: CN,
      dnsNames: serviceDnsNames('wirespeed-webhook', 'wirespeed-system'),
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
      now: NOW,
    });
    const paths = certDirPaths(dir);
    await writeFile(paths.tlsCert, foreign.certPem);
    await writeFile(paths.tlsKey, foreign.keyPem);
    const result = await ensureCertificates(request());
    expect(result.action).toBe('renewed');
    expect(result.reason).toBe('tls.crt is not signed by ca.crt');
    const leaf = new X509Certificate((await onDisk()).tlsCert);
    expect(leaf.checkIssued(new X509Certificate(first.ca.certPem))).toBe(true);
  });

  it('renews when tls.key does not belong to tls.crt, or is missing', async () => {
    const first = await ensureCertificates(request());
    const paths = certDirPaths(dir);
    await writeFile(paths.tlsKey, first.ca.keyPem);
    const mismatched = await ensureCertificates(request());
    expect(mismatched.action).toBe('renewed');
    expect(mismatched.reason).toBe('tls.key is not the key of tls.crt');

    await rm(paths.tlsKey);
    const missing = await ensureCertificates(request());
    expect(missing.action).toBe('renewed');
    expect(missing.reason).toBe(`${paths.tlsCert} exists but ${paths.tlsKey} does not`);
    const files = await onDisk();
    expect(files.tlsKey).toBe(missing.serving.keyPem);
  });

  it('creates only the serving pair when the CA is there but the serving pair is not', async () => {
    const first = await ensureCertificates(request());
    const paths = certDirPaths(dir);
    await rm(paths.tlsCert);
    await rm(paths.tlsKey);
    const result = await ensureCertificates(request());
    expect(result.action).toBe('created');
    expect(result.caChanged).toBe(false);
    expect(result.ca.certPem).toBe(first.ca.certPem);
  });

  it('replaces the CA and the serving pair with force', async () => {
    const first = await ensureCertificates(request());
    const result = await ensureCertificates(request({ force: true }));
    expect(result.action).toBe('renewed');
    expect(result.reason).toBe('forced');
    expect(result.caChanged).toBe(true);
    const files = await onDisk();
    expect(files.caCert).not.toBe(first.ca.certPem);
    expect(files.caKey).not.toBe(first.ca.keyPem);
    expect(files.tlsCert).not.toBe(first.serving.certPem);
    expect(new X509Certificate(files.tlsCert).checkIssued(new X509Certificate(files.caCert))).toBe(true);
    expect(new X509Certificate(files.tlsCert).checkIssued(new X509Certificate(first.ca.certPem))).toBe(false);
  });

  it('with force on an empty directory, reports the pair as created', async () => {
    const result = await ensureCertificates(request({ force: true }));
    expect(result.action).toBe('created');
    expect(result.caChanged).toBe(true);
  });

  it('replaces a CA that expires within the renewal window, and the pair it signed', async () => {
    const first = await ensureCertificates(request());
    const caExpiry = certificateInfo(first.ca.certPem).notAfter.getTime();
    const result = await ensureCertificates(request({ now: new Date(caExpiry - DAY_MS) }));
    expect(result.action).toBe('renewed');
    expect(result.caChanged).toBe(true);
    expect(result.reason).toMatch(/^the CA expires .* within the renewal window$/);
    const files = await onDisk();
    expect(files.caCert).not.toBe(first.ca.certPem);
    expect(new X509Certificate(files.tlsCert).checkIssued(new X509Certificate(files.caCert))).toBe(true);
  });

  it('refuses a CA directory that is half there rather than replacing the CA, and says how to recover', async () => {
    await ensureCertificates(request());
    const paths = certDirPaths(dir);
    await rm(paths.caKey);
    const before = await readdir(dir);
    await expect(ensureCertificates(request())).rejects.toThrow(
      `${paths.caCert} exists but ${paths.caKey} does not; restore it, or rerun with --force to create a new CA (then update every caBundle)`,
    );
    expect(await readdir(dir)).toEqual(before);
  });

  it('refuses a CA key that does not belong to the CA certificate', async () => {
    const first = await ensureCertificates(request());
    const paths = certDirPaths(dir);
    await writeFile(paths.caKey, first.serving.keyPem);
    await expect(ensureCertificates(request())).rejects.toThrow(
      `${paths.caKey} is not the key of ${paths.caCert}; restore it`,
    );
    const recovered = await ensureCertificates(request({ force: true }));
    expect(recovered.caChanged).toBe(true);
  });

  it('refuses a certificate in ca.crt that is not a CA', async () => {
    const first = await ensureCertificates(request());
    const paths = certDirPaths(dir);
    await writeFile(paths.caCert, first.serving.certPem);
    await writeFile(paths.caKey, first.serving.keyPem);
    await expect(ensureCertificates(request())).rejects.toThrow(/is not a CA certificate/);
  });
});
