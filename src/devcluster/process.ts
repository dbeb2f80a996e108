import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readSync, rmSync, statSync } from 'node:fs';

/** One control-plane binary running as a child process, its output going to a log file. */
export interface Component {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Set once the process has exited. */
  readonly exitStatus: () => ExitStatus | undefined;
  readonly exited: Promise<ExitStatus>;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  logPath: string;
  /** A new process group that survives this process; the caller releases it once it is ready. */
  detached?: boolean;
}

/**
 * Every child this process started and still owns. The exit and signal handlers kill them so that a failed
 * or interrupted test run leaves no kube-apiserver behind.
 */
const owned = new Map<number, ChildProcess>();
/** Temporary state directories to remove when this process exits without an orderly stop. */
const ownedDirs = new Set<string>();
let handlersInstalled = false;

export function spawnComponent(opts: SpawnOptions): Component {
  installExitHandlers();
  const log = openSync(opts.logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(opts.command, opts.args, {
      stdio: ['ignore', log, log],
      detached: opts.detached ?? false,
      env: childEnv(),
    });
  } finally {
    closeSync(log);
  }
  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      status = { code, signal };
      if (child.pid !== undefined) owned.delete(child.pid);
      resolve(status);
    });
    // A spawn failure (missing binary) emits 'error' and possibly no 'exit'.
    child.once('error', (err) => {
      status ??= { code: -1, signal: null };
      if (child.pid !== undefined) owned.delete(child.pid);
      appendNote(opts.logPath, `failed to start ${opts.command}: ${err.message}`);
      resolve(status);
    });
  });
  if (child.pid === undefined) {
    // spawn() reports ENOENT asynchronously; the pid is missing in that case.
    return { name: opts.name, pid: -1, logPath: opts.logPath, exitStatus: () => status, exited };
  }
  owned.set(child.pid, child);
  return { name: opts.name, pid: child.pid, logPath: opts.logPath, exitStatus: () => status, exited };
}

/** Hands a detached child over to nobody: it keeps running after this process exits. */
export function releaseComponent(component: Component): void {
  const child = owned.get(component.pid);
  if (!child) return;
  owned.delete(component.pid);
  child.unref();
}

export function ownDirectory(dir: string): void {
  installExitHandlers();
  ownedDirs.add(dir);
}

export function disownDirectory(dir: string): void {
  ownedDirs.delete(dir);
}

/** SIGTERM, then SIGKILL after `graceMs` (at once if 0); resolves once the process has exited. */
export async function stopComponent(component: Component, graceMs = 3000): Promise<void> {
  if (component.exitStatus() || component.pid < 0) return;
  signal(component.pid, graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  const timer = setTimeout(() => signal(component.pid, 'SIGKILL'), graceMs);
  try {
    await component.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** The last `lines` lines of a component's log, for error messages. */
export function logTail(logPath: string, lines = 30): string {
  let text: string;
  try {
    // Only the end matters, and an apiserver log can be large.
    const size = statSync(logPath).size;
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    const fd = openSync(logPath, 'r');
    try {
      readSync(fd, buf, 0, length, size - length);
    } finally {
      closeSync(fd);
    }
    text = buf.toString('utf8');
  } catch {
    return '(no log)';
  }
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n') || '(empty log)';
}

export function describeExit(status: ExitStatus): string {
  return status.signal ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
}

/** Loopback traffic must never go through a proxy set for the outside world. */
function childEnv(): NodeJS.ProcessEnv {
  const noProxy = ['127.0.0.1', 'localhost', process.env.NO_PROXY ?? process.env.no_proxy]
    .filter((s): s is string => Boolean(s))
    .join(',');
  return { ...process.env, NO_PROXY: noProxy, no_proxy: noProxy };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function appendNote(logPath: string, note: string): void {
  try {
    appendFileSync(logPath, `${note}\n`);
  } catch {
    // the log is best effort
  }
}

function killOwnedNow(): void {
  for (const pid of owned.keys()) signal(pid, 'SIGKILL');
  owned.clear();
  for (const dir of ownedDirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // a child may still be writing; nothing more can be done while exiting
    }
  }
  ownedDirs.clear();
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killOwnedNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killOwnedNow();
      // Keep the default "die on signal" unless someone else (a test runner) handles the signal.
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}
