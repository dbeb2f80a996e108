/**
 * Certificates with node-forge: a CA, and serving or client certificates it signs. Pure apart from
 * randomness and the clock (pass `now` to pin it).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface CertificateRequest {
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  organization?: string[];
  usage: 'server' | 'client' | 'both';
  validityDays?: number;
  keyBits?: number;
  now?: Date;
}

const DAY_MS = 86_400_000;
/** Certificates start a little in the past so a peer whose clock lags still accepts them. */
const BACKDATE_MS = 5 * 60_000;

/** RSA keys from Node's native generator (node-forge's pure-JS one takes seconds per key). */
function newKeyPair(bits: number): forge.pki.rsa.KeyPair {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e) };
}

/** A random positive 128-bit serial (the high bit cleared so DER keeps it positive). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate, now: Date, days: number): void {
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
}

export function createCA(
  opts: { commonName?: string; validityDays?: number; keyBits?: number; now?: Date } = {},
): PemPair {
  const keys = newKeyPair(opts.keyBits ?? 2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  validity(cert, opts.now ?? new Date(), opts.validityDays ?? 3650);
  const subject = [{ name: 'commonName', value: opts.commonName ?? 'wirespeed CA' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

export function issueCertificate(ca: PemPair, req: CertificateRequest): PemPair {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const keys = newKeyPair(req.keyBits ?? 2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  validity(cert, req.now ?? new Date(), req.validityDays ?? 365);
  cert.setSubject([
    ...(req.organization ?? []).map((value) => ({ name: 'organizationName', value })),
    { name: 'commonName', value: req.commonName },
  ]);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = [
    ...(req.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(req.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    {
      name: 'extKeyUsage',
      serverAuth: req.usage !== 'client',
      clientAuth: req.usage !== 'server',
    },
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

/** The names a Service is reached by inside the cluster. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

export interface CertificateInfo {
  subjectCN: string;
  issuerCN: string;
  dnsNames: string[];
  ipAddresses: string[];
  notBefore: Date;
  notAfter: Date;
  isCA: boolean;
  serialNumber: string;
}

export function certificateInfo(certPem: string): CertificateInfo {
  const cert = forge.pki.certificateFromPem(certPem);
  const san = cert.getExtension('subjectAltName') as {
    altNames?: Array<{ type: number; value?: string; ip?: string }>;
  } | null;
  const basic = cert.getExtension('basicConstraints') as { cA?: boolean } | null;
  const cn = (attrs: forge.pki.CertificateField[]) =>
    String(attrs.find((a) => a.name === 'commonName')?.value ?? '');
  return {
    subjectCN: cn(cert.subject.attributes),
    issuerCN: cn(cert.issuer.attributes),
    dnsNames: (san?.altNames ?? []).filter((n) => n.type === 2).map((n) => n.value ?? ''),
    ipAddresses: (san?.altNames ?? []).filter((n) => n.type === 7).map((n) => n.ip ?? ''),
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
    isCA: basic?.cA === true,
    serialNumber: cert.serialNumber,
  };
}

export function verifyIssuedBy(caCertPem: string, certPem: string): boolean {
  try {
    const caCert = forge.pki.certificateFromPem(caCertPem);
    return caCert.verify(forge.pki.certificateFromPem(certPem));
  } catch {
    return false;
  }
}

export function keyMatchesCertificate(certPem: string, keyPem: string): boolean {
  try {
    const cert = forge.pki.certificateFromPem(certPem);
    const key = forge.pki.privateKeyFromPem(keyPem);
    const pub = cert.publicKey as forge.pki.rsa.PublicKey;
    return pub.n.equals(key.n) && pub.e.equals(key.e);
  } catch {
    return false;
  }
}

export function needsRenewal(certPem: string, renewBeforeMs: number, now: Date = new Date()): boolean {
  return certificateInfo(certPem).notAfter.getTime() - now.getTime() <= renewBeforeMs;
}

/** '30d', '12h', '90m', '45s' → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)(d|h|m|s)$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration; use a whole number with d, h, m or s, e.g. 30d`);
  return Number(m[1]) * { d: DAY_MS, h: 3_600_000, m: 60_000, s: 1000 }[m[2] as 'd' | 'h' | 'm' | 's'];
}
