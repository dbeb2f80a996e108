import { createPrivateKey, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalIp,
  certificateInfo,
  createCA,
  issueCertificate,
  keyMatchesCertificate,
  needsRenewal,
  type PemPair,
  serviceDnsNames,
  verifyIssuedBy,
} from './pki.js';

const DAY_MS = 86_400_000;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
// Whole seconds: X.509 times have no milliseconds, so boundaries computed from `now` stay exact.
const NOW = new Date('2030-06-01T12:00:00Z');
const SERVICE_CN = 'wirespeed-webhook.wirespeed-system.svc';

let ca: PemPair;
let otherCa: PemPair;
let serving: PemPair;
let client: PemPair;

beforeAll(() => {
  ca = createCA({ commonName: 'wirespeed test CA', now: NOW });
  otherCa = createCA({ commonName: 'wirespeed test CA', now: NOW });
  serving = issueCertificate(ca, {
    commonName: SERVICE_CN,
    dnsNames: serviceDnsNames('wirespeed-webhook', 'wirespeed-system'),
    ipAddresses: ['127.0.0.1', '::1'],
    usage: 'server',
    now: NOW,
  });
  client = issueCertificate(ca, {
    commonName: 'admin',
    organization: ['system:masters'],
    usage: 'client',
    now: NOW,
  });
});

interface ExtensionView {
  critical?: boolean;
  cA?: boolean;
  pathLenConstraint?: number;
  keyCertSign?: boolean;
  cRLSign?: boolean;
  digitalSignature?: boolean;
  keyEncipherment?: boolean;
  subjectKeyIdentifier?: string;
  value?: string;
}

function extension(pem: string, name: string): ExtensionView | undefined {
  const found = forge.pki.certificateFromPem(pem).getExtension(name);
  return found ? (found as ExtensionView) : undefined;
}

/** The keyIdentifier inside an authorityKeyIdentifier extension, as hex. */
function authorityKeyId(pem: string): string {
  const raw = extension(pem, 'authorityKeyIdentifier')?.value ?? '';
  const seq = forge.asn1.fromDer(raw);
  const keyId = (seq.value as forge.asn1.Asn1[]).find((part) => part.type === 0);
  return forge.util.bytesToHex(String(keyId?.value ?? ''));
}

describe('createCA', () => {
  it('makes a self-signed CA that forge and Node both accept', () => {
    const x509 = new X509Certificate(ca.certPem);
    expect(x509.ca).toBe(true);
    expect(x509.subject).toBe('CN=wirespeed test CA');
    expect(x509.issuer).toBe(x509.subject);
    expect(x509.checkIssued(x509)).toBe(true);
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(verifyIssuedBy(ca.certPem, ca.certPem)).toBe(true);
    expect(keyMatchesCertificate(ca.certPem, ca.keyPem)).toBe(true);
  });

  it('carries CA:true, keyCertSign and cRLSign, and key identifiers, signed with SHA-256', () => {
    expect(extension(ca.certPem, 'basicConstraints')).toMatchObject({
      critical: true,
      cA: true,
      pathLenConstraint: 0,
    });
    const keyUsage = extension(ca.certPem, 'keyUsage');
    expect(keyUsage).toMatchObject({ critical: true, keyCertSign: true, cRLSign: true });
    const ski = extension(ca.certPem, 'subjectKeyIdentifier')?.subjectKeyIdentifier;
    expect(ski).toMatch(/^[0-9a-f]{40}$/);
    expect(authorityKeyId(ca.certPem)).toBe(ski);
    expect(forge.pki.certificateFromPem(ca.certPem).siginfo.algorithmOid).toBe(
      forge.pki.oids.sha256WithRSAEncryption,
    );
  });

  it('starts five minutes before now and lasts ten years by default', () => {
    const info = certificateInfo(ca.certPem);
    expect(info.notBefore.toISOString()).toBe('2030-06-01T11:55:00.000Z');
    expect(info.notAfter.getTime()).toBe(NOW.getTime() + 3650 * DAY_MS);
    expect(info.isCA).toBe(true);
    expect(info.subjectCN).toBe('wirespeed test CA');
    expect(info.issuerCN).toBe('wirespeed test CA');
  });

  it('uses a key of the asked size', () => {
    const small = createCA({ keyBits: 3072, validityDays: 1, now: NOW });
    expect(createPrivateKey(small.keyPem).asymmetricKeyDetails?.modulusLength).toBe(3072);
    expect(createPrivateKey(ca.keyPem).asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('refuses a validity that is not positive', () => {
    expect(() => createCA({ validityDays: 0 })).toThrow(/positive number of days, got 0/);
  });
});

describe('issueCertificate', () => {
  it('makes a serving certificate whose chain verifies with forge and with Node', () => {
    expect(verifyIssuedBy(ca.certPem, serving.certPem)).toBe(true);
    const leaf = new X509Certificate(serving.certPem);
    const root = new X509Certificate(ca.certPem);
    expect(leaf.checkIssued(root)).toBe(true);
    expect(leaf.verify(root.publicKey)).toBe(true);
    expect(leaf.issuer).toBe(root.subject);
    expect(leaf.ca).toBe(false);
  });

  it('does not verify against a different CA, even one with the same name', () => {
    expect(verifyIssuedBy(otherCa.certPem, serving.certPem)).toBe(false);
    const leaf = new X509Certificate(serving.certPem);
    expect(leaf.verify(new X509Certificate(otherCa.certPem).publicKey)).toBe(false);
  });

  it('puts DNS names and IP addresses in subjectAltName and the service name in the subject', () => {
    const leaf = new X509Certificate(serving.certPem);
    expect(leaf.subjectAltName).toBe(
      'DNS:wirespeed-webhook, DNS:wirespeed-webhook.wirespeed-system, ' +
        'DNS:wirespeed-webhook.wirespeed-system.svc, DNS:wirespeed-webhook.wirespeed-system.svc.cluster.local, ' +
        'IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(leaf.subject).toBe(`CN=${SERVICE_CN}`);
    expect(leaf.checkHost('wirespeed-webhook.wirespeed-system.svc.cluster.local')).toBe(
      'wirespeed-webhook.wirespeed-system.svc.cluster.local',
    );
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('wirespeed-webhook.other-namespace.svc')).toBeUndefined();
    const info = certificateInfo(serving.certPem);
    expect(info.dnsNames).toEqual(serviceDnsNames('wirespeed-webhook', 'wirespeed-system'));
    expect(info.ipAddresses).toEqual(['127.0.0.1', '::1']);
    expect(info.subjectCN).toBe(SERVICE_CN);
    expect(info.issuerCN).toBe('wirespeed test CA');
  });

  it('marks a serving certificate CA:false, for digital signature and key encipherment, serverAuth only', () => {
    expect(extension(serving.certPem, 'basicConstraints')).toMatchObject({ critical: true, cA: false });
    expect(extension(serving.certPem, 'keyUsage')).toMatchObject({
      critical: true,
      digitalSignature: true,
      keyEncipherment: true,
      keyCertSign: false,
    });
    expect(new X509Certificate(serving.certPem).keyUsage).toEqual([SERVER_AUTH]);
  });

  it('links the leaf to the CA by key identifier', () => {
    const caKeyId = extension(ca.certPem, 'subjectKeyIdentifier')?.subjectKeyIdentifier;
    expect(authorityKeyId(serving.certPem)).toBe(caKeyId);
    expect(extension(serving.certPem, 'subjectKeyIdentifier')?.subjectKeyIdentifier).not.toBe(caKeyId);
  });

  it('gives a client certificate O=system:masters and clientAuth only', () => {
    const leaf = new X509Certificate(client.certPem);
    expect(leaf.subject).toBe('O=system:masters\nCN=admin');
    expect(leaf.keyUsage).toEqual([CLIENT_AUTH]);
    expect(leaf.subjectAltName).toBeUndefined();
    expect(leaf.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
  });

  it('allows both usages at once', () => {
    const both = issueCertificate(ca, { commonName: 'peer', dnsNames: ['peer'], usage: 'both', now: NOW });
    expect(new X509Certificate(both.certPem).keyUsage?.sort()).toEqual([SERVER_AUTH, CLIENT_AUTH].sort());
  });

  it('pairs each certificate with its own key', () => {
    expect(keyMatchesCertificate(serving.certPem, serving.keyPem)).toBe(true);
    expect(keyMatchesCertificate(serving.certPem, client.keyPem)).toBe(false);
    expect(keyMatchesCertificate(serving.certPem, ca.keyPem)).toBe(false);
    expect(new X509Certificate(serving.certPem).checkPrivateKey(createPrivateKey(serving.keyPem))).toBe(true);
    expect(new X509Certificate(serving.certPem).checkPrivateKey(createPrivateKey(client.keyPem))).toBe(false);
  });

  it('gives random, positive, minimally encoded serial numbers', () => {
    const pairs = [ca, otherCa, serving, client];
    const serials = pairs.map((pair) => certificateInfo(pair.certPem).serialNumber);
    expect(new Set(serials).size).toBe(serials.length);
    for (const [i, pair] of pairs.entries()) {
      expect(serials[i]).toMatch(/^(0[1-9a-f]|[1-7][0-9a-f])[0-9a-f]{30}$/);
      expect(new X509Certificate(pair.certPem).serialNumber).toBe(serials[i]?.toUpperCase());
    }
  });

  it('backdates five minutes and lasts 365 days by default', () => {
    const info = certificateInfo(serving.certPem);
    expect(info.notBefore.getTime()).toBe(NOW.getTime() - 5 * 60_000);
    expect(info.notAfter.getTime()).toBe(NOW.getTime() + 365 * DAY_MS);
  });

  it('never outlives its CA', () => {
    const shortCa = createCA({ validityDays: 10, now: NOW });
    const leaf = issueCertificate(shortCa, { commonName: 'x', dnsNames: ['x'], usage: 'server', now: NOW });
    expect(certificateInfo(leaf.certPem).notAfter).toEqual(certificateInfo(shortCa.certPem).notAfter);
  });

  it('keeps names that are not PrintableString intact, and the issuer byte-for-byte', () => {
    const namedCa = createCA({ commonName: 'réseau_ca*', validityDays: 1, now: NOW });
    const leaf = issueCertificate(namedCa, { commonName: 'node_1@edge', usage: 'client', now: NOW });
    expect(certificateInfo(leaf.certPem)).toMatchObject({ subjectCN: 'node_1@edge', issuerCN: 'réseau_ca*' });
    const x509 = new X509Certificate(leaf.certPem);
    expect(x509.issuer).toBe('CN=réseau_ca*');
    expect(x509.checkIssued(new X509Certificate(namedCa.certPem))).toBe(true);
  });

  it('rejects an address that is not an IP, naming it', () => {
    const req = { commonName: 'x', usage: 'server' as const, now: NOW };
    expect(() => issueCertificate(ca, { ...req, ipAddresses: ['1.2.3.999'] })).toThrow(
      '"1.2.3.999" is not an IPv4 or IPv6 address',
    );
    expect(() => issueCertificate(ca, { ...req, ipAddresses: ['localhost'] })).toThrow(/"localhost"/);
  });

  it('rejects an empty common name, an empty DNS name and a validity that is not positive', () => {
    expect(() => issueCertificate(ca, { commonName: ' ', usage: 'server' })).toThrow(/non-empty common name/);
    expect(() => issueCertificate(ca, { commonName: 'x', dnsNames: [''], usage: 'server' })).toThrow(
      /DNS names .* must not be empty/,
    );
    expect(() => issueCertificate(ca, { commonName: 'x', usage: 'server', validityDays: -1 })).toThrow(
      /positive number of days, got -1/,
    );
  });

  it('writes PEM with LF line ends', () => {
    for (const pem of [ca.certPem, ca.keyPem, serving.certPem, serving.keyPem]) {
      expect(pem).not.toContain('\r');
      expect(pem.endsWith('\n')).toBe(true);
    }
  });
});

describe('canonicalIp', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['fd00:0:0:0:0:0:0:a', 'fd00::a'],
  ])('%s is written %s', (input, canonical) => {
    expect(canonicalIp(input)).toBe(canonical);
  });
});

describe('serviceDnsNames', () => {
  it('lists every name a Service answers to inside the cluster', () => {
    expect(serviceDnsNames('hook', 'ns')).toEqual([
      'hook',
      'hook.ns',
      'hook.ns.svc',
      'hook.ns.svc.cluster.local',
    ]);
  });
});

describe('verifyIssuedBy and keyMatchesCertificate', () => {
  it('answer false, not throw, for text that is not PEM', () => {
    expect(verifyIssuedBy('not a certificate', serving.certPem)).toBe(false);
    expect(verifyIssuedBy(ca.certPem, '')).toBe(false);
    expect(keyMatchesCertificate(serving.certPem, 'not a key')).toBe(false);
    expect(keyMatchesCertificate('nope', serving.keyPem)).toBe(false);
  });
});

describe('needsRenewal', () => {
  const renewBefore = 30 * DAY_MS;
  it('is false one second before the renewal window and true on its first instant', () => {
    const notAfter = certificateInfo(serving.certPem).notAfter.getTime();
    const windowStart = notAfter - renewBefore;
    expect(needsRenewal(serving.certPem, renewBefore, new Date(windowStart - 1000))).toBe(false);
    expect(needsRenewal(serving.certPem, renewBefore, new Date(windowStart))).toBe(true);
    expect(needsRenewal(serving.certPem, renewBefore, new Date(notAfter + DAY_MS))).toBe(true);
    expect(needsRenewal(serving.certPem, renewBefore, NOW)).toBe(false);
  });

  it('with a zero window, renews only once expired', () => {
    const notAfter = certificateInfo(serving.certPem).notAfter.getTime();
    expect(needsRenewal(serving.certPem, 0, new Date(notAfter - 1000))).toBe(false);
    expect(needsRenewal(serving.certPem, 0, new Date(notAfter))).toBe(true);
  });
});

describe('TLS with issued certificates', () => {
  let server: Server;
  let port: number;
  let tlsCa: PemPair;
  let tlsServing: PemPair;
  let tlsClient: PemPair;

  beforeAll(async () => {
    // The real clock here: TLS peers check validity against it.
    tlsCa = createCA({ commonName: 'wirespeed TLS test CA' });
    tlsServing = issueCertificate(tlsCa, {
      commonName: SERVICE_CN,
      dnsNames: serviceDnsNames('wirespeed-webhook', 'wirespeed-system'),
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    });
    tlsClient = issueCertificate(tlsCa, { commonName: 'kube-apiserver', usage: 'client' });
    server = createServer(
      {
        cert: tlsServing.certPem,
        key: tlsServing.keyPem,
        ca: tlsCa.certPem,
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => {
        const socket = req.socket as TLSSocket;
        const peer = socket.getPeerCertificate();
        res.end(socket.authorized ? `hello ${peer.subject.CN}` : 'hello anonymous');
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  function get(options: { servername?: string; ca: string; client?: PemPair }): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          agent: false,
          ca: options.ca,
          rejectUnauthorized: true,
          ...(options.servername !== undefined ? { servername: options.servername } : {}),
          ...(options.client ? { cert: options.client.certPem, key: options.client.keyPem } : {}),
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => resolve(body));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('is trusted by a client that trusts the CA and checks the Service name', async () => {
    await expect(get({ servername: SERVICE_CN, ca: tlsCa.certPem })).resolves.toBe('hello anonymous');
    await expect(
      get({ servername: 'wirespeed-webhook.wirespeed-system.svc.cluster.local', ca: tlsCa.certPem }),
    ).resolves.toBe('hello anonymous');
  });

  it('is trusted by its IP address SAN when no name is given', async () => {
    await expect(get({ ca: tlsCa.certPem })).resolves.toBe('hello anonymous');
  });

  it('is refused for a name it does not carry', async () => {
    await expect(get({ servername: 'webhook.example.com', ca: tlsCa.certPem })).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });

  it('is refused by a client that trusts another CA', async () => {
    const refused = await get({ servername: SERVICE_CN, ca: otherCa.certPem }).then(
      () => undefined,
      (err: NodeJS.ErrnoException) => err.code,
    );
    // Which code depends on whether the server sends its CA along; either way the chain does not verify.
    expect(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN']).toContain(refused);
  });

  it('authenticates a client certificate from the same CA', async () => {
    await expect(get({ servername: SERVICE_CN, ca: tlsCa.certPem, client: tlsClient })).resolves.toBe(
      'hello kube-apiserver',
    );
  });
});
