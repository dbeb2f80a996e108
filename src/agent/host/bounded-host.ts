/**
 * A `Host` with at most `limit` calls in flight: discovery fans out over every attribute of every device, and
 * this keeps the open file handles and the libuv queue bounded however many devices a host has.
 */
import type { Host } from './host.js';

export function boundedHost(host: Host, limit: number): Host {
  let active = 0;
  const waiting: (() => void)[] = [];
  const run = async <T>(call: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await call();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
  return {
    root: host.root,
    read: (p) => run(() => host.read(p)),
    write: (p, d) => run(() => host.write(p, d)),
    readlink: (p) => run(() => host.readlink(p)),
    readdir: (p) => run(() => host.readdir(p)),
    exists: (p) => run(() => host.exists(p)),
    realpath: (p) => run(() => host.realpath(p)),
  };
}
