import { Command } from 'commander';
import { intOption } from '../cli/flags.js';

export interface DemoFlags {
  nodes: number;
  pods: number;
  compare: boolean;
  json: boolean;
  keep: boolean;
}

/**
 * The whole system on this machine: control plane, webhook, extender, real kubelets over simulated hosts with
 * their agents; sample policies, NADs and workloads; where every pod landed and why.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'Run the whole of wirespeed on this machine (webhook, extender, real kubelets with agents on simulated hosts; no Docker, no hardware) and show what it did',
    )
    .addOption(intOption('--nodes <n>', 'real nodes (cycling: Intel, Mellanox, mixed, no SR-IOV)', 4, 1, 12))
    .addOption(intOption('--pods <n>', 'size of the burst of 2-VF pods', 6, 1, 40))
    .option(
      '--compare',
      'first send the same burst through kube-scheduler alone and count the rejects',
      false,
    )
    .option('--json', 'print one JSON object on stdout (progress goes to stderr)', false)
    .option('--keep', 'keep everything running afterwards and print the KUBECONFIG (Ctrl-C stops it)', false)
    .addHelpText(
      'after',
      '\nNeeds root (each kubelet runs in its own mount namespace): sudo -E npm run demo\n' +
        'Builds etcd, kube-apiserver, kube-scheduler and kubelet on first use. See docs/demo.md.',
    )
    .action(async (flags: DemoFlags) => {
      // Loaded on use: the tooling it needs is heavy, and every wirespeed process would pay for it otherwise.
      const { runDemo } = await import('./run.js');
      const progress = (line: string) => (flags.json ? process.stderr : process.stdout).write(`${line}\n`);
      let stop: (() => Promise<void>) | undefined;
      const interrupted = () => {
        progress('\ninterrupted: stopping every process');
        const stopping = stop ? stop() : Promise.resolve();
        void stopping.finally(() => process.exit(130));
      };
      process.once('SIGINT', interrupted);
      process.once('SIGTERM', interrupted);
      try {
        await runDemo(flags, {
          out: (text) => process.stdout.write(text),
          progress,
          onStop: (fn) => {
            stop = fn;
          },
        });
      } finally {
        process.off('SIGINT', interrupted);
        process.off('SIGTERM', interrupted);
        // Every process and server is stopped by now; a client socket still draining must not hold the exit.
        setTimeout(() => process.exit(), 5000).unref();
      }
    });
}
