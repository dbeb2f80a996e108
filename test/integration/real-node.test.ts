import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type V1Pod, type V1ResourceRequirements } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/devcluster/binaries.js';
import { type CriRequest, type RealNode, startRealNode } from '../../src/devcluster/kubelet.js';
import { sweepStaleNodeDirs } from '../../src/devcluster/real-node-dir.js';
import { parentDeathPrefix } from '../../src/devcluster/real-node-support.js';
import { waitFor } from '../../src/devcluster/wait.js';
import { realNodeSkipReason, useRealNodes, waitForCreateContainer } from '../support/real-node.js';
import { startTestDevicePlugin } from '../support/real-node-plugin.js';
import { useControlPlane } from './support.js';

/** A simulated host with two NUMA nodes, as `wirespeed sim-host create` lays them out (only what is read). */
function simulatedHost(): string {
  const root = mkdtempSync(join(tmpdir(), 'wirespeed-simhost-'));
  for (const id of [0, 1]) {
    const hp = join(root, 'sys', 'devices', 'system', 'node', `node${id}`, 'hugepages', 'hugepages-2048kB');
    mkdirSync(hp, { recursive: true });
    writeFileSync(join(hp, 'nr_hugepages'), '0\n');
  }
  return root;
}

function pod(
  name: string,
  nodeName: string,
  extra: { env?: Record<string, string>; cpu?: string; vfs?: number } = {},
): V1Pod {
  const resources: V1ResourceRequirements = extra.cpu
    ? {
        requests: { cpu: extra.cpu, memory: '16Mi' },
        limits: { cpu: extra.cpu, memory: '16Mi' },
      }
    : extra.vfs
      ? { requests: { [VF]: String(extra.vfs) }, limits: { [VF]: String(extra.vfs) } }
      : {};
  return {
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'c',
          image: 'example.invalid/none:1',
          env: Object.entries(extra.env ?? {}).map(([n, value]) => ({ name: n, value })),
          resources,
        },
      ],
    },
  };
}

/** Resolves once a unix socket accepts a connection: the path leads to a live listener. */
function connects(path: string): Promise<true> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path, () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', reject);
  });
}

function createContainerFor(record: CriRequest[], podName: string): CriRequest | undefined {
  return record.find((r) => r.method === 'CreateContainer' && r.pod?.name === podName);
}

const VF = 'example.com/vf';
const simHost = simulatedHost();
afterAll(() => rmSync(simHost, { recursive: true, force: true }));

describe.skipIf(realNodeSkipReason)('real nodes: the real kubelet on a fake runtime', () => {
  const plane = useControlPlane({ scheduler: false });
  const real = useRealNodes(
    () => plane.cp,
    [
      { name: 'real-a', numaNodes: 2, labels: { 'wirespeed.io/test': 'real-node' } },
      { name: 'real-b', numaFromHost: simHost },
    ],
  );
  const core = (): CoreV1Api => plane.cp.kc.makeApiClient(CoreV1Api);
  const waitPhase = (name: string, phase: string): Promise<V1Pod> =>
    waitFor(`pod ${name} to be ${phase}`, async () => {
      const p = await core().readNamespacedPod({ namespace: 'default', name });
      return p.status?.phase === phase ? p : undefined;
    });

  it('starts two nodes that register Ready with the fake runtime, each with its own directories', async () => {
    for (const name of ['real-a', 'real-b']) {
      const node = await core().readNode({ name });
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
      expect(ready?.status).toBe('True');
      expect(node.status?.nodeInfo?.kubeletVersion).toBe('v1.36.3');
      expect(node.status?.nodeInfo?.containerRuntimeVersion).toBe('fakeRuntime://0.1.0');
      const rn = real.node(name);
      // The agent reaches both through real host paths, from outside the kubelet's namespace.
      expect(await connects(join(rn.devicePluginDir, 'kubelet.sock'))).toBe(true);
      expect(await connects(rn.podResourcesSocket)).toBe(true);
      expect(rn.numaNodes).toBe(2);
    }
    const a = real.node('real-a');
    const b = real.node('real-b');
    expect(a.dir).not.toBe(b.dir);
    expect(a.kubeletConfig.port).not.toBe(b.kubeletConfig.port);
    expect((await core().readNode({ name: 'real-a' })).metadata?.labels?.['wirespeed.io/test']).toBe(
      'real-node',
    );
    // Nothing of the kubelet's namespace shows on the host.
    expect(existsSync('/var/lib/kubelet/device-plugins')).toBe(false);
    expect(readFileSync('/proc/self/mounts', 'utf8')).not.toContain(a.dir);
  });

  it('runs a pod bound to one node and records its CreateContainer with the env it was given', async () => {
    await core().createNamespacedPod({
      namespace: 'default',
      body: pod('plain', 'real-a', { env: { GREETING: 'hello' } }),
    });
    await waitPhase('plain', 'Running');
    const created = await waitForCreateContainer(real.node('real-a'), 'plain');
    expect(created.pod).toMatchObject({ name: 'plain', namespace: 'default' });
    expect(created.container?.name).toBe('c');
    expect(created.container?.image).toBe('example.invalid/none:1');
    expect(created.container?.envs.GREETING).toBe('hello');
    const record = await real.node('real-a').criRecord();
    expect(record.some((r) => r.method === 'RunPodSandbox' && r.pod?.name === 'plain')).toBe(true);
    expect(createContainerFor(await real.node('real-b').criRecord(), 'plain')).toBeUndefined();
  });

  it('sees two NUMA nodes: a Guaranteed 1-CPU pod is admitted under single-numa-node on cpu 1 (NUMA 1)', async () => {
    await core().createNamespacedPod({
      namespace: 'default',
      body: pod('guaranteed', 'real-a', { cpu: '1' }),
    });
    await waitPhase('guaranteed', 'Running');
    const created = await waitForCreateContainer(real.node('real-a'), 'guaranteed');
    // CPU 0 is reserved; the only exclusive CPU is cpu 1, which the fabricated tree puts on NUMA node 1.
    expect(created.container?.cpusetCpus).toBe('1');
    for (const name of ['real-a', 'real-b']) {
      const log = readFileSync(join(real.node(name).logsDir, 'kubelet.log'), 'utf8');
      expect(log).toContain('"NumNUMANodes":2');
    }
  });

  it('takes a device plugin registered from outside the namespace; single-numa-node aligns or rejects', async () => {
    const node = real.node('real-a');
    const plugin = await startTestDevicePlugin({
      devicePluginDir: node.devicePluginDir,
      resourceName: VF,
      env: 'TEST_VF_IDS',
      devices: [
        { id: 'vf0', numaNode: 0 },
        { id: 'vf1', numaNode: 0 },
        { id: 'vf2', numaNode: 1 },
        { id: 'vf3', numaNode: 1 },
      ],
    });
    try {
      await waitFor('4 VFs allocatable on real-a', async () => {
        const n = await core().readNode({ name: 'real-a' });
        return n.status?.allocatable?.[VF] === '4' ? true : undefined;
      });
      // No NUMA node has 3: only a kubelet that sees two NUMA nodes rejects this.
      await core().createNamespacedPod({
        namespace: 'default',
        body: pod('three-vfs', 'real-a', { vfs: 3 }),
      });
      const rejected = await waitPhase('three-vfs', 'Failed');
      expect(rejected.status?.reason).toBe('TopologyAffinityError');
      await core().createNamespacedPod({ namespace: 'default', body: pod('two-vfs', 'real-a', { vfs: 2 }) });
      await waitPhase('two-vfs', 'Running');
      const created = await waitForCreateContainer(node, 'two-vfs');
      expect(['vf0,vf1', 'vf2,vf3']).toContain(created.container?.envs.TEST_VF_IDS);
      expect(plugin.allocations).toEqual([created.container?.envs.TEST_VF_IDS?.split(',')]);
    } finally {
      await plugin.stop();
    }
  });

  it('restarts a kubelet: a new process, the Node Ready again, the pod still Running', async () => {
    const node: RealNode = real.node('real-a');
    const before = node.pids();
    await node.restartKubelet();
    const after = node.pids();
    expect(after.kubelet).toBeDefined();
    expect(after.kubelet).not.toBe(before.kubelet);
    expect(after.fakecri).toBe(before.fakecri);
    const ready = (await core().readNode({ name: 'real-a' })).status?.conditions?.find(
      (c) => c.type === 'Ready',
    );
    expect(ready?.status).toBe('True');
    expect(existsSync(join(node.devicePluginDir, 'kubelet.sock'))).toBe(true);
    expect((await core().readNamespacedPod({ namespace: 'default', name: 'plain' })).status?.phase).toBe(
      'Running',
    );
  });

  it('fails with the kubelet log tail and leaves no process or directory', async ({ onTestFinished }) => {
    const fakeBin = mkdtempSync(join(tmpdir(), 'wirespeed-fakebin-'));
    onTestFinished(() => rmSync(fakeBin, { recursive: true, force: true }));
    symlinkSync(join(real.binDir, 'fakecri'), join(fakeBin, 'fakecri'));
    writeFileSync(
      join(fakeBin, 'kubelet'),
      '#!/bin/sh\necho "E1201 failed to run Kubelet: no way" >&2\nexit 1\n',
    );
    chmodSync(join(fakeBin, 'kubelet'), 0o755);
    const before = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('wsnode-')));
    const err: unknown = await startRealNode({
      controlPlane: plane.cp,
      name: 'broken',
      binDir: fakeBin,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^kubelet \(node broken\) exited with code 1; last lines of /);
    expect((err as Error).message).toContain('E1201 failed to run Kubelet: no way');
    const after = readdirSync(tmpdir()).filter((n) => n.startsWith('wsnode-') && !before.has(n));
    expect(after).toEqual([]);
  });

  const noPdeathsig = parentDeathPrefix().length === 0;
  it.skipIf(noPdeathsig)(
    'leaves no kubelet or fakecri when the process that started them dies by SIGKILL',
    async () => {
      const cp = plane.cp;
      const childArgs = {
        server: cp.server,
        kubeconfigPath: cp.kubeconfigPath,
        caCertPem: cp.ca.certPem,
        caKeyPem: cp.ca.keyPem,
        name: 'orphan',
        binDir: real.binDir,
      };
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join('test', 'support', 'real-node-child.ts'), JSON.stringify(childArgs)],
        { stdio: ['ignore', 'pipe', 'inherit'], cwd: repoRoot() },
      );
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
      });
      const started = await waitFor(
        'the child to start its node',
        async () =>
          out.includes('\n') ? (JSON.parse(out) as { dir: string; pids: Record<string, number> }) : undefined,
        {
          timeoutMs: 60_000,
          abortIf: () => (child.exitCode !== null ? new Error('the child exited') : undefined),
        },
      );
      expect(Object.keys(started.pids).sort()).toEqual(['fakecri', 'kubelet']);
      child.kill('SIGKILL');
      await once(child, 'exit');
      // The kernel's parent-death signal, not any handler of the dead process.
      await waitFor('the orphaned node processes to die', async () =>
        Object.values(started.pids).some(alive) ? undefined : true,
      );
      expect(readFileSync('/proc/self/mounts', 'utf8')).not.toContain(started.dir);
      // Its directory is left, marked with an owner that is gone: the next start removes it.
      expect(existsSync(started.dir)).toBe(true);
      expect(sweepStaleNodeDirs(tmpdir())).toContain(started.dir);
      expect(existsSync(started.dir)).toBe(false);
      await core().deleteNode({ name: 'orphan' });
    },
  );

  it('stops a node: no kubelet or fakecri of it remains, its directory and Node object are gone', async () => {
    const node = real.node('real-b');
    const pids = node.pids();
    expect(Object.keys(pids).sort()).toEqual(['fakecri', 'kubelet']);
    await node.stop();
    for (const pid of Object.values(pids)) expect(alive(pid)).toBe(false);
    expect(existsSync(node.dir)).toBe(false);
    expect(readFileSync('/proc/self/mounts', 'utf8')).not.toContain(node.dir);
    await expect(core().readNode({ name: 'real-b' })).rejects.toMatchObject({ code: 404 });
    expect(node.pids()).toEqual({});
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
