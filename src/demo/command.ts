import { Command } from 'commander';

/**
 * The main job end to end on an embedded cluster: a user writes only the networks annotation, and the pod
 * comes out of admission with its devices, hugepages, mounts and node selector, and is scheduled to the one
 * node that has the devices.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description('Run wirespeed end to end on an embedded local control plane (no Docker, no cluster needed)')
    .option(
      '--keep',
      'keep the cluster and webhook running afterwards, printing a KUBECONFIG for kubectl',
      false,
    )
    .addHelpText(
      'after',
      '\nStarts etcd, kube-apiserver and kube-scheduler as local processes (building them on first use),\n' +
        'registers the webhook with the API server over TLS, and walks through one pod. See README.md.',
    )
    .action(async (opts: { keep: boolean }) => {
      // Loaded on use: the tooling it needs is heavy, and every wirespeed process would pay for it otherwise.
      const { runDemo } = await import('./run.js');
      await runDemo(opts, (line) => process.stdout.write(`${line}\n`));
    });
}
