/**
 * What `wirespeed certs` does once its flags are read: ensure the directory's CA and serving certificate, then
 * print what was asked. Loaded only when the command runs (node-forge is not needed anywhere else).
 */
import { stringify } from 'yaml';
import type { CertsOptions, CertsOutput } from './command.js';
import { ensureCertificates } from './files.js';
import { canonicalIp, serviceDnsNames } from './pki.js';

const DEFAULT_IPS = ['127.0.0.1'];

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A `kubernetes.io/tls` Secret in the layout the webhook Deployment mounts. */
export function tlsSecretYaml(opts: {
  name: string;
  namespace: string;
  service: string;
  caCertPem: string;
  certPem: string;
  keyPem: string;
}): string {
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: opts.name,
      namespace: opts.namespace,
      labels: { 'app.kubernetes.io/name': opts.service, 'app.kubernetes.io/part-of': 'wirespeed' },
    },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': base64(opts.certPem),
      'tls.key': base64(opts.keyPem),
      'ca.crt': base64(opts.caCertPem),
    },
  };
  // No folding: base64 values stay on one line each.
  return stringify(secret, { lineWidth: 0 });
}

export async function runCerts(opts: CertsOptions, output: CertsOutput): Promise<void> {
  const commonName = `${opts.service}.${opts.namespace}.svc`;
  const dnsNames = [...new Set([...serviceDnsNames(opts.service, opts.namespace), ...(opts.dns ?? [])])];
  const ipAddresses = [...new Set((opts.ip ?? DEFAULT_IPS).map(canonicalIp))];
  output.stderr(
    `certs: ensuring ${commonName} in ${opts.out} (DNS ${dnsNames.join(', ')}; IP ${ipAddresses.join(', ')})\n`,
  );
  const result = await ensureCertificates({
    dir: opts.out,
    commonName,
    dnsNames,
    ipAddresses,
    validityDays: opts.days,
    renewBeforeMs: opts.renewBefore,
    force: opts.force === true,
  });
  const ca = result.caChanged
    ? 'new CA: update every caBundle (wirespeed certs --print ca-bundle)'
    : 'CA kept';
  output.stderr(`certs: ${result.action} serving certificate (${result.reason}); ${ca}\n`);

  if (opts.print === 'secret') {
    output.stdout(
      tlsSecretYaml({
        name: opts.secretName,
        namespace: opts.namespace,
        service: opts.service,
        caCertPem: result.ca.certPem,
        certPem: result.serving.certPem,
        keyPem: result.serving.keyPem,
      }),
    );
  } else if (opts.print === 'ca-bundle') {
    output.stdout(`${base64(result.ca.certPem)}\n`);
  }
}
