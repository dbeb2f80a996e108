/**
 * The `Host` of a real machine, or of a simulated host's directory: host-absolute paths joined under `root`.
 * sysfs links are relative, so they resolve inside the root too (a container's `/host` mount, a test's
 * temporary directory).
 */
import { open, readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { posix, resolve } from 'node:path';
import { type Host, HostError } from './host.js';

/** Errors that mean "no value here" for a read (see `Host.read`). */
const NOTHING_TO_READ = new Set(['ENOENT', 'ENOTDIR', 'EINVAL', 'ENODEV', 'ENXIO']);
const NOT_THERE = new Set(['ENOENT', 'ENOTDIR']);

export function rootedHost(root: string): Host {
  const base = resolve(root);
  const prefix = base === '/' ? '' : base;
  const at = (path: string): string => {
    if (!path.startsWith('/')) throw new HostError('EINVAL', path, `host path ${path} is not absolute`);
    const clean = posix.normalize(path);
    return prefix + (clean === '/' ? (prefix ? '' : '/') : clean);
  };
  const fail = (err: unknown, path: string, what: string): HostError => {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    return new HostError(code, path, `cannot ${what} ${path}: ${(err as Error).message}`);
  };
  const codeOf = (err: unknown) => (err as NodeJS.ErrnoException).code ?? '';

  return {
    root: base,
    async read(path) {
      const real = at(path);
      try {
        return await readFile(real, 'utf8');
      } catch (err) {
        if (NOTHING_TO_READ.has(codeOf(err))) return undefined;
        throw fail(err, path, 'read');
      }
    },
    async write(path, data) {
      // One write() on the open file, as sysfs attributes take their value from a single write.
      const real = at(path);
      let handle: Awaited<ReturnType<typeof open>> | undefined;
      try {
        handle = await open(real, 'w');
        await handle.write(data);
      } catch (err) {
        throw fail(err, path, 'write');
      } finally {
        await handle?.close().catch(() => undefined);
      }
    },
    async readlink(path) {
      const real = at(path);
      try {
        return await readlink(real);
      } catch (err) {
        if (NOT_THERE.has(codeOf(err)) || codeOf(err) === 'EINVAL') return undefined;
        throw fail(err, path, 'read the link');
      }
    },
    async readdir(path) {
      const real = at(path);
      try {
        return (await readdir(real)).sort();
      } catch (err) {
        if (NOT_THERE.has(codeOf(err))) return [];
        throw fail(err, path, 'list');
      }
    },
    async exists(path) {
      const real = at(path);
      try {
        await stat(real);
        return true;
      } catch (err) {
        if (NOT_THERE.has(codeOf(err)) || codeOf(err) === 'ELOOP') return false;
        throw fail(err, path, 'stat');
      }
    },
    async realpath(path) {
      const under = at(path);
      try {
        const real = await realpath(under);
        if (!prefix) return real;
        return real === prefix ? '/' : real.startsWith(`${prefix}/`) ? real.slice(prefix.length) : undefined;
      } catch (err) {
        if (NOT_THERE.has(codeOf(err)) || codeOf(err) === 'ELOOP') return undefined;
        throw fail(err, path, 'resolve');
      }
    },
  };
}
