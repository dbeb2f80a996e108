import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { pino } from 'pino';
import { CommandExit, EXIT } from '../cli/errors.js';
import { durationOption } from '../cli/flags.js';
import type { Logger } from '../telemetry/logger.js';
import type { ComponentName } from './controlplane.js';
import { httpGet } from './probe.js';
import { type DevClusterState, isRunning, readState, terminate, writeState } from './state.js';

const DEFAULT_DIR = join('.wirespeed', 'dev-cluster');
/** Stop order: clients of the apiserver first, its storage last. */
const STOP_ORDER: ComponentName[] = ['kube-scheduler', 'kube-apiserver', 'etcd'];

export function devClusterCommand(): Command {
  const dirOption = () =>
    new Option('--dir <dir>', 'state directory (certificates, etcd data, logs, pid file)').default(
      DEFAULT_DIR,
    );
  const command = new Command('dev-cluster')
    .description(
      'Run a local Kubernetes control plane (etcd, kube-apiserver, kube-scheduler) as background processes, ' +
        'without Docker or a kubelet: for trying wirespeed against a real API server',
    )
    .addHelpText(
      'after',
      '\nExample:\n  wirespeed dev-cluster up && eval "$(wirespeed dev-cluster env)" && kubectl get ns\n' +
        '  wirespeed dev-cluster down\n\nSee docs/dev-cluster.md.',
    );

  command
    .command('up')
    .description('start the control plane in the background and wait until it schedules pods')
    .addOption(dirOption())
    .option('--no-scheduler', 'run etcd and kube-apiserver only')
    .addOption(
      durationOption('--timeout <duration>', 'how long each component may take to become ready', 60_000, {
        minMs: 1,
      }),
    )
    .action(async (opts: { dir: string; scheduler: boolean; timeout: number }) => {
      const dir = resolve(opts.dir);
      const existing = readState(dir);
      if (existing) {
        const alive = existing.components.filter((c) => isRunning(c.pid, c.name));
        if (alive.length === existing.components.length) {
          process.stdout.write(`dev cluster is already up: ${existing.server}\n`);
          printKubeconfig(existing.kubeconfigPath);
          return;
        }
        if (alive.length > 0) {
          throw new Error(
            `dev cluster in ${dir} is partly running (${alive.map((c) => c.name).join(', ')}); ` +
              `run 'wirespeed dev-cluster down${dirFlag(opts.dir)}' first`,
          );
        }
        // Every process is gone (a reboot): the state is stale.
        rmSync(dir, { recursive: true, force: true });
      }
      const cp = await (await import('./controlplane.js')).startControlPlane({
        dir,
        detached: true,
        scheduler: opts.scheduler,
        readyTimeoutMs: opts.timeout,
        log: progressLogger(),
      });
      const pids = cp.pids();
      writeState(dir, {
        server: cp.server,
        kubeconfigPath: cp.kubeconfigPath,
        logsDir: cp.logsDir,
        startedAt: new Date().toISOString(),
        components: STOP_ORDER.flatMap((name) => (pids[name] ? [{ name, pid: pids[name] }] : [])).reverse(),
      });
      process.stdout.write(`dev cluster is up: ${cp.server}\nlogs: ${cp.logsDir}\n`);
      printKubeconfig(cp.kubeconfigPath);
    });

  command
    .command('down')
    .description('stop every process of the control plane and remove its state directory')
    .addOption(dirOption())
    .action(async (opts: { dir: string }) => {
      const dir = resolve(opts.dir);
      const state = readState(dir);
      if (!state) {
        if (!existsSync(dir)) {
          process.stdout.write(`no dev cluster in ${dir}\n`);
          return;
        }
        rmSync(dir, { recursive: true, force: true });
        process.stdout.write(`no running dev cluster recorded; removed ${dir}\n`);
        return;
      }
      for (const name of STOP_ORDER) {
        const component = state.components.find((c) => c.name === name);
        if (component && isRunning(component.pid, name)) {
          await terminate(component.pid, name);
          process.stdout.write(`stopped ${name} (pid ${component.pid})\n`);
        }
      }
      rmSync(dir, { recursive: true, force: true });
      process.stdout.write(`removed ${dir}\n`);
    });

  command
    .command('env')
    .description(
      'print the shell line that points kubectl at the dev cluster: eval "$(wirespeed dev-cluster env)"',
    )
    .addOption(dirOption())
    .action((opts: { dir: string }) => {
      const state = readState(resolve(opts.dir));
      if (!state)
        throw new Error(`no dev cluster in ${resolve(opts.dir)}; run 'wirespeed dev-cluster up' first`);
      process.stdout.write(`export KUBECONFIG=${shellQuote(state.kubeconfigPath)}\n`);
    });

  command
    .command('status')
    .description('say which components run and whether the API server is ready (exit code 1 if not)')
    .addOption(dirOption())
    .action(async (opts: { dir: string }) => {
      const dir = resolve(opts.dir);
      const state = readState(dir);
      if (!state) {
        process.stdout.write(`no dev cluster in ${dir}\n`);
        throw new CommandExit(EXIT.failed);
      }
      let healthy = true;
      for (const { name, pid } of state.components) {
        const running = isRunning(pid, name);
        healthy &&= running;
        process.stdout.write(`${name.padEnd(15)} ${running ? `running (pid ${pid})` : 'not running'}\n`);
      }
      const ready = await apiserverReadiness(dir, state);
      healthy &&= ready === 'ready';
      process.stdout.write(`${'api server'.padEnd(15)} ${state.server}: ${ready}\n`);
      process.stdout.write(`${'kubeconfig'.padEnd(15)} ${state.kubeconfigPath}\n`);
      process.stdout.write(`${'logs'.padEnd(15)} ${state.logsDir}\n`);
      if (!healthy) throw new CommandExit(EXIT.failed);
    });

  return command;
}

async function apiserverReadiness(dir: string, state: DevClusterState): Promise<string> {
  try {
    // /readyz is readable anonymously under the default RBAC policy.
    const caPem = readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8');
    const res = await httpGet(`${state.server}/readyz`, { caPem });
    return res.status === 200 ? 'ready' : `not ready (HTTP ${res.status})`;
  } catch (err) {
    return `unreachable (${err instanceof Error ? err.message : String(err)})`;
  }
}

function printKubeconfig(path: string): void {
  process.stdout.write(`kubeconfig: ${path}\nexport KUBECONFIG=${shellQuote(path)}\n`);
}

function dirFlag(dir: string): string {
  return dir === DEFAULT_DIR ? '' : ` --dir ${shellQuote(dir)}`;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}

/** Progress as plain lines on stderr: a person is watching `up`, not a log collector. */
function progressLogger(): Logger {
  return pino(
    { level: 'info' },
    {
      write(line: string) {
        const entry = JSON.parse(line) as { msg?: string; ms?: number };
        const took = entry.ms === undefined ? '' : ` (${(entry.ms / 1000).toFixed(1)} s)`;
        process.stderr.write(`[dev-cluster] ${entry.msg ?? ''}${took}\n`);
      },
    },
  );
}
