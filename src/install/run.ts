import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { ensureCertificates } from '../certs/files.js';
import { serviceDnsNames } from '../certs/pki.js';
import { tlsSecretYaml } from '../certs/run.js';
import { UsageError } from '../cli/errors.js';
import type { InstallOptions } from './command.js';
import { kustomizationResources, type ManifestObject, renderInstall } from './render.js';

/** The Service the API server calls, as the shipped manifests name it. */
const WEBHOOK_SERVICE = 'wirespeed-webhook';
const NAMESPACE = 'wirespeed-system';
const TLS_SECRET = 'wirespeed-webhook-tls';

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

export async function loadBase(dir: string): Promise<ManifestObject[]> {
  const kustomizationPath = join(dir, 'Kustomization');
  const files = kustomizationResources(parse(await readText(kustomizationPath)), kustomizationPath);
  const objects: ManifestObject[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readText(join(dir, file)))) {
      if (doc.errors.length > 0) throw new UsageError(`${file}: ${doc.errors[0]?.message}`);
      const value = doc.toJS() as ManifestObject | null;
      if (value) objects.push(value);
    }
  }
  return objects;
}

export async function runInstall(
  opts: InstallOptions,
  out: { stdout: (text: string) => void; stderr: (text: string) => void },
): Promise<void> {
  const objects = await loadBase(opts.manifests);
  const certs = await ensureCertificates({
    dir: opts.certsDir,
    commonName: `${WEBHOOK_SERVICE}.${NAMESPACE}.svc`,
    dnsNames: serviceDnsNames(WEBHOOK_SERVICE, NAMESPACE),
    ipAddresses: [],
    validityDays: 365,
    renewBeforeMs: 30 * 86_400_000,
    force: false,
  });
  out.stderr(`install: ${certs.action} serving certificate in ${opts.certsDir} (${certs.reason})\n`);
  const tlsSecret = parse(
    tlsSecretYaml({
      name: TLS_SECRET,
      namespace: NAMESPACE,
      service: WEBHOOK_SERVICE,
      caCertPem: certs.ca.certPem,
      certPem: certs.serving.certPem,
      keyPem: certs.serving.keyPem,
    }),
  ) as ManifestObject;
  const rendered = renderInstall({
    objects,
    image: opts.image,
    tlsSecret,
    caBundle: Buffer.from(certs.ca.certPem, 'utf8').toString('base64'),
  });
  out.stdout(rendered.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
  out.stderr(`install: ${rendered.length} objects\n`);
}
