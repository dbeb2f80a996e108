#!/usr/bin/env node
import { Command } from 'commander';
import { commands } from './commands.js';
import { normalizeSingleDashFlags } from './webhook/command.js';

const program = new Command('wirespeed')
  .description('Transparent, NUMA-correct fast secondary networks on Kubernetes')
  .version('0.1.0')
  .showHelpAfterError();
for (const command of commands()) program.addCommand(command);

const argv = process.argv[2] === 'webhook' ? normalizeSingleDashFlags(process.argv) : process.argv;
program.parseAsync(argv).catch((err: unknown) => {
  process.stderr.write(`wirespeed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
