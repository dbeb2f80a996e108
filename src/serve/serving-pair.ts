import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { errorMessage } from '../cli/errors.js';

export interface ServingFiles {
  certFile: string;
  keyFile: string;
}

export interface LoadedPair {
  cert: string;
  key: string;
  notBefore: Date;
  notAfter: Date;
  fingerprint: string;
}

/** What a pair must satisfy besides "key matches certificate", so the API server will not reject it. */
export interface PairChecks {
  /** Names clients dial (the Service's DNS names, or IPs): the certificate must cover every one. */
  names?: readonly string[];
  /**
   * A CA file the certificate (and any chain in its file) must lead to: the caBundle clients trust. A file
   * that does not exist skips the check (a Secret made by `kubectl create secret tls` has no ca.crt).
   */
  caFile?: string;
  now?: Date;
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const ANY_USAGE = '2.5.29.37.0';
const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Reads and checks a certificate/key pair before it may be installed: both parse, the key belongs to the
 * certificate, it is within its validity window, it may authenticate a server, it names what clients dial,
 * and it chains to the configured CA. Each refusal names the file and says what is wrong.
 */
export async function loadServingPair(files: ServingFiles, checks: PairChecks = {}): Promise<LoadedPair> {
  const [cert, key, caPem] = await Promise.all([
    readFile(files.certFile, 'utf8'),
    readFile(files.keyFile, 'utf8'),
    checks.caFile ? readFile(checks.caFile, 'utf8').catch(absentAsUndefined) : undefined,
  ]);
  const chain = parseChain(cert, files.certFile);
  const leaf = chain[0]!;
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new Error(`${files.keyFile} is not a PEM private key: ${errorMessage(err)}`);
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new Error(`${files.keyFile} does not belong to the certificate in ${files.certFile}`);
  }
  const problem =
    validityProblem(leaf, checks.now ?? new Date()) ??
    usageProblem(leaf) ??
    namesProblem(leaf, checks.names ?? []) ??
    (caPem !== undefined ? chainProblem(chain, caPem, checks.caFile!) : undefined);
  if (problem) throw new Error(`certificate ${files.certFile} ${problem}`);
  return {
    cert,
    key,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    fingerprint: leaf.fingerprint256,
  };
}

function absentAsUndefined(err: NodeJS.ErrnoException): undefined {
  if (err.code === 'ENOENT') return undefined;
  throw err;
}

function parseChain(pem: string, file: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new Error(`${file} is not a PEM certificate: no CERTIFICATE block`);
  try {
    return blocks.map((block) => new X509Certificate(block));
  } catch (err) {
    throw new Error(`${file} is not a PEM certificate: ${errorMessage(err)}`);
  }
}

function validityProblem(leaf: X509Certificate, now: Date): string | undefined {
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (notBefore > now) return `is not valid before ${notBefore.toISOString()}`;
  if (notAfter <= now) return `expired at ${notAfter.toISOString()}`;
  return undefined;
}

/** No extended key usage means any usage (as Go's crypto/x509 reads it); otherwise serverAuth must be there. */
function usageProblem(leaf: X509Certificate): string | undefined {
  const usages = leaf.keyUsage;
  if (usages === undefined || usages.length === 0) return undefined;
  if (usages.includes(SERVER_AUTH) || usages.includes(ANY_USAGE)) return undefined;
  return `may not authenticate a server: its extended key usage (${usages.join(', ')}) lacks serverAuth (${SERVER_AUTH})`;
}

function namesProblem(leaf: X509Certificate, names: readonly string[]): string | undefined {
  const missing = names.filter((name) =>
    /^[\d.]+$|:/.test(name) ? leaf.checkIP(name) === undefined : leaf.checkHost(name) === undefined,
  );
  if (missing.length === 0) return undefined;
  return `does not cover ${missing.join(', ')} (it names ${leaf.subjectAltName ?? leaf.subject}); issue it for the names clients dial`;
}

function chainProblem(chain: X509Certificate[], caPem: string, caFile: string): string | undefined {
  let cas: X509Certificate[];
  try {
    cas = (caPem.match(PEM_CERT) ?? []).map((block) => new X509Certificate(block));
  } catch (err) {
    return `cannot be checked: ${caFile} is not a PEM certificate: ${errorMessage(err)}`;
  }
  if (cas.length === 0) return `cannot be checked: ${caFile} holds no CERTIFICATE block`;
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!issuedBy(chain[i]!, chain[i + 1]!)) return `has a chain that breaks at certificate ${i + 2}`;
  }
  const last = chain[chain.length - 1]!;
  const trusted = cas.some((ca) => ca.fingerprint256 === last.fingerprint256 || issuedBy(last, ca));
  return trusted
    ? undefined
    : `is not issued by the CA in ${caFile} (issuer: ${last.issuer.replace(/\n/g, ', ')})`;
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}
