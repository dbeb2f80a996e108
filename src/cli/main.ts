/**
 * The one entry of `wirespeed`: builds the program from `commands()`, runs it, and maps whatever ends a command
 * to an exit code in one place (see `exitCodeOf`): 0 done, 1 failed, 2 bad input or usage, 3 denied or does
 * not fit.
 */
import { Command, CommanderError } from 'commander';
import { commands } from '../commands.js';
import { SINGLE_DASH_FLAGS } from '../webhook/command.js';
import { CommandExit, EXIT, type ExitCode, errorMessage, exitCodeOf } from './errors.js';
import { normalizeSingleDashFlags } from './flags.js';

export function program(): Command {
  const root = new Command('wirespeed')
    .description('Transparent, NUMA-correct fast secondary networks on Kubernetes')
    .version('0.1.0');
  for (const command of commands()) root.addCommand(command);
  configure(root);
  return root;
}

/** Settings `addCommand` does not pass down: every command throws instead of exiting, and shows help on error. */
function configure(command: Command): void {
  command.exitOverride().showHelpAfterError();
  for (const sub of command.commands) configure(sub);
}

/** Runs one invocation and returns its exit code; never throws. */
export async function run(
  argv: string[],
  stderr: (text: string) => void = (t) => process.stderr.write(t),
): Promise<ExitCode> {
  const args = argv[2] === 'webhook' ? normalizeSingleDashFlags(argv, SINGLE_DASH_FLAGS) : argv;
  try {
    await program().parseAsync(args);
    return EXIT.ok;
  } catch (err) {
    // Errors commander raises itself (unknown option, a flag's parser refusing a value, help) are plain
    // CommanderErrors it has already printed; an InvalidArgumentError thrown inside an action is not printed.
    if (err instanceof CommanderError && err.constructor === CommanderError) return exitCodeOf(err);
    const message = errorMessage(err);
    if (!(err instanceof CommandExit) || message) stderr(`wirespeed: ${message}\n`);
    return exitCodeOf(err);
  }
}
