/**
 * Where the applier's blocking host writes go. Linux may block a sysfs write for minutes (i40e creating VFs,
 * mlx5 in a firmware error state) and a blocked write would pin one of libuv's four threads; so production
 * writes run in child processes (`childWriters`): a small pool, one write per child at a time, each with a
 * timeout after which that child is killed and replaced and the write fails with ETIMEDOUT. The agent keeps
 * its threads whatever the kernel does. `directWriter` writes through a `Host` in-process (pure unit tests).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Host, HostError } from '../host/host.js';

export interface Writer {
  /** One write; the kernel's errno as a `HostError` (ETIMEDOUT when it did not return in time). */
  write(path: string, data: string): Promise<void>;
  /** Creates vDPA device `name` on VF `vf` (`vdpa dev add name <name> mgmtdev pci/<vf>`). */
  vdpaAdd(name: string, vf: string): Promise<void>;
  vdpaDel(name: string): Promise<void>;
  close(): Promise<void>;
}

export type WriteRequest =
  | { op: 'write'; path: string; data: string }
  | { op: 'vdpaAdd'; name: string; vf: string }
  | { op: 'vdpaDel'; name: string };

export interface VdpaOps {
  vdpaAdd(name: string, vf: string): Promise<void>;
  vdpaDel(name: string): Promise<void>;
}

export function directWriter(host: Host, vdpa: VdpaOps): Writer {
  return {
    write: (path, data) => host.write(path, data),
    vdpaAdd: (name, vf) => vdpa.vdpaAdd(name, vf),
    vdpaDel: (name) => vdpa.vdpaDel(name),
    close: async () => undefined,
  };
}

export interface ChildWritersOptions {
  /** The host root the children write under (`/` in production, a simulated host's directory in tests). */
  root: string;
  /** A write that has not returned by then is abandoned: its child is killed. */
  timeoutMs: number;
  /** Children (writes in flight) at most. */
  size: number;
  /** A child idle this long exits (default 10 s): the agent holds no writer processes between applies. */
  idleMs?: number;
}

interface Worker {
  child: ChildProcess;
  busy: boolean;
  idleTimer?: NodeJS.Timeout;
}

const CHILD = (() => {
  const ts = import.meta.url.endsWith('.ts');
  return {
    path: fileURLToPath(new URL(ts ? './writer-child.ts' : './writer-child.js', import.meta.url)),
    execArgv: ts ? ['--import', 'tsx'] : [],
  };
})();

const describe = (r: WriteRequest) =>
  r.op === 'write' ? r.path : r.op === 'vdpaAdd' ? `vdpa dev add ${r.name}` : `vdpa dev del ${r.name}`;

export function childWriters(opts: ChildWritersOptions): Writer & { children(): number } {
  const idle: Worker[] = [];
  const all = new Set<Worker>();
  const waiting: ((w: Worker) => void)[] = [];
  let nextId = 0;
  let closed = false;

  const spawn = (): Worker => {
    const child = fork(CHILD.path, [opts.root], {
      execArgv: CHILD.execArgv,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'json',
    });
    const worker: Worker = { child, busy: false };
    all.add(worker);
    child.on('exit', () => {
      all.delete(worker);
      const at = idle.indexOf(worker);
      if (at >= 0) idle.splice(at, 1);
    });
    child.unref();
    child.channel?.unref();
    return worker;
  };
  const acquire = (): Promise<Worker> => {
    const ready = idle.pop();
    if (ready) {
      clearTimeout(ready.idleTimer);
      return Promise.resolve(ready);
    }
    if (all.size < opts.size) return Promise.resolve(spawn());
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (w: Worker) => {
    w.busy = false;
    w.child.channel?.unref();
    const next = waiting.shift();
    if (next) next(all.has(w) ? w : spawn());
    else if (all.has(w)) {
      idle.push(w);
      w.idleTimer = setTimeout(() => {
        const at = idle.indexOf(w);
        if (at >= 0) idle.splice(at, 1);
        all.delete(w);
        w.child.kill();
      }, opts.idleMs ?? 10_000);
      w.idleTimer.unref();
    }
  };

  const run = async (request: WriteRequest): Promise<void> => {
    if (closed) throw new HostError('ECANCELED', describe(request), 'the writer is closed');
    const w = await acquire();
    w.busy = true;
    w.child.channel?.ref();
    const id = nextId++;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          w.child.kill('SIGKILL');
          all.delete(w);
          const ms = opts.timeoutMs;
          reject(
            new HostError(
              'ETIMEDOUT',
              describe(request),
              `${describe(request)} did not return within ${ms} ms; its writer was killed`,
            ),
          );
        }, opts.timeoutMs);
        const onMessage = (m: { id: number; error?: { code: string; message: string } }) => {
          if (m.id !== id) return;
          done();
          if (m.error) reject(new HostError(m.error.code, describe(request), m.error.message));
          else resolve();
        };
        const onExit = (code: number | null, signal: string | null) => {
          done();
          reject(
            new HostError(
              'EIO',
              describe(request),
              `the writer exited (${signal ?? code}) during ${describe(request)}`,
            ),
          );
        };
        const done = () => {
          clearTimeout(timer);
          w.child.off('message', onMessage);
          w.child.off('exit', onExit);
        };
        w.child.on('message', onMessage);
        w.child.on('exit', onExit);
        w.child.send({ id, ...request });
      });
    } finally {
      release(w);
    }
  };

  return {
    write: (path, data) => run({ op: 'write', path, data }),
    vdpaAdd: (name, vf) => run({ op: 'vdpaAdd', name, vf }),
    vdpaDel: (name) => run({ op: 'vdpaDel', name }),
    /** Writer processes alive now. */
    children: () => all.size,
    async close() {
      closed = true;
      for (const w of all) {
        clearTimeout(w.idleTimer);
        w.child.kill('SIGKILL');
      }
      all.clear();
      idle.length = 0;
    },
  };
}
