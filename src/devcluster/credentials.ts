import { generateKeyPair } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createCA, issueCertificate, type PemPair } from '../certs/pki.js';

/** Every key and certificate the control plane needs, as files under `<dir>/pki`. */
export interface ControlPlaneCredentials {
  ca: PemPair;
  admin: PemPair;
  files: {
    caCert: string;
    servingCert: string;
    servingKey: string;
    serviceAccountPublicKey: string;
    serviceAccountSigningKey: string;
  };
}

/** The first address of the service range, which the apiserver gives to the `kubernetes` Service. */
export const SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/24';
const KUBERNETES_SERVICE_IP = '10.0.0.1';

const generateRsa = promisify(generateKeyPair);

export async function writeControlPlaneCredentials(dir: string): Promise<ControlPlaneCredentials> {
  const pki = join(dir, 'pki');
  mkdirSync(pki, { recursive: true, mode: 0o700 });
  // On the thread pool, so it overlaps the certificate keys generated synchronously below.
  const serviceAccountKeys = generateRsa('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const ca = createCA({ commonName: 'wirespeed-dev-cluster-ca' });
  // Go clients reject certificates without a SAN; cover every name an in-cluster client could use too.
  const serving = issueCertificate(ca, {
    commonName: 'kube-apiserver',
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
    ipAddresses: ['127.0.0.1', KUBERNETES_SERVICE_IP],
    usage: 'server',
  });
  // O=system:masters bypasses RBAC, as envtest's default user does.
  const admin = issueCertificate(ca, {
    commonName: 'admin',
    organization: ['system:masters'],
    usage: 'client',
  });
  const serviceAccount = await serviceAccountKeys;
  const files = {
    caCert: join(pki, 'ca.crt'),
    servingCert: join(pki, 'apiserver.crt'),
    servingKey: join(pki, 'apiserver.key'),
    serviceAccountPublicKey: join(pki, 'sa.pub'),
    serviceAccountSigningKey: join(pki, 'sa.key'),
  };
  writeFileSync(files.caCert, ca.certPem);
  writeFileSync(join(pki, 'ca.key'), ca.keyPem, { mode: 0o600 });
  writeFileSync(files.servingCert, serving.certPem);
  writeFileSync(files.servingKey, serving.keyPem, { mode: 0o600 });
  writeFileSync(files.serviceAccountPublicKey, serviceAccount.publicKey);
  writeFileSync(files.serviceAccountSigningKey, serviceAccount.privateKey, { mode: 0o600 });
  return { ca, admin, files };
}
