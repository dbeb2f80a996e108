/**
 * Certificates with node-forge: a CA, and the serving or client certificates it signs. Pure apart from
 * randomness and the clock (pass `now` to pin it).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
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
  /** Default 365; never beyond the CA's own expiry. */
  validityDays?: number;
  /** Default 2048. */
  keyBits?: number;
  now?: Date;
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

const DAY_MS = 86_400_000;
/** Certificates start a little in the past so a peer whose clock lags still accepts them. */
const BACKDATE_MS = 5 * 60_000;
const SAN_DNS = 2;
const SAN_IP = 7;
/** forge's typings mistake a value's ASN.1 type for a tag class; this is the UTF8String type. */
const UTF8_STRING = forge.asn1.Type.UTF8 as number as forge.asn1.Class;

/** IP helpers node-forge has but its typings omit. */
const ipBytes = forge.util as unknown as {
  bytesFromIP(ip: string): string | null;
  bytesToIP(bytes: string): string | null;
};

/**
 * Node's native RSA generator, called directly: node-forge only reaches it when its own detection
 * succeeds, and otherwise falls back to pure JavaScript, which takes seconds per 2048-bit key.
 */
function newKeyPair(bits: number): forge.pki.rsa.KeyPair {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicExponent: 0x10001,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e) };
}

/**
 * A random positive 128-bit serial. The first byte is kept in 0x01..0x7f: a high bit would make the
 * DER integer negative, and a zero byte would make it non-minimal, which Go's parser rejects.
 */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return bytes.toString('hex');
}

function checkValidityDays(days: number): number {
  if (!Number.isFinite(days) || days <= 0) {
    throw new Error(`validity must be a positive number of days, got ${days}`);
  }
  return days;
}

/** UTF8String, as RFC 5280 asks of new certificates; forge's default PrintableString forbids `_`, `@`, `*`. */
function nameAttribute(name: 'commonName' | 'organizationName', value: string): forge.pki.CertificateField {
  return { name, value, valueTagClass: UTF8_STRING };
}

/** forge keeps parsed attribute values as raw bytes; decode UTF8String ones so they re-encode unchanged. */
function decodedAttributes(attrs: forge.pki.CertificateField[]): forge.pki.CertificateField[] {
  return attrs.map((attr) => ({ ...attr, value: attributeText(attr) }));
}

function attributeText(attr: forge.pki.CertificateField): string {
  const raw = String(attr.value ?? '');
  return attr.valueTagClass === UTF8_STRING ? forge.util.decodeUtf8(raw) : raw;
}

function commonNameOf(attrs: forge.pki.CertificateField[]): string {
  const cn = attrs.find((a) => a.name === 'commonName');
  return cn ? attributeText(cn) : '';
}

/** The canonical text of an IP address (`::0001` and `::1` are the same SAN), or an Error naming it. */
export function canonicalIp(ip: string): string {
  const bytes = isIP(ip) === 0 ? null : ipBytes.bytesFromIP(ip);
  const text = bytes && (bytes.length === 4 || bytes.length === 16) ? ipBytes.bytesToIP(bytes) : null;
  if (!text) throw new Error(`"${ip}" is not an IPv4 or IPv6 address`);
  return text;
}

/** forge writes CRLF line ends; files and Secrets read better, and compare equal, with LF. */
function pemPair(cert: forge.pki.Certificate, key: forge.pki.rsa.PrivateKey): PemPair {
  const lf = (pem: string) => pem.replace(/\r\n/g, '\n');
  return { certPem: lf(forge.pki.certificateToPem(cert)), keyPem: lf(forge.pki.privateKeyToPem(key)) };
}

/** A fresh key pair and a certificate for it: random serial, valid from a little before `now`. */
function newCertificate(
  now: Date,
  keyBits = 2048,
): { cert: forge.pki.Certificate; keys: forge.pki.rsa.KeyPair } {
  const keys = newKeyPair(keyBits);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  return { cert, keys };
}

export function createCA(
  opts: { commonName?: string; validityDays?: number; keyBits?: number; now?: Date } = {},
): PemPair {
  const now = opts.now ?? new Date();
  const { cert, keys } = newCertificate(now, opts.keyBits);
  cert.validity.notAfter = new Date(now.getTime() + checkValidityDays(opts.validityDays ?? 3650) * DAY_MS);
  const subject = [nameAttribute('commonName', opts.commonName ?? 'wirespeed CA')];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    // pathLen 0: this CA signs leaves only, never another CA.
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: true },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return pemPair(cert, keys.privateKey);
}

export function issueCertificate(ca: PemPair, req: CertificateRequest): PemPair {
  if (req.commonName.trim() === '') throw new Error('a certificate needs a non-empty common name');
  const ipAddresses = (req.ipAddresses ?? []).map(canonicalIp);
  const dnsNames = req.dnsNames ?? [];
  const empty = dnsNames.find((name) => name.trim() === '');
  if (empty !== undefined) throw new Error('DNS names in a certificate must not be empty');

  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const now = req.now ?? new Date();
  const { cert, keys } = newCertificate(now, req.keyBits);
  // A certificate outliving its CA would only fail later, and more confusingly.
  const wanted = now.getTime() + checkValidityDays(req.validityDays ?? 365) * DAY_MS;
  cert.validity.notAfter = new Date(Math.min(wanted, caCert.validity.notAfter.getTime()));
  cert.setSubject([
    ...(req.organization ?? []).map((value) => nameAttribute('organizationName', value)),
    nameAttribute('commonName', req.commonName),
  ]);
  cert.setIssuer(decodedAttributes(caCert.subject.attributes));
  const altNames = [
    ...dnsNames.map((value) => ({ type: SAN_DNS, value })),
    ...ipAddresses.map((ip) => ({ type: SAN_IP, ip })),
  ];
  const caKeyId = (caCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null)
    ?.subjectKeyIdentifier;
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: req.usage !== 'client', clientAuth: req.usage !== 'server' },
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
    { name: 'subjectKeyIdentifier' },
    {
      name: 'authorityKeyIdentifier',
      keyIdentifier: caKeyId
        ? forge.util.hexToBytes(caKeyId)
        : caCert.generateSubjectKeyIdentifier().getBytes(),
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return pemPair(cert, keys.privateKey);
}

/** The names a Service is reached by inside the cluster, shortest first. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

export function certificateInfo(certPem: string): CertificateInfo {
  const cert = forge.pki.certificateFromPem(certPem);
  const san = cert.getExtension('subjectAltName') as {
    altNames?: Array<{ type: number; value?: string; ip?: string }>;
  } | null;
  const altNames = san?.altNames ?? [];
  const basic = cert.getExtension('basicConstraints') as { cA?: boolean } | null;
  return {
    subjectCN: commonNameOf(cert.subject.attributes),
    issuerCN: commonNameOf(cert.issuer.attributes),
    dnsNames: altNames.filter((n) => n.type === SAN_DNS).map((n) => n.value ?? ''),
    ipAddresses: altNames.filter((n) => n.type === SAN_IP).map((n) => n.ip ?? ''),
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
    isCA: basic?.cA === true,
    serialNumber: cert.serialNumber,
  };
}

/** True when `certPem` names the CA as its issuer and carries the CA key's signature. */
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
    const publicKey = forge.pki.certificateFromPem(certPem).publicKey as forge.pki.rsa.PublicKey;
    const privateKey = forge.pki.privateKeyFromPem(keyPem);
    return publicKey.n.equals(privateKey.n) && publicKey.e.equals(privateKey.e);
  } catch {
    return false;
  }
}

/** True when the certificate expires within `renewBeforeMs` of `now` (the boundary itself included). */
export function needsRenewal(certPem: string, renewBeforeMs: number, now: Date = new Date()): boolean {
  return certificateInfo(certPem).notAfter.getTime() - now.getTime() <= renewBeforeMs;
}
