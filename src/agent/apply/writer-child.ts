/**
 * One writer process of `childWriters`: takes `{ id, op, ... }` messages over IPC, performs each through the
 * `Host` of its root, and answers `{ id }` or `{ id, error }`. The root of a simulated host (it holds the
 * simulator's layout file; never `/`) gets the simulated kernel's `Host`, so its writes react as Linux's do;
 * any other root is written as it is. vDPA devices are made with iproute2's `vdpa` on a real host.
 */
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Host } from '../host/host.js';
import { rootedHost } from '../host/rooted-host.js';
import type { VdpaOps, WriteRequest } from './writer.js';

const SIM_LAYOUT_FILE = '/wirespeed-sim/layout.json';

async function hostFor(root: string): Promise<{ host: Host; vdpa: VdpaOps }> {
  const base = resolve(root);
  const simulated =
    base !== '/' &&
    (await access(base + SIM_LAYOUT_FILE).then(
      () => true,
      () => false,
    ));
  if (simulated) {
    const { kernelHost } = await import('../host/simulated/kernel.js');
    const { vdpaAdd, vdpaDel } = await import('../host/simulated/kernel-vdpa.js');
    return {
      host: kernelHost(base),
      vdpa: { vdpaAdd: (name, vf) => vdpaAdd(base, name, vf), vdpaDel: (name) => vdpaDel(base, name) },
    };
  }
  const run = promisify(execFile);
  return {
    host: rootedHost(base),
    vdpa: {
      vdpaAdd: async (name, vf) =>
        void (await run('vdpa', ['dev', 'add', 'name', name, 'mgmtdev', `pci/${vf}`])),
      vdpaDel: async (name) => void (await run('vdpa', ['dev', 'del', name])),
    },
  };
}

const ready = hostFor(process.argv[2] ?? '/');

process.on('message', async (m: { id: number } & WriteRequest) => {
  try {
    const { host, vdpa } = await ready;
    if (m.op === 'write') await host.write(m.path, m.data);
    else if (m.op === 'vdpaAdd') await vdpa.vdpaAdd(m.name, m.vf);
    else await vdpa.vdpaDel(m.name);
    process.send?.({ id: m.id });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    process.send?.({ id: m.id, error: { code: e.code ?? 'EIO', message: e.message ?? String(err) } });
  }
});
process.on('disconnect', () => process.exit(0));
