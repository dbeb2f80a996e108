import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './binaries.js';
import { type Component, describeExit, logTail, spawnComponent, stopComponent } from './process.js';
import { kubeletArgs, nodePaths } from './real-node-config.js';
import { parentDeathPrefix } from './real-node-support.js';
import { waitFor } from './wait.js';

/** fakecri stops at once on SIGTERM; this is only a bound. */
const FAKECRI_GRACE_MS = 2000;

/**
 * The two processes of a real node: fakecri on the host, and the kubelet in its own mount namespace. Both are
 * owned children (killed when this process exits) and, where setpriv can, get a parent-death SIGKILL, so
 * not even a SIGKILL of this process leaves them running.
 */
export class NodeProcesses {
  private kubelet: Component | undefined;
  private fakecri: Component | undefined;
  private readonly paths: ReturnType<typeof nodePaths>;

  constructor(
    private readonly name: string,
    private readonly dir: string,
    private readonly binDir: string,
  ) {
    this.paths = nodePaths(dir);
  }

  async startFakeCri(): Promise<void> {
    const p = this.paths;
    this.fakecri = spawnComponent({
      name: `fakecri (node ${this.name})`,
      ...withParentDeath(join(this.binDir, 'fakecri'), [
        `-listen=unix://${p.criSocket}`,
        `-record=${p.criRecord}`,
        `-fs-dir=${p.runtimeFs}`,
      ]),
      logPath: join(p.logsDir, 'fakecri.log'),
    });
    await waitFor(
      `fakecri of node ${this.name} to listen`,
      async () => (existsSync(p.criSocket) ? true : undefined),
      { timeoutMs: 10_000, abortIf: () => this.dead() },
    );
  }

  startKubelet(): Component {
    const script = join(repoRoot(), 'src', 'devcluster', 'node-namespace.sh');
    const kubelet = join(this.binDir, 'kubelet');
    this.kubelet = spawnComponent({
      name: `kubelet (node ${this.name})`,
      // unshare and the script both exec: the pid is the kubelet's, and its exit ends the namespace.
      ...withParentDeath('unshare', [
        '-m',
        '--propagation',
        'private',
        script,
        this.dir,
        '--',
        kubelet,
        ...kubeletArgs(this.dir, this.name),
      ]),
      logPath: join(this.paths.logsDir, 'kubelet.log'),
    });
    return this.kubelet;
  }

  /** An error quoting the log of whichever process has exited, for waits to end on. */
  dead(): Error | undefined {
    for (const c of [this.fakecri, this.kubelet]) {
      const status = c?.exitStatus();
      if (c && status) {
        return new Error(
          `${c.name} ${describeExit(status)}; last lines of ${c.logPath}:\n${logTail(c.logPath)}`,
        );
      }
    }
    return undefined;
  }

  kubeletLogTail(): string {
    return `last lines of ${this.paths.logsDir}/kubelet.log:\n${logTail(join(this.paths.logsDir, 'kubelet.log'))}`;
  }

  async stopKubelet(graceMs: number): Promise<void> {
    if (this.kubelet) await stopComponent(this.kubelet, graceMs);
  }

  async stopAll(graceMs: number): Promise<void> {
    await this.stopKubelet(graceMs);
    if (this.fakecri) await stopComponent(this.fakecri, Math.min(graceMs, FAKECRI_GRACE_MS));
  }

  pids(): { kubelet?: number; fakecri?: number } {
    const live = (c: Component | undefined): c is Component => c !== undefined && !c.exitStatus();
    return {
      ...(live(this.kubelet) ? { kubelet: this.kubelet.pid } : {}),
      ...(live(this.fakecri) ? { fakecri: this.fakecri.pid } : {}),
    };
  }
}

function withParentDeath(command: string, args: string[]): { command: string; args: string[] } {
  const [first, ...rest] = parentDeathPrefix();
  return first === undefined ? { command, args } : { command: first, args: [...rest, command, ...args] };
}
