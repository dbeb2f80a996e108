import { Command, Option } from 'commander';

export interface NodesOptions {
  kubeconfig?: string;
  output: 'table' | 'json' | 'yaml';
}

/** `wirespeed nodes`: the cluster's devices per node, pool and NUMA node, from the NodeNetworkState reports. */
export function nodesCommand(): Command {
  return new Command('nodes')
    .description(
      'Show free/allocatable devices per node, pool and NUMA node, with sync status and report age',
    )
    .option('--kubeconfig <path>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .addOption(
      new Option('-o, --output <format>', 'table, json or yaml')
        .choices(['table', 'json', 'yaml'])
        .default('table'),
    )
    .addHelpText(
      'after',
      `
Each cell is free/allocatable for that NUMA node (NUMA? = devices whose NUMA node the kernel does not report).
REPORT AGE is the time since the node's agent last rewrote its report; the agent rewrites only on change and
proves liveness with a Lease, so an old report on an idle node is normal.

Examples:
  wirespeed nodes
  wirespeed nodes -o json | jq '.nodes[] | {name, pools}'`,
    )
    .action(async (opts: NodesOptions) => {
      const { runNodes } = await import('./run.js');
      await runNodes(opts, (text) => process.stdout.write(text));
    });
}
