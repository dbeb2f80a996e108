import { stringify } from 'yaml';
import type { PemPair } from '../certs/pki.js';

const b64 = (pem: string): string => Buffer.from(pem).toString('base64');

/** A kubeconfig with the credentials inline, so it works from any directory and for any process. */
export function renderKubeconfig(opts: {
  server: string;
  caPem: string;
  user: PemPair;
  name?: string;
}): string {
  const name = opts.name ?? 'wirespeed-dev';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: opts.server, 'certificate-authority-data': b64(opts.caPem) } }],
    users: [
      {
        name: 'admin',
        user: { 'client-certificate-data': b64(opts.user.certPem), 'client-key-data': b64(opts.user.keyPem) },
      },
    ],
    contexts: [{ name, context: { cluster: name, user: 'admin' } }],
    'current-context': name,
  });
}
