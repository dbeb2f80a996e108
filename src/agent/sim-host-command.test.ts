import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../test/support/cli.js';
import { rootedHost } from './host/rooted-host.js';
import { simHostCommand } from './sim-host-command.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirespeed-simcmd-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli('sim-host', 'create', ...args);

describe('wirespeed sim-host create', () => {
  it('builds the host, PFs round-robin over NUMA nodes, VFs with --numvfs, and says what it built', async () => {
    const host = join(dir, 'h');
    const got = await cli(
      host,
      '--pfs',
      '3',
      '--vfs',
      '8',
      '--numa',
      '2',
      '--numvfs',
      '2',
      '--vendor',
      'mellanox',
    );
    expect(got).toEqual({
      code: 0,
      stderr: '',
      stdout:
        `simulated host in ${host}: 3 PFs (mellanox 15b3:101d on mlx5_core, VFs 101e on mlx5_core), sriov_totalvfs 8, 2 VFs created per PF, 2 NUMA nodes\n` +
        '  0000:18:00.0  enp24s0f0  NUMA node 0\n' +
        '  0000:1a:00.0  enp26s0f0  NUMA node 1\n' +
        '  0000:1c:00.0  enp28s0f0  NUMA node 0\n',
    });
    const h = rootedHost(host);
    expect((await h.readdir('/sys/bus/pci/devices')).length).toBe(9);
    expect(await h.read('/sys/bus/pci/devices/0000:1c:00.0/numa_node')).toBe('0\n');
  });

  it('exits 2 on bad flags and on a non-empty directory; --force replaces a simulated host', async () => {
    expect((await cli(dir, '--pfs', 'x')).code).toBe(2);
    expect((await cli(dir, '--vfs', '300')).code).toBe(2);
    expect((await cli(dir, '--vendor', 'broadcom')).code).toBe(2);
    const tooMany = await cli(dir, '--vfs', '4', '--numvfs', '5');
    expect([tooMany.code, tooMany.stderr]).toEqual([
      2,
      "wirespeed: --numvfs 5 is more than --vfs 4 (each PF's sriov_totalvfs)\n",
    ]);
    expect((await cli(dir, '--pfs', '1')).code).toBe(0);
    const again = await cli(dir, '--pfs', '2');
    expect([again.code, again.stderr]).toEqual([
      2,
      `wirespeed: ${dir} is not empty; choose an empty directory, or pass --force to replace\n`,
    ]);
    expect((await cli(dir, '--pfs', '2', '--force')).code).toBe(0);
    await writeFile(join(dir, 'mine.txt'), 'keep');
    expect((await cli(dir, '--force')).code).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['dev', 'mine.txt', 'sys', 'wirespeed-sim']);
  });

  it('documents its flags with examples', () => {
    let help = '';
    const create = simHostCommand().commands.find((c) => c.name() === 'create')!;
    create.configureOutput({ writeOut: (t) => (help += t) }).outputHelp();
    for (const text of [
      '--pfs <n>',
      '--vfs <n>',
      '--numa <n>',
      '--vendor <vendor>',
      '--numvfs <n>',
      '--force',
    ])
      expect(help).toContain(text);
    expect(help).toContain('wirespeed sim-host create /tmp/host --pfs 4 --vfs 16 --numa 2');
  });
});
