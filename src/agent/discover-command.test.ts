import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../../test/support/cli.js';
import { type TestSimHost, testSimHost } from '../../test/support/sim-host.js';
import { discoverCommand } from './discover-command.js';

let sim: TestSimHost;
let policies: string;
let bad: string;
const policy = (name: string, spec: object) => ({
  apiVersion: 'wirespeed.io/v1alpha1',
  kind: 'NetworkNodePolicy',
  metadata: { name, namespace: 'wirespeed' },
  spec: { numVfs: 2, ...spec },
});

beforeAll(async () => {
  sim = await testSimHost({ pfs: 2, vfs: 2, numVfs: 2, numa: 2 });
  policies = join(sim.dir, 'policies.yaml');
  await writeFile(
    policies,
    [
      policy('a', { resourceName: 'sriov_a', nicSelector: { pfNames: ['enp24s0f0'] } }),
      policy('b', {
        resourceName: 'example.com/b',
        deviceType: 'vfio-pci',
        nicSelector: { pfNames: ['enp26s0f0#1-1'] },
      }),
      policy('z', { resourceName: 'zone_b', nodeSelector: { zone: 'b' }, nicSelector: { vendor: '8086' } }),
    ]
      .map((p) => stringify(p))
      .join('---\n'),
  );
  bad = join(sim.dir, 'bad.yaml');
  await writeFile(
    bad,
    stringify(policy('x', { resourceName: 'x', numVfs: 'many', nicSelector: { vendor: '8086' } })),
  );
});
afterAll(() => sim.cleanup());

const cli = (...args: string[]) => runCli('discover', ...args);

const vf = (pci: string, vfID: number, group: number, netdev: string, pool: string | null) => ({
  pciAddress: pci,
  vfID,
  driver: 'iavf',
  iommuGroup: group,
  netdev,
  pool,
});
const pf = (pci: string, name: string, numaNode: number, vfs: object[]) => ({
  pciAddress: pci,
  name,
  vendor: '8086',
  deviceID: '158b',
  driver: 'i40e',
  numaNode,
  totalVfs: 2,
  numVfs: 2,
  linkState: 'up',
  mtu: 1500,
  vfs,
});

describe('wirespeed discover', () => {
  it('-o json prints exactly {"interfaces": [...]} in the status.interfaces shape', async () => {
    const got = await cli('--root', sim.dir, '-o', 'json');
    expect([got.code, got.stderr]).toEqual([0, '']);
    expect(JSON.parse(got.stdout)).toEqual({
      interfaces: [
        pf('0000:18:00.0', 'enp24s0f0', 0, [
          vf('0000:18:02.0', 0, 1, 'enp24s0f0v0', null),
          vf('0000:18:02.1', 1, 2, 'enp24s0f0v1', null),
        ]),
        pf('0000:1a:00.0', 'enp26s0f0', 1, [
          vf('0000:1a:02.0', 0, 4, 'enp26s0f0v0', null),
          vf('0000:1a:02.1', 1, 5, 'enp26s0f0v1', null),
        ]),
      ],
    });
  });

  it('with --policies and --node-labels: pools in interfaces, plus pools and policies', async () => {
    const got = await cli('--root', sim.dir, '--policies', policies, '--node-labels', 'zone=a', '-o', 'json');
    expect(got.code).toBe(0);
    const body = JSON.parse(got.stdout);
    expect(Object.keys(body)).toEqual(['interfaces', 'pools', 'policies']);
    expect(
      body.interfaces.flatMap((p: { vfs: { pool: string | null }[] }) => p.vfs.map((v) => v.pool)),
    ).toEqual(['wirespeed.io/sriov_a', 'wirespeed.io/sriov_a', null, 'example.com/b']);
    expect(
      body.pools.map((p: { resourceName: string; devices: { healthy: boolean }[] }) => [
        p.resourceName,
        p.devices.map((d) => d.healthy),
      ]),
    ).toEqual([
      ['example.com/b', [false]],
      ['wirespeed.io/sriov_a', [true, true]],
    ]);
    expect(body.policies.map((p: { policy: string; applied: boolean }) => [p.policy, p.applied])).toEqual([
      ['wirespeed/a', true],
      ['wirespeed/b', true],
      ['wirespeed/z', false],
    ]);
  });

  it('the table shows PFs, VFs, NUMA nodes, pools with health, and what the policies are told', async () => {
    const got = await cli('--root', sim.dir, '--policies', policies, '--node-labels', 'zone=a');
    expect(got.code).toBe(0);
    expect(got.stdout).toContain(
      'PF            NAME       ID         DRIVER  NUMA  VFS  LINK  MTU\n0000:18:00.0  enp24s0f0  8086:158b  i40e    0     2/2  up    1500\n',
    );
    expect(got.stdout).toContain('  1   0000:1a:02.1  iavf    5      enp26s0f0v1  example.com/b\n');
    expect(got.stdout).toContain('example.com/b         vfio-pci   NUMA 1: 0/1\n');
    expect(got.stdout).toContain(
      '  0000:1a:02.1 example.com/b: VF 1 of PF enp26s0f0 (0000:1a:00.0): the driver is iavf, the pool needs vfio-pci\n',
    );
    expect(got.stdout).toContain(
      "policy wirespeed/z: not applied\n  Applicable=False NodeNotSelected: nodeSelector zone=b does not match this node's labels\n",
    );
  });

  it('exits 3 with the conditions printed when a policy is invalid', async () => {
    const got = await cli('--root', sim.dir, '--policies', bad);
    expect(got.code).toBe(3);
    expect(got.stdout).toContain(
      'policy wirespeed/x: not applied\n  Valid=False InvalidSpec: NetworkNodePolicy wirespeed/x: spec.numVfs "many"; it must be a whole number 0-4096\n',
    );
  });

  it('exits 2 on a missing root, unreadable policies, bad labels or prefix', async () => {
    const missing = await cli('--root', join(sim.dir, 'none'));
    expect([missing.code, missing.stderr]).toEqual([
      2,
      `wirespeed: --root ${join(sim.dir, 'none')} is not a directory\n`,
    ]);
    expect((await cli('--root', sim.dir, '--policies', join(sim.dir, 'none.yaml'))).code).toBe(2);
    expect((await cli('--root', sim.dir, '--node-labels', 'zone')).code).toBe(2);
    expect((await cli('--root', sim.dir, '--resource-prefix', 'Bad_Prefix')).code).toBe(2);
    expect((await cli('--root', sim.dir, '-o', 'yaml')).code).toBe(2);
  });

  it('documents its flags and exit codes', () => {
    let help = '';
    discoverCommand()
      .configureOutput({ writeOut: (t) => (help += t) })
      .outputHelp();
    for (const text of [
      '--root <dir>',
      '--policies <file>',
      '--node-labels <k=v,...>',
      '--resource-prefix <domain>',
      '-o, --output <format>',
    ])
      expect(help).toContain(text);
    expect(help).toContain(
      'Exit codes: 0 done, 3 a policy is invalid or overlaps another at the same priority',
    );
  });
});
