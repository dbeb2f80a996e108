import { join } from 'node:path';
import { type ControlPlaneCredentials, SERVICE_CLUSTER_IP_RANGE } from './credentials.js';
import { httpGet } from './probe.js';

export function apiserverArgs(opts: {
  dir: string;
  port: number;
  etcdUrl: string;
  credentials: ControlPlaneCredentials;
}): string[] {
  const f = opts.credentials.files;
  return [
    `--etcd-servers=${opts.etcdUrl}`,
    '--bind-address=127.0.0.1',
    // Without it the apiserver looks for an address on the default route, which a sandbox may not have.
    '--advertise-address=127.0.0.1',
    `--secure-port=${opts.port}`,
    // Defaults to /var/run/kubernetes; keep everything inside the state directory.
    `--cert-dir=${join(opts.dir, 'apiserver')}`,
    `--tls-cert-file=${f.servingCert}`,
    `--tls-private-key-file=${f.servingKey}`,
    `--client-ca-file=${f.caCert}`,
    `--service-account-issuer=https://127.0.0.1:${opts.port}`,
    `--service-account-key-file=${f.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${f.serviceAccountSigningKey}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    '--authorization-mode=RBAC',
    '--allow-privileged=true',
    // No kube-controller-manager runs: nothing would create the `default` ServiceAccount that the
    // ServiceAccount plugin demands, nor lift the not-ready taint TaintNodesByCondition puts on every new Node.
    '--disable-admission-plugins=ServiceAccount,TaintNodesByCondition',
    // The `kubernetes` Service would point at 127.0.0.1, which Endpoints validation rejects over and over.
    '--endpoint-reconciler-type=none',
    '--profiling=false',
  ];
}

/** `true` once /readyz answers 200 to the admin client certificate. */
export async function apiserverReady(
  server: string,
  tls: { caPem: string; certPem: string; keyPem: string },
): Promise<true | undefined> {
  const res = await httpGet(`${server}/readyz`, tls);
  return res.status === 200 ? true : undefined;
}
