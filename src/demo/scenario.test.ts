import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rootedHost } from '../agent/host/rooted-host.js';
import { observeHost } from '../agent/observe.js';
import { selectPools } from '../core/pools/select-pools.js';
import { createHost } from '../harness/cluster-hosts.js';
import { burstPods, DEMO_POLICIES, demoNodes, demoWorkloads, SRIOV_LABEL } from './scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'wirespeed-demo-scenario-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** pool → NUMA node → healthy devices, as the agent would serve them on each demo node. */
async function poolsOf(index: number): Promise<Record<string, Record<number, number>>> {
  const spec = demoNodes(4, { prebuilt: true })[index];
  if (!spec) throw new Error(`no node ${index}`);
  const hostDir = join(dir, spec.name);
  await createHost(hostDir, spec.layout, spec.drivers);
  const observed = await observeHost(rootedHost(hostDir));
  const { pools } = selectPools({ observed, policies: DEMO_POLICIES, nodeLabels: spec.labels ?? {} });
  const out: Record<string, Record<number, number>> = {};
  for (const pool of pools) {
    const perNuma: Record<number, number> = {};
    for (const d of pool.devices.filter((x) => x.healthy))
      perNuma[d.numaNode] = (perNuma[d.numaNode] ?? 0) + 1;
    out[pool.resourceName] = perNuma;
  }
  return out;
}

describe('demo scenario', () => {
  it('names the four kinds of node and labels the ones with SR-IOV', () => {
    expect(demoNodes(5).map((n) => [n.name, n.labels])).toEqual([
      ['ws-1-intel', { [SRIOV_LABEL]: 'true' }],
      ['ws-2-mlx', { [SRIOV_LABEL]: 'true' }],
      ['ws-3-mixed', { [SRIOV_LABEL]: 'true' }],
      ['ws-4-plain', {}],
      ['ws-5-intel', { [SRIOV_LABEL]: 'true' }],
    ]);
  });

  it('gives each node the pools per NUMA node the demo relies on, every device healthy', async () => {
    expect(await poolsOf(0)).toEqual({
      'wirespeed.io/dpdk': { 0: 4, 1: 4 },
      'wirespeed.io/sriov_net': { 0: 3, 1: 3 },
    });
    expect(await poolsOf(1)).toEqual({ 'wirespeed.io/mlx_net': { 0: 8 }, 'wirespeed.io/vdpa': { 0: 4 } });
    expect(await poolsOf(2)).toEqual({
      'wirespeed.io/dpdk': { 0: 4 },
      'wirespeed.io/sriov_net': { 0: 4 },
      'wirespeed.io/mlx_net': { 1: 4 },
      'wirespeed.io/vdpa': { 1: 2 },
    });
    expect(await poolsOf(3)).toEqual({});
  });

  it('writes pods that name only networks', () => {
    const pods = [...demoWorkloads(), ...burstPods(2)];
    expect(
      pods.map((p) => [p.metadata?.name, p.metadata?.annotations?.['k8s.v1.cni.cncf.io/networks']]),
    ).toEqual([
      ['cnf-dpdk', 'dpdk-net@dpdk0, dpdk-net@dpdk1'],
      ['web-1', 'mlx-net'],
      ['web-2', 'mlx-net, mlx-net@net2'],
      ['vhost-app', 'vhost-user'],
      ['too-big', 'dpdk-net, dpdk-net, dpdk-net, dpdk-net, dpdk-net'],
      ['burst-1', 'sriov-net, sriov-net@net2'],
      ['burst-2', 'sriov-net, sriov-net@net2'],
    ]);
    for (const p of pods)
      expect(Object.keys(p.spec?.containers[0]?.resources?.limits ?? {})).toEqual(['memory']);
  });
});
