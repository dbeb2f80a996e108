import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ComponentName } from './controlplane.js';

/** What `wirespeed dev-cluster up` leaves behind so later commands can find the detached processes. */
export interface DevClusterState {
  server: string;
  kubeconfigPath: string;
  logsDir: string;
  startedAt: string;
  components: { name: ComponentName; pid: number }[];
}

export const stateFile = (dir: string): string => join(dir, 'dev-cluster.json');

export function readState(dir: string): DevClusterState | undefined {
  const file = stateFile(dir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as DevClusterState;
}

export function writeState(dir: string, state: DevClusterState): void {
  writeFileSync(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`);
}

/** Alive and still the program we started: a pid recycled by an unrelated process does not count. */
export function isRunning(pid: number, name: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.split('\0')[0]?.endsWith(`/${name}`) ?? false;
  } catch {
    // No /proc (not Linux): the signal check is all there is.
    return true;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`, for a process that is not our child (so no exit event). */
export async function terminate(pid: number, name: string, graceMs = 5000): Promise<void> {
  const deadline = Date.now() + graceMs;
  send(pid, 'SIGTERM');
  while (isRunning(pid, name)) {
    if (Date.now() >= deadline) {
      send(pid, 'SIGKILL');
      while (isRunning(pid, name)) await sleep(20);
      return;
    }
    await sleep(50);
  }
}

function send(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
