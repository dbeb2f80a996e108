import type { Command } from 'commander';
import { agentCommand } from './agent/command.js';
import { discoverCommand } from './agent/discover-command.js';
import { simHostCommand } from './agent/sim-host-command.js';
import { certsCommand } from './certs/command.js';
import { demoCommand } from './demo/command.js';
import { devClusterCommand } from './devcluster/command.js';
import { extenderCommand } from './extender/command.js';
import { fitCommand } from './extender/fit-command.js';
import { installCommand } from './install/command.js';
import { nodesCommand } from './nodes/command.js';
import { webhookCommand } from './webhook/command.js';
import { injectCommand } from './webhook/inject-command.js';

/** Every `wirespeed` sub-command, in the order `wirespeed --help` lists them. */
export function commands(): Command[] {
  return [
    webhookCommand(),
    injectCommand(),
    extenderCommand(),
    fitCommand(),
    nodesCommand(),
    agentCommand(),
    discoverCommand(),
    simHostCommand(),
    certsCommand(),
    installCommand(),
    devClusterCommand(),
    demoCommand(),
  ];
}
