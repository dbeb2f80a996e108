import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeDir, markOwner, processStartTime, sweepStaleNodeDirs } from './real-node-dir.js';

let parent: string;
beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'wirespeed-nodedirs-'));
});
afterEach(() => rmSync(parent, { recursive: true, force: true }));

/** The pid of a process that has exited and been reaped. */
function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

describe('sweepStaleNodeDirs', () => {
  it('removes node directories whose owner exited and keeps live, unowned and foreign ones', () => {
    const dead = join(parent, 'wsnode-dead');
    const live = join(parent, 'wsnode-live');
    const unowned = join(parent, 'wsnode-new');
    const reused = join(parent, 'wsnode-reused');
    const foreign = join(parent, 'other-dir');
    for (const d of [dead, live, unowned, reused, foreign]) mkdirSync(d);
    markOwner(dead, deadPid());
    markOwner(live);
    markOwner(foreign, deadPid());
    // Our pid, but a start time of another process that had it before.
    writeFileSync(join(reused, 'owner'), `${process.pid} 1\n`);
    expect(sweepStaleNodeDirs(parent).sort()).toEqual([dead, reused]);
    expect([dead, live, unowned, reused, foreign].map(existsSync)).toEqual([false, true, true, false, true]);
  });

  it('returns nothing for a parent that does not exist', () => {
    expect(sweepStaleNodeDirs(join(parent, 'missing'))).toEqual([]);
  });
});

describe('processStartTime', () => {
  it('reads a live process and nothing for an exited one', () => {
    expect(processStartTime(process.pid)).toMatch(/^\d+$/);
    expect(processStartTime(deadPid())).toBeUndefined();
  });
});

describe('createNodeDir', () => {
  it('lays out a given empty directory, records the owner, and removes it', () => {
    const dir = join(parent, 'n1');
    const made = createNodeDir(dir);
    expect(made.dir).toBe(dir);
    expect(made.swept).toEqual([]);
    expect(existsSync(join(dir, 'kubelet', 'device-plugins'))).toBe(true);
    expect(existsSync(join(dir, 'logs'))).toBe(true);
    expect(readFileSync(join(dir, 'owner'), 'utf8')).toBe(
      `${process.pid} ${processStartTime(process.pid)}\n`,
    );
    made.remove();
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses a directory that holds something', () => {
    const dir = join(parent, 'full');
    mkdirSync(dir);
    writeFileSync(join(dir, 'x'), '');
    expect(() => createNodeDir(dir)).toThrow(
      `node directory ${dir} is not empty; remove it or choose another`,
    );
  });

  it('refuses a path too long for the sockets inside it', () => {
    const dir = join(parent, 'x'.repeat(60));
    expect(() => createNodeDir(dir)).toThrow(
      `node directory ${dir} is longer than 60 characters: its sockets would not bind (choose a shorter dir or TMPDIR)`,
    );
  });
});
