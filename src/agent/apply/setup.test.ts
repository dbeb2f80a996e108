import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostSnapshot } from '../../../test/support/host-snapshot.js';
import type { NetworkNodePolicy } from '../../api/wirespeed-v1alpha1.js';
import { kernelHost } from '../host/simulated/kernel.js';
import { setHugepageLimit, setKernelFaults } from '../host/simulated/kernel-config.js';
import { vdpaAdd, vdpaDel } from '../host/simulated/kernel-vdpa.js';
import { type SimHostLayout, simulatedLayout, vfAddress } from '../host/simulated/layout.js';
import { createSimulatedHost } from '../host/simulated/simulated-host.js';
import { observeHost } from '../observe.js';
import { DeviceSetup, type SetupInput } from './setup.js';
import { directWriter } from './writer.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirespeed-setup-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const LAYOUT: SimHostLayout = simulatedLayout({ pfs: 2, vfs: 4, numa: 2 });
const [pf0, pf1] = LAYOUT.pfs as [SimHostLayout['pfs'][number], SimHostLayout['pfs'][number]];

function policy(name: string, spec: Partial<NetworkNodePolicy['spec']>): NetworkNodePolicy {
  return {
    apiVersion: 'wirespeed.io/v1alpha1',
    kind: 'NetworkNodePolicy',
    metadata: { name, namespace: 'ws', generation: 2 },
    spec: { resourceName: name, numVfs: 3, nicSelector: { pfNames: [pf0.name] }, ...spec },
  };
}

const POLICIES = [
  policy('dpdk', { deviceType: 'vfio-pci' }),
  policy('net', { mtu: 9000, nicSelector: { pfNames: [`${pf1.name}#0-1`] } }),
  policy('vhost', { deviceType: 'vdpa-vhost', nicSelector: { pfNames: [`${pf1.name}#2-2`] } }),
];

const setup = (over: { evict?: boolean; beforeWrite?: (p: string) => void; evicted?: string[] } = {}) =>
  new DeviceSetup(
    { evict: over.evict ?? false, parallelism: 1, waitMs: 2000 },
    {
      host: kernelHost(dir),
      writer: directWriter(kernelHost(dir), {
        vdpaAdd: (n, vf) => vdpaAdd(dir, n, vf),
        vdpaDel: (n) => vdpaDel(dir, n),
      }),
      evictor: {
        evict: async (pod) => {
          over.evicted?.push(`${pod.namespace}/${pod.name}`);
          return { result: 'evicted', message: '' };
        },
      },
      ...(over.beforeWrite ? { beforeWrite: over.beforeWrite } : {}),
    },
  );
const input = (policies: unknown[] = POLICIES, allocations: SetupInput['allocations'] = []): SetupInput => ({
  policies,
  allocations,
});

const snapshot = hostSnapshot;

const drivers = async () =>
  (await observeHost(kernelHost(dir))).pfs.map((pf) =>
    pf.vfs.map((v) => `${v.driver}${v.vdpaDriver ? `+${v.vdpaDriver}` : ''}`),
  );

describe('device setup on the simulated host', () => {
  it('sets a host up from nothing; the next reconcile has nothing to do', async () => {
    await createSimulatedHost(dir, LAYOUT);
    const result = await setup().reconcile(input());
    expect([result.syncStatus, result.syncMessage, result.changed]).toEqual([
      'Succeeded',
      '2 PFs set up as the policies ask',
      true,
    ]);
    expect(await drivers()).toEqual([
      ['vfio-pci', 'vfio-pci', 'vfio-pci'],
      ['iavf', 'iavf', 'iavf+vhost_vdpa'],
    ]);
    expect(result.generations).toEqual({ 'ws/dpdk': 2, 'ws/net': 2, 'ws/vhost': 2 });
    expect(result.appliedPfs.map((p) => [p.name, p.syncStatus, p.numVfs, p.mtu, p.pools])).toEqual([
      [
        pf0.name,
        'Succeeded',
        3,
        null,
        [{ resourceName: 'wirespeed.io/dpdk', deviceType: 'vfio-pci', vfs: '0-2' }],
      ],
      [
        pf1.name,
        'Succeeded',
        3,
        9000,
        [
          { resourceName: 'wirespeed.io/net', deviceType: 'netdevice', vfs: '0-1' },
          { resourceName: 'wirespeed.io/vhost', deviceType: 'vdpa-vhost', vfs: '2' },
        ],
      ],
    ]);
    const host = kernelHost(dir);
    expect(await host.read(`/sys/class/net/${pf1.name}v0/mtu`)).toBe('9000\n');
    expect(await host.read(`/sys/bus/pci/devices/${pf0.pciAddress}/sriov_drivers_autoprobe`)).toBe('0\n');
    expect(await host.read(`/sys/bus/pci/devices/${pf1.pciAddress}/sriov_drivers_autoprobe`)).toBe('1\n');
    const again = await setup().reconcile(input());
    expect([again.changed, again.syncStatus, again.plan.pfs.flatMap((p) => p.steps)]).toEqual([
      false,
      'Succeeded',
      [],
    ]);
  });

  it('converges to the same host from a crash at every write', async () => {
    await createSimulatedHost(dir, LAYOUT);
    let writes = 0;
    await setup({ beforeWrite: () => void writes++ }).reconcile(input());
    const reference = await snapshot(dir);
    expect(writes).toBe(17);
    for (let crashAt = 0; crashAt < writes; crashAt++) {
      await rm(dir, { recursive: true, force: true });
      await createSimulatedHost(dir, LAYOUT);
      let n = 0;
      const crash = () => {
        if (n++ === crashAt) throw new Error(`crash at write ${crashAt}`);
      };
      await expect(setup({ beforeWrite: crash }).reconcile(input())).rejects.toThrow(
        `crash at write ${crashAt}`,
      );
      const next = await setup().reconcile(input());
      expect([crashAt, next.syncStatus]).toEqual([crashAt, 'Succeeded']);
      expect(await snapshot(dir)).toEqual(reference);
    }
  }, 120_000);

  it('a failing write fails its PF with the errno; the other PF is set up', async () => {
    await createSimulatedHost(dir, LAYOUT);
    await setKernelFaults(dir, [{ match: `${pf0.pciAddress}/sriov_numvfs`, error: 'ENODEV' }]);
    const result = await setup().reconcile(input());
    expect(result.syncStatus).toBe('Failed');
    expect(result.appliedPfs.map((p) => p.syncStatus)).toEqual(['Failed', 'Succeeded']);
    expect(result.syncMessage).toBe(
      `PF ${pf0.name} (${pf0.pciAddress}): write /sys/bus/pci/devices/${pf0.pciAddress}/sriov_numvfs: ENODEV (injected fault)`,
    );
    await setKernelFaults(dir, []);
    expect((await setup().reconcile(input())).syncStatus).toBe('Succeeded');
  });

  it.each([
    ['EBUSY', `${pf0.pciAddress}/sriov_numvfs`, 'sriov_numvfs'],
    ['EBUSY', '/sys/bus/pci/drivers/vfio-pci/bind', 'bind'],
    ['ENODEV', '/sys/bus/pci/drivers/vfio-pci/bind', 'bind'],
    ['EIO', `${vfAddress(pf0, 1)}/driver_override`, 'driver_override'],
  ])(
    '%s on %s fails only that PF; once cleared the next run reaches the host of a clean apply',
    async (errno, match, file) => {
      await createSimulatedHost(dir, LAYOUT);
      await setup().reconcile(input());
      const reference = await snapshot(dir);
      await rm(dir, { recursive: true, force: true });
      await createSimulatedHost(dir, LAYOUT);
      await setKernelFaults(dir, [{ match, error: errno }]);
      const failed = await setup().reconcile(input());
      expect([failed.syncStatus, failed.appliedPfs.map((p) => p.syncStatus)]).toEqual([
        'Failed',
        ['Failed', 'Succeeded'],
      ]);
      expect(failed.appliedPfs[0]?.message).toMatch(
        new RegExp(
          `^PF ${pf0.name} \\(${pf0.pciAddress}\\): write .*${file}: ${errno} \\(injected fault\\)$`,
        ),
      );
      await setKernelFaults(dir, [{ match: 'vfio-pci/bind', delayMs: 20 }]);
      expect((await setup().reconcile(input())).syncStatus).toBe('Succeeded');
      expect(await snapshot(dir)).toEqual(reference);
    },
  );

  it('a plan made from an out-of-date discovery never lowers a VF count it did not see', async () => {
    await createSimulatedHost(dir, LAYOUT);
    const host = kernelHost(dir);
    await host.write(`/sys/bus/pci/devices/${pf0.pciAddress}/sriov_numvfs`, '2');
    const stale = await observeHost(host);
    await host.write(`/sys/bus/pci/devices/${pf0.pciAddress}/sriov_numvfs`, '0');
    await host.write(`/sys/bus/pci/devices/${pf0.pciAddress}/sriov_numvfs`, '1');
    const result = await setup().reconcile({ ...input([POLICIES[0]]), observed: stale });
    expect([result.syncStatus, result.appliedPfs[0]?.message]).toEqual([
      'Failed',
      `PF ${pf0.name} (${pf0.pciAddress}): PF ${pf0.pciAddress} has 1 VFs, not the 2 planned for; planning again`,
    ]);
    expect((await drivers())[0]).toEqual(['iavf']);
    expect((await setup().reconcile(input([POLICIES[0]]))).syncStatus).toBe('Succeeded');
    expect((await drivers())[0]).toEqual(['vfio-pci', 'vfio-pci', 'vfio-pci']);
  });

  it('refuses vfio-pci without an IOMMU', async () => {
    await createSimulatedHost(dir, { ...LAYOUT, iommu: false });
    const result = await setup().reconcile(input([POLICIES[0]]));
    expect([result.syncStatus, result.appliedPfs[0]?.message]).toEqual([
      'Failed',
      `PF ${pf0.name} (${pf0.pciAddress}): vfio-pci needs an IOMMU and /sys/class/iommu is empty: enable VT-d or AMD-Vi in the firmware and boot with intel_iommu=on iommu=pt (Intel) or iommu=pt (AMD)`,
    ]);
  });

  it('hugepages: written, read back, the shortfall and the kubelet restart reported', async () => {
    await createSimulatedHost(dir, LAYOUT);
    await setHugepageLimit(dir, 1, 1048576, 3);
    const huge = policy('huge', { numVfs: 0, hugepages: { '1Gi': { '0': 4, '1': 8 } } });
    const result = await setup().reconcile(input([huge]));
    expect([result.syncStatus, result.syncMessage, result.appliedHugepages]).toEqual([
      'Failed',
      'hugepages 1Gi on NUMA node 1: asked 8, the kernel granted 3 (memory too fragmented?); kubelet restart needed to see new hugepage capacity (the kubelet reads it only at start-up)',
      [
        { numaNode: 0, pageSize: '1Gi', requested: 4, granted: 4 },
        { numaNode: 1, pageSize: '1Gi', requested: 8, granted: 3 },
      ],
    ]);
  });

  it('a numVfs change under a pod is refused naming it; with evict only that pod is evicted, then it applies', async () => {
    await createSimulatedHost(dir, LAYOUT);
    await setup().reconcile(input());
    const before = await snapshot(dir);
    const held = [
      { namespace: 'default', name: 'dpdk-1', deviceIds: [vfAddress(pf0, 1)] },
      { namespace: 'default', name: 'web', deviceIds: [vfAddress(pf1, 0)] },
    ];
    const more = [policy('dpdk', { deviceType: 'vfio-pci', numVfs: 4 }), ...POLICIES.slice(1)];
    const refused = await setup().reconcile(input(more, held));
    expect([refused.syncStatus, refused.changed, refused.appliedPfs[0]?.pods]).toEqual([
      'NeedsEviction',
      false,
      [{ namespace: 'default', name: 'dpdk-1' }],
    ]);
    expect(refused.syncMessage).toContain(
      'pods hold them: default/dpdk-1. Delete those pods, or run the agent with --evict',
    );
    expect(await snapshot(dir)).toEqual(before);
    const evicted: string[] = [];
    const evicting = await setup({ evict: true, evicted }).reconcile(input(more, held));
    expect([evicting.syncStatus, evicted]).toEqual(['InProgress', ['default/dpdk-1']]);
    const done = await setup({ evict: true, evicted }).reconcile(input(more, held.slice(1)));
    expect([done.syncStatus, evicted, (await drivers())[0]]).toEqual([
      'Succeeded',
      ['default/dpdk-1'],
      ['vfio-pci', 'vfio-pci', 'vfio-pci', 'vfio-pci'],
    ]);
  });

  it('a driver change of free VFs evicts nothing; an allocated VF keeps its driver', async () => {
    await createSimulatedHost(dir, LAYOUT);
    await setup().reconcile(input());
    const toNet = [policy('dpdk', { deviceType: 'netdevice' }), ...POLICIES.slice(1)];
    const held = [{ namespace: 'default', name: 'dpdk-1', deviceIds: [vfAddress(pf0, 1)] }];
    const evicted: string[] = [];
    const result = await setup({ evicted }).reconcile(input(toNet, held));
    expect([result.syncStatus, evicted, (await drivers())[0]]).toEqual([
      'NeedsEviction',
      [],
      ['iavf', 'vfio-pci', 'iavf'],
    ]);
  });
});
