/**
 * Writes simulated sysfs entries under a directory: directories first, then files and links with bounded
 * concurrency. Link targets become relative to the link's directory, as the kernel's are, so the tree works
 * wherever it is mounted (a test's temporary directory, `/host` in a container).
 */
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { posix, resolve } from 'node:path';
import type { SimEntry } from './entries.js';

const CONCURRENCY = 32;

const rooted = (root: string) => {
  const base = resolve(root).replace(/\/$/, '');
  return (path: string) => base + path;
};

export async function writeEntries(root: string, entries: readonly SimEntry[]): Promise<void> {
  const under = rooted(root);
  const dirs = new Set<string>();
  for (const entry of entries) dirs.add(entry.kind === 'dir' ? entry.path : posix.dirname(entry.path));
  // Creating the deepest directories creates their parents; sorting keeps parents first for mkdir's sake.
  for (const path of [...dirs].sort()) await mkdir(under(path), { recursive: true });
  const leaves = entries.filter((e) => e.kind !== 'dir');
  await eachBounded(leaves, async (entry) => {
    if (entry.kind === 'file') await writeFile(under(entry.path), entry.content);
    else if (entry.kind === 'link') {
      await rm(under(entry.path), { force: true });
      await symlink(posix.relative(posix.dirname(entry.path), entry.target), under(entry.path));
    }
  });
}

/** Removes files, links and directories (recursively); missing ones are fine. */
export async function removePaths(root: string, paths: readonly string[]): Promise<void> {
  const under = rooted(root);
  await eachBounded(paths, (path) => rm(under(path), { recursive: true, force: true }));
}

async function eachBounded<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}
