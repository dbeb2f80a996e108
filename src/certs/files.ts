/**
 * A certificate directory on disk (ca.crt, ca.key, tls.crt, tls.key), brought to the wanted state the way
 * a reconciler would: read what is there, keep what is still right, reissue what is not.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  canonicalIp,
  certificateInfo,
  createCA,
  issueCertificate,
  keyMatchesCertificate,
  needsRenewal,
  type PemPair,
  verifyIssuedBy,
} from './pki.js';

export interface CertDir {
  caCert: string;
  caKey: string;
  tlsCert: string;
  tlsKey: string;
}

export interface EnsureCertificatesOptions {
  dir: string;
  commonName: string;
  dnsNames: string[];
  ipAddresses: string[];
  /** Validity of the serving certificate; default 365. */
  validityDays?: number;
  /** Reissue a certificate that expires within this long; default 30 days. */
  renewBeforeMs?: number;
  /** Replace the CA and the serving pair whatever their state. */
  force?: boolean;
  now?: Date;
}

export interface EnsuredCertificates {
  ca: PemPair;
  serving: PemPair;
  /** What happened to the serving pair: made where there was none, replaced, or left as it was. */
  action: 'created' | 'renewed' | 'kept';
  /** Why, in words fit for a log line. */
  reason: string;
  /** A new CA was written: every caBundle that trusted the old one must be updated. */
  caChanged: boolean;
}

const DEFAULT_RENEW_BEFORE_MS = 30 * 86_400_000;
const KEY_MODE = 0o600;
const CERT_MODE = 0o644;
const RECOVER = 'restore it, or rerun with --force to create a new CA (then update every caBundle)';

export function certDirPaths(dir: string): CertDir {
  const root = resolve(dir);
  return {
    caCert: join(root, 'ca.crt'),
    caKey: join(root, 'ca.key'),
    tlsCert: join(root, 'tls.crt'),
    tlsKey: join(root, 'tls.key'),
  };
}

/**
 * Readers of `path` see the old file or the new one, never a partial write: the PEM goes to a temporary
 * file in the same directory (same filesystem, so the rename is atomic) and is flushed before the rename.
 */
export async function writePemAtomically(path: string, pem: string, mode: number): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const file = await open(temporary, 'wx', mode);
    try {
      await file.writeFile(pem);
      // The mode given to open() is filtered by the umask; the key's mode must not be.
      await file.chmod(mode);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The pair at the two paths: absent when both files are, an Error message when only one is. */
async function readPair(certPath: string, keyPath: string): Promise<PemPair | undefined | string> {
  const [certPem, keyPem] = await Promise.all([readIfPresent(certPath), readIfPresent(keyPath)]);
  if (certPem === undefined && keyPem === undefined) return undefined;
  if (certPem === undefined) return `${keyPath} exists but ${certPath} does not`;
  if (keyPem === undefined) return `${certPath} exists but ${keyPath} does not`;
  return { certPem, keyPem };
}

function safeInfo(certPem: string): ReturnType<typeof certificateInfo> | undefined {
  try {
    return certificateInfo(certPem);
  } catch {
    return undefined;
  }
}

/** Why the CA on disk cannot sign anything, or undefined when it can. */
function unusableCa(ca: PemPair, paths: CertDir): string | undefined {
  const info = safeInfo(ca.certPem);
  if (!info) return `${paths.caCert} is not a PEM certificate with an RSA key`;
  if (!info.isCA) return `${paths.caCert} is not a CA certificate (basicConstraints CA:false)`;
  if (!keyMatchesCertificate(ca.certPem, ca.keyPem))
    return `${paths.caKey} is not the key of ${paths.caCert}`;
  return undefined;
}

function sameSet(a: string[], b: string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
}

const lowerCase = (names: string[]) => names.map((name) => name.toLowerCase());

/** Why the serving pair on disk must be reissued, or undefined when it is still right. */
function servingProblem(
  serving: PemPair,
  ca: PemPair,
  want: { commonName: string; dnsNames: string[]; ipAddresses: string[] },
  renewBeforeMs: number,
  now: Date,
): string | undefined {
  const info = safeInfo(serving.certPem);
  if (!info) return 'tls.crt is not a readable certificate';
  if (!keyMatchesCertificate(serving.certPem, serving.keyPem)) return 'tls.key is not the key of tls.crt';
  if (!verifyIssuedBy(ca.certPem, serving.certPem)) return 'tls.crt is not signed by ca.crt';
  if (info.subjectCN !== want.commonName) {
    return `common name is ${info.subjectCN}, wanted ${want.commonName}`;
  }
  if (!sameSet(lowerCase(info.dnsNames), lowerCase(want.dnsNames))) {
    return `DNS names are [${info.dnsNames.join(', ')}], wanted [${want.dnsNames.join(', ')}]`;
  }
  if (!sameSet(info.ipAddresses.map(canonicalIp), want.ipAddresses)) {
    return `IP addresses are [${info.ipAddresses.join(', ')}], wanted [${want.ipAddresses.join(', ')}]`;
  }
  if (info.notBefore.getTime() > now.getTime()) {
    return `tls.crt is not valid until ${info.notBefore.toISOString()}`;
  }
  if (needsRenewal(serving.certPem, renewBeforeMs, now)) {
    return `tls.crt expires ${info.notAfter.toISOString()}, within the renewal window`;
  }
  return undefined;
}

/**
 * Makes `dir` hold a CA and a serving pair for the requested names, and says what it did. An existing CA
 * is kept unless `force` or it is about to expire, because replacing it invalidates every caBundle. A CA
 * directory that is half there or inconsistent is an error rather than silently replaced, for the same
 * reason.
 */
export async function ensureCertificates(opts: EnsureCertificatesOptions): Promise<EnsuredCertificates> {
  const paths = certDirPaths(opts.dir);
  const now = opts.now ?? new Date();
  const renewBeforeMs = opts.renewBeforeMs ?? DEFAULT_RENEW_BEFORE_MS;
  const want = {
    commonName: opts.commonName,
    dnsNames: [...new Set(opts.dnsNames)],
    ipAddresses: [...new Set(opts.ipAddresses.map(canonicalIp))],
  };
  await mkdir(dirname(paths.caCert), { recursive: true, mode: 0o700 });

  const existingCa = await readPair(paths.caCert, paths.caKey);
  let ca: PemPair | undefined;
  let caReason: string | undefined;
  if (opts.force) {
    caReason = 'forced';
  } else if (typeof existingCa === 'string') {
    throw new Error(`${existingCa}; ${RECOVER}`);
  } else if (existingCa) {
    const unusable = unusableCa(existingCa, paths);
    if (unusable) throw new Error(`${unusable}; ${RECOVER}`);
    if (needsRenewal(existingCa.certPem, renewBeforeMs, now)) {
      const notAfter = certificateInfo(existingCa.certPem).notAfter.toISOString();
      caReason = `the CA expires ${notAfter}, within the renewal window`;
    } else {
      ca = existingCa;
    }
  }
  const caChanged = ca === undefined;
  if (!ca) {
    ca = createCA({ now });
    await writePemAtomically(paths.caKey, ca.keyPem, KEY_MODE);
    await writePemAtomically(paths.caCert, ca.certPem, CERT_MODE);
  }

  const existingServing = await readPair(paths.tlsCert, paths.tlsKey);
  if (existingServing === undefined) {
    const serving = await issueServing(ca, want, opts.validityDays, now, paths);
    return { ca, serving, action: 'created', reason: 'there was no serving certificate', caChanged };
  }
  const reason =
    caReason ??
    (caChanged
      ? 'the CA is new'
      : typeof existingServing === 'string'
        ? existingServing
        : servingProblem(existingServing, ca, want, renewBeforeMs, now));
  if (reason === undefined && typeof existingServing !== 'string') {
    const notAfter = certificateInfo(existingServing.certPem).notAfter.toISOString();
    return { ca, serving: existingServing, action: 'kept', reason: `valid until ${notAfter}`, caChanged };
  }
  const serving = await issueServing(ca, want, opts.validityDays, now, paths);
  return { ca, serving, action: 'renewed', reason: reason ?? 'forced', caChanged };
}

async function issueServing(
  ca: PemPair,
  want: { commonName: string; dnsNames: string[]; ipAddresses: string[] },
  validityDays: number | undefined,
  now: Date,
  paths: CertDir,
): Promise<PemPair> {
  const serving = issueCertificate(ca, {
    ...want,
    usage: 'server',
    ...(validityDays !== undefined ? { validityDays } : {}),
    now,
  });
  // Key first: a crash between the two writes leaves a pair that does not match, which the next run reissues.
  await writePemAtomically(paths.tlsKey, serving.keyPem, KEY_MODE);
  await writePemAtomically(paths.tlsCert, serving.certPem, CERT_MODE);
  return serving;
}
