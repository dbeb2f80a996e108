import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostError } from './host.js';
import { rootedHost } from './rooted-host.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirespeed-host-'));
  await mkdir(join(dir, 'sys/devices/a'), { recursive: true });
  await mkdir(join(dir, 'sys/bus'), { recursive: true });
  await writeFile(join(dir, 'sys/devices/a/attr'), '7\n');
  await symlink('../devices/a', join(dir, 'sys/bus/a'));
  await symlink('../devices/missing', join(dir, 'sys/bus/dangling'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('rootedHost', () => {
  it('reads, lists, follows links under the root and answers host-absolute paths', async () => {
    const host = rootedHost(dir);
    expect(await host.read('/sys/bus/a/attr')).toBe('7\n');
    expect(await host.read('/sys/bus/a/none')).toBeUndefined();
    expect(await host.read('/sys/bus/a/attr/below')).toBeUndefined();
    expect(await host.readdir('/sys/bus')).toEqual(['a', 'dangling']);
    expect(await host.readdir('/sys/none')).toEqual([]);
    expect(await host.readlink('/sys/bus/a')).toBe('../devices/a');
    expect(await host.readlink('/sys/devices/a/attr')).toBeUndefined();
    expect(await host.realpath('/sys/bus/a/attr')).toBe('/sys/devices/a/attr');
    expect(await host.realpath('/sys/bus/dangling')).toBeUndefined();
    expect(await host.exists('/sys/bus/a')).toBe(true);
    expect(await host.exists('/sys/bus/dangling')).toBe(false);
  });

  it('keeps paths inside the root and refuses relative ones', async () => {
    const host = rootedHost(dir);
    expect(await host.read('/../../sys/devices/a/attr')).toBe('7\n');
    await expect(host.read('sys/devices/a/attr')).rejects.toThrow(
      'host path sys/devices/a/attr is not absolute',
    );
  });

  it('writes in one write and reports the errno of a failed write', async () => {
    const host = rootedHost(dir);
    await host.write('/sys/devices/a/attr', '8');
    expect(await readFile(join(dir, 'sys/devices/a/attr'), 'utf8')).toBe('8');
    const err = await host.write('/sys/none/attr', '1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).code).toBe('ENOENT');
    expect((err as HostError).path).toBe('/sys/none/attr');
  });

  it('at root / paths are the machine paths', async () => {
    const host = rootedHost('/');
    expect(host.root).toBe('/');
    expect(await host.realpath('/')).toBe('/');
    expect(await host.exists(join(dir, 'sys/devices/a/attr'))).toBe(true);
  });
});
