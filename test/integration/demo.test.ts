/**
 * The demo, run as `wirespeed demo --json --compare --nodes 3 --pods 6` runs it (the same function, in this
 * process): the JSON it prints is checked against what it promises, and, before the cluster stops, against the
 * cluster itself: each running pod is on the node the JSON names, its kubelet handed its container exactly the
 * devices the JSON lists (PCIDEVICE_* in the recorded CreateContainer), and those devices sit on the NUMA node
 * the JSON names in the simulated host's layout.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { deviceOf } from '../../src/agent/host/simulated/layout.js';
import { readSimulatedLayout } from '../../src/agent/host/simulated/simulated-host.js';
import { type DemoOutcome, demoJson, type PodOutcome } from '../../src/demo/outcome.js';
import { runDemo } from '../../src/demo/run.js';
import { DEMO_NAMESPACE, UNPLACEABLE } from '../../src/demo/scenario.js';
import { resolveNodeBinaries } from '../../src/devcluster/binaries.js';
import type { Cluster } from '../../src/harness/cluster.js';
import { realNodeSkipReason } from '../support/real-node.js';

/** A pod as `--json` prints it. */
type JsonPod = Pick<PodOutcome, 'name' | 'namespace' | 'node' | 'numaNode' | 'phase' | 'devices' | 'reason'>;

/** What the cluster shows for each running pod: its node, the devices its container got, their NUMA nodes. */
async function observed(cluster: Cluster, pods: readonly JsonPod[]) {
  const core = cluster.cp.kc.makeApiClient(CoreV1Api);
  const seen: Record<string, { node: string | null; devices: string[]; numa: number[]; mounts: string[] }> =
    {};
  for (const pod of pods.filter((p) => p.phase === 'Running')) {
    const stored = await core.readNamespacedPod({ name: pod.name, namespace: DEMO_NAMESPACE });
    const node = cluster.nodes.find((n) => n.name === stored.spec?.nodeName);
    if (!node) throw new Error(`pod ${pod.name} is on ${stored.spec?.nodeName}, not a demo node`);
    const created = (await node.node.criRecord()).find(
      (r) => r.method === 'CreateContainer' && r.pod?.uid === stored.metadata?.uid,
    );
    const envs = created?.container?.envs ?? {};
    const devices = Object.entries(envs)
      .filter(([k]) => k.startsWith('PCIDEVICE_') && !k.endsWith('_INFO'))
      .flatMap(([, v]) => v.split(','))
      .sort();
    const layout = await readSimulatedLayout(node.hostDir);
    const numa = [...new Set(devices.map((d) => deviceOf(layout, d)?.pf.numaNode ?? -2))];
    const mounts = (created?.container?.mounts ?? []).map((m) => m.containerPath);
    seen[pod.name] = { node: node.name, devices, numa, mounts };
  }
  return seen;
}

describe.skipIf(realNodeSkipReason)('wirespeed demo --json --compare', () => {
  let nodeBinDir = '';
  // A cold kubelet build takes minutes on 2 CPUs; a warm one seconds.
  beforeAll(async () => {
    nodeBinDir = await resolveNodeBinaries();
  }, 20 * 60_000);

  it('places every pod where its table says, misaligns none, and shows the plain scheduler misaligning', async () => {
    let stdout = '';
    let checked: Awaited<ReturnType<typeof observed>> | undefined;
    const outcome: DemoOutcome = await runDemo(
      { nodes: 3, pods: 6, compare: true, json: true, keep: false, binDir: inject('k8sBinDir'), nodeBinDir },
      {
        out: (text) => {
          stdout += text;
        },
        progress: () => undefined,
        inspect: async (cluster, result) => {
          checked = await observed(cluster, (demoJson(result) as { pods: JsonPod[] }).pods);
        },
      },
    );
    const json = JSON.parse(stdout) as {
      pods: JsonPod[];
      misaligned: number;
      compare: {
        plain: { pods: number; misaligned: number };
        wirespeed: { pods: number; misaligned: number };
      };
    };
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(json).toEqual(JSON.parse(JSON.stringify(demoJson(outcome))));

    const byName = new Map(json.pods.map((p) => [p.name, p]));
    const deviceCount = (name: string) => byName.get(name)?.devices.length;
    expect(json.misaligned).toBe(0);
    expect(json.compare.wirespeed).toEqual({ pods: 6, misaligned: 0 });
    expect(json.compare.plain.pods).toBe(6);
    expect(json.compare.plain.misaligned).toBeGreaterThan(0);

    expect(byName.get('cnf-dpdk')).toMatchObject({ phase: 'Running', reason: null });
    expect([
      deviceCount('cnf-dpdk'),
      deviceCount('web-1'),
      deviceCount('web-2'),
      deviceCount('vhost-app'),
    ]).toEqual([2, 1, 2, 1]);
    const unplaceable = byName.get(UNPLACEABLE);
    expect(unplaceable).toMatchObject({ phase: 'Pending', node: null, numaNode: null, devices: [] });
    expect(unplaceable?.reason).toContain('no NUMA node has 5 allocatable wirespeed.io/dpdk');

    const burst = json.pods.filter((p) => p.name.startsWith('burst-'));
    expect(burst.filter((p) => p.phase === 'Running').map((p) => p.devices.length)).toEqual([2, 2, 2, 2]);
    const pending = burst.filter((p) => p.phase === 'Pending');
    expect(pending).toHaveLength(2);
    for (const p of pending) expect(p.reason).toContain('no NUMA node has 2 free wirespeed.io/sriov_net');

    // Every running pod: the node, the devices its container got, and their one NUMA node are the table's.
    const running = json.pods.filter((p) => p.phase === 'Running');
    expect(running).toHaveLength(8);
    for (const pod of running) {
      expect(checked?.[pod.name]).toMatchObject({
        node: pod.node,
        devices: [...pod.devices].sort(),
        numa: [pod.numaNode],
      });
    }
    expect(checked?.['cnf-dpdk']?.mounts).toContain('/dev/hugepages');
    expect(checked?.['vhost-app']?.mounts).toContain('/var/lib/vhost_sockets');
    // No device is handed to two pods.
    const all = running.flatMap((p) => p.devices.map((d) => `${p.node}/${d}`));
    expect(new Set(all).size).toBe(all.length);
  }, 240_000);
});
