import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePorts } from './ports.js';
import { describeExit, logTail, spawnComponent, stopComponent } from './process.js';
import { waitFor } from './wait.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('spawnComponent and stopComponent', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wirespeed-process-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('sends stdout and stderr to the log file and reports the exit', async () => {
    const logPath = join(dir, 'c.log');
    const c = spawnComponent({
      name: 'c',
      command: 'sh',
      args: ['-c', 'echo out; echo err >&2; exit 4'],
      logPath,
    });
    const status = await c.exited;
    expect(describeExit(status)).toBe('exited with code 4');
    expect(logTail(logPath).split('\n').sort()).toEqual(['err', 'out']);
  });

  it('passes NO_PROXY for loopback to the child', async () => {
    const logPath = join(dir, 'env.log');
    const c = spawnComponent({ name: 'env', command: 'sh', args: ['-c', 'echo "$NO_PROXY"'], logPath });
    await c.exited;
    expect(logTail(logPath).split(',')).toEqual(expect.arrayContaining(['127.0.0.1', 'localhost']));
  });

  it('kills a child that ignores SIGTERM once the grace period is over', async () => {
    const c = spawnComponent({
      name: 'stubborn',
      command: 'sh',
      args: ['-c', 'trap "" TERM; echo ready; while :; do sleep 0.05; done'],
      logPath: join(dir, 'stubborn.log'),
    });
    // Only once the trap is set does the child really ignore SIGTERM.
    await waitFor('the child to trap SIGTERM', async () =>
      logTail(c.logPath) === 'ready' ? true : undefined,
    );
    expect(alive(c.pid)).toBe(true);
    await stopComponent(c, 200);
    expect(c.exitStatus()?.signal).toBe('SIGKILL');
    expect(alive(c.pid)).toBe(false);
  });

  it('reports a binary that cannot be started as an exit, with the reason in the log', async () => {
    const logPath = join(dir, 'missing.log');
    const c = spawnComponent({ name: 'missing', command: join(dir, 'no-such-binary'), args: [], logPath });
    await c.exited;
    expect(c.exitStatus()).toEqual({ code: -1, signal: null });
    expect(logTail(logPath)).toMatch(/failed to start .*no-such-binary: .*ENOENT/);
  });
});

describe('logTail', () => {
  it('keeps only the last lines of a long log', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirespeed-tail-'));
    try {
      const logPath = join(dir, 'long.log');
      writeFileSync(logPath, `${Array.from({ length: 100_000 }, (_, i) => `line ${i}`).join('\n')}\n`);
      expect(logTail(logPath, 3)).toBe('line 99997\nline 99998\nline 99999');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says so when there is no log', () => {
    expect(logTail('/nonexistent/wirespeed.log')).toBe('(no log)');
  });
});

describe('freePorts', () => {
  it('returns distinct loopback ports', async () => {
    const ports = await freePorts(3);
    expect(new Set(ports).size).toBe(3);
    for (const port of ports) expect(port).toBeGreaterThan(0);
  });
});

describe('when the owning process ends without stop()', () => {
  const processModule = join(import.meta.dirname, 'process.ts');

  /** A Node process that owns a long-running child and a state directory, then ends as `ending` says. */
  async function ownerThatEnds(
    ending: 'SIGTERM' | 'SIGINT' | 'exit',
  ): Promise<{ childPid: number; dir: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'wirespeed-owner-'));
    const script = join(dir, 'owner.mts');
    writeFileSync(
      script,
      `import { ownDirectory, spawnComponent } from ${JSON.stringify(processModule)};
const c = spawnComponent({ name: 'sleeper', command: 'sleep', args: ['600'], logPath: ${JSON.stringify(join(dir, 'sleeper.log'))} });
ownDirectory(${JSON.stringify(dir)});
console.log(c.pid);
${ending === 'exit' ? 'setTimeout(() => process.exit(1), 50);' : 'setInterval(() => {}, 1000);'}
`,
    );
    const owner = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const childPid = await new Promise<number>((resolve, reject) => {
      owner.stdout.setEncoding('utf8').once('data', (line: string) => resolve(Number(line.trim())));
      owner.once('exit', (code) => reject(new Error(`owner exited with ${code} before starting its child`)));
    });
    if (ending !== 'exit') owner.kill(ending);
    await new Promise((resolve) => (owner.exitCode === null ? owner.once('exit', resolve) : resolve(null)));
    return { childPid, dir };
  }

  it.concurrent.each(['SIGTERM', 'SIGINT', 'exit'] as const)(
    'kills its children and removes its state on %s',
    async (ending) => {
      const { childPid, dir } = await ownerThatEnds(ending);
      expect(Number.isInteger(childPid)).toBe(true);
      await waitFor(`sleep (pid ${childPid}) to be gone`, async () => (alive(childPid) ? undefined : true), {
        timeoutMs: 5000,
      });
      expect(existsSync(dir)).toBe(false);
    },
  );
});
