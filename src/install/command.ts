import { Command } from 'commander';
import { DEFAULT_CERTS_DIR } from '../certs/command.js';
import { UsageError } from '../cli/errors.js';
import { DEFAULT_IMAGE } from './render.js';

export interface InstallOptions {
  print: boolean;
  manifests: string;
  image: string;
  certsDir: string;
}

const PACKAGED_MANIFESTS = new URL('../../manifests/', import.meta.url).pathname;

/** `wirespeed install --print`: the whole install as one YAML stream, certificates and caBundle filled in. */
export function installCommand(): Command {
  return new Command('install')
    .description('Render every manifest for a cluster, with the serving certificate and caBundle filled in')
    .option(
      '--print',
      'write the objects as multi-document YAML to stdout (the only mode: pipe it to kubectl)',
    )
    .option('--manifests <dir>', 'the kustomize base to render', PACKAGED_MANIFESTS)
    .option('--image <ref>', `image for every wirespeed container (replaces ${DEFAULT_IMAGE})`, DEFAULT_IMAGE)
    .option(
      '--certs-dir <dir>',
      'where the CA and serving certificate are kept and renewed (as wirespeed certs --out)',
      DEFAULT_CERTS_DIR,
    )
    .addHelpText(
      'after',
      `
Runs 'wirespeed certs' on --certs-dir (creating or renewing the CA and the serving certificate), then prints the
base's objects in order with the TLS Secret after the Namespace and caBundle set on every webhook. Running it
again keeps the same CA, so re-applying changes nothing.

Example:
  wirespeed install --print --image registry.example.com/wirespeed:0.1.0 | kubectl apply --server-side -f -`,
    )
    .action(async (opts: InstallOptions) => {
      if (!opts.print)
        throw new UsageError('say --print: install writes the manifests to stdout for kubectl apply');
      const { runInstall } = await import('./run.js');
      await runInstall(opts, {
        stdout: (t) => process.stdout.write(t),
        stderr: (t) => process.stderr.write(t),
      });
    });
}
