import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { simulatedLayout } from '../agent/host/simulated/layout.js';
import { bindingOf } from '../agent/host/simulated/simulated-host.js';
import { createHost, parseVfRange } from './cluster-hosts.js';

const dir = mkdtempSync(join(tmpdir(), 'wirespeed-cluster-hosts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cluster hosts', () => {
  it('reads <pf>#<first>-<last> VF ranges and refuses anything else', () => {
    expect(parseVfRange('ens1f0#2-4')).toEqual({ pf: 'ens1f0', indexes: [2, 3, 4] });
    expect(() => parseVfRange('ens1f0')).toThrow('VF range "ens1f0" is not <pf>#<first>-<last>');
    expect(() => parseVfRange('ens1f0#3-1')).toThrow('VF range "ens1f0#3-1" ends before it starts');
  });

  it('binds the VFs named for vfio-pci and leaves the rest on the VF driver', async () => {
    const layout = simulatedLayout({ pfs: 1, vfs: 4, numVfs: 4, numa: 1 });
    const pf = layout.pfs[0]?.name ?? '';
    await createHost(join(dir, 'a'), layout, { vfio: [`${pf}#0-1`] });
    const drivers = await Promise.all(
      ['0000:18:02.0', '0000:18:02.1', '0000:18:02.2'].map(
        async (a) => (await bindingOf(join(dir, 'a'), a)).driver,
      ),
    );
    expect(drivers).toEqual(['vfio-pci', 'vfio-pci', 'iavf']);
  });

  it('names the host and the PF when a range does not fit it', async () => {
    const layout = simulatedLayout({ pfs: 1, vfs: 4, numVfs: 2, numa: 1 });
    const pf = layout.pfs[0]?.name ?? '';
    await expect(createHost(join(dir, 'b'), layout, { vfio: ['nope#0-1'] })).rejects.toThrow(
      `simulated host ${join(dir, 'b')} has no PF nope (for nope#0-1)`,
    );
    await expect(createHost(join(dir, 'c'), layout, { vfio: [`${pf}#0-3`] })).rejects.toThrow(
      `${pf}#0-3: PF ${pf} of ${join(dir, 'c')} has 2 VFs`,
    );
  });
});
