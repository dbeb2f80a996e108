import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { disownDirectory, ownDirectory } from './process.js';
import { nodePaths } from './real-node-config.js';

/** Temporary node directories are named `<prefix>XXXXXX` under the temporary directory. */
export const NODE_DIR_PREFIX = 'wsnode-';
const OWNER_FILE = 'owner';
/** A unix socket path longer than 107 bytes fails to bind; plugin sockets in the directory need room too. */
const MAX_DIR_LENGTH = 60;

/**
 * A node directory with its layout created, owned by this process (removed if it exits without `stop()`).
 * `dir` must be absent or empty, as `remove()` deletes it; by default a fresh temporary directory, after
 * removing those that processes killed earlier left behind. Returns the directories removed that way.
 */
export function createNodeDir(dir?: string): { dir: string; remove: () => void; swept: string[] } {
  const swept = dir ? [] : sweepStaleNodeDirs(tmpdir());
  // mkdtemp adds six characters to the prefix.
  if (!dir) checkLength(`${join(tmpdir(), NODE_DIR_PREFIX)}XXXXXX`);
  const abs = dir ? prepareGivenDir(dir) : mkdtempSync(join(tmpdir(), NODE_DIR_PREFIX));
  ownDirectory(abs);
  markOwner(abs);
  const p = nodePaths(abs);
  for (const d of [p.devicePluginDir, p.certDir, p.logsDir, p.runtimeFs, p.podLogs, p.volumePlugins]) {
    mkdirSync(d, { recursive: true });
  }
  const remove = (): void => {
    rmSync(abs, { recursive: true, force: true, maxRetries: 3 });
    disownDirectory(abs);
  };
  return { dir: abs, remove, swept };
}

function checkLength(abs: string): void {
  if (abs.length > MAX_DIR_LENGTH) {
    throw new Error(
      `node directory ${abs} is longer than ${MAX_DIR_LENGTH} characters: its sockets would not bind (choose a shorter dir or TMPDIR)`,
    );
  }
}

function prepareGivenDir(dir: string): string {
  const abs = resolve(dir);
  checkLength(abs);
  if (existsSync(abs) && readdirSync(abs).length > 0) {
    throw new Error(`node directory ${abs} is not empty; remove it or choose another`);
  }
  mkdirSync(abs, { recursive: true });
  return abs;
}

/**
 * Records which process owns a node directory, as pid and start time (a pid alone can be reused). A process
 * killed by SIGKILL takes its kubelet and fakecri with it (parent-death signal) but cannot remove the
 * directory; the next `startRealNode` does, seeing that the owner is gone.
 */
export function markOwner(dir: string, pid = process.pid): void {
  writeFileSync(join(dir, OWNER_FILE), `${pid} ${processStartTime(pid) ?? ''}\n`);
}

/** Removes `<parent>/wsnode-*` directories whose owner has exited; returns the ones removed. */
export function sweepStaleNodeDirs(parent: string): string[] {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(NODE_DIR_PREFIX)) continue;
    const dir = join(parent, name);
    const owner = readOwner(dir);
    // No owner file: being created right now, or not ours; leave it.
    if (!owner || ownerAlive(owner)) continue;
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    removed.push(dir);
  }
  return removed;
}

interface Owner {
  pid: number;
  startTime: string;
}

function readOwner(dir: string): Owner | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, OWNER_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const [pid, startTime = ''] = text.trim().split(' ');
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 ? { pid: n, startTime } : undefined;
}

function ownerAlive(owner: Owner): boolean {
  const now = processStartTime(owner.pid);
  if (now === undefined) return false;
  return owner.startTime === '' || owner.startTime === now;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), read after the `(comm)` field. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); a zombie has exited and owns nothing any more.
  if (fields[0] === 'Z') return undefined;
  return fields[19];
}
