import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ControlPlane, createFakeNode, startControlPlane, waitFor } from '../../src/devcluster/index.js';

const SRIOV = 'intel.com/sriov_a';

function podRequesting(name: string, count: number): V1Pod {
  return {
    metadata: { name },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.k8s.io/pause:3.10',
          resources: { requests: { [SRIOV]: String(count) }, limits: { [SRIOV]: String(count) } },
        },
      ],
    },
  };
}

/** A zombie (exited, not yet reaped by whoever inherited it) counts as gone. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return !existsSync('/proc/self');
  }
}

describe('control plane with the real kube-scheduler', () => {
  let cp: ControlPlane;
  let core: CoreV1Api;
  const namespace = 'scheduling';

  beforeAll(async () => {
    cp = await startControlPlane({ binDir: inject('k8sBinDir') });
    core = cp.kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await createFakeNode(cp.kc, 'node-a', { [SRIOV]: '8' }, { labels: { 'wirespeed.io/test': 'true' } });
  });

  afterAll(async () => {
    await cp?.stop();
  });

  it('serves the API to the admin kubeconfig and keeps the fake node status', async () => {
    const node = await core.readNode({ name: 'node-a' });
    expect(node.status?.allocatable).toMatchObject({ [SRIOV]: '8', pods: '110' });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(node.spec?.taints ?? []).toEqual([]);
    expect(cp.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('binds a pod whose extended-resource request fits the node', async () => {
    await core.createNamespacedPod({ namespace, body: podRequesting('fits', 1) });
    const pod = await waitFor('pod fits to be bound', async () => {
      const p = await core.readNamespacedPod({ name: 'fits', namespace });
      return p.spec?.nodeName ? p : undefined;
    });
    expect(pod.spec?.nodeName).toBe('node-a');
    expect(pod.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
  });

  it('leaves a pod that asks for more than the node has unschedulable', async () => {
    await core.createNamespacedPod({ namespace, body: podRequesting('too-big', 9) });
    const condition = await waitFor('pod too-big to be marked unschedulable', async () => {
      const p = await core.readNamespacedPod({ name: 'too-big', namespace });
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    });
    expect(condition.reason).toBe('Unschedulable');
    expect(condition.message).toContain(`Insufficient ${SRIOV}`);
    const events = await core.listNamespacedEvent({
      namespace,
      fieldSelector: 'involvedObject.name=too-big,reason=FailedScheduling',
    });
    expect(events.items[0]?.message).toContain(`Insufficient ${SRIOV}`);
    const pod = await core.readNamespacedPod({ name: 'too-big', namespace });
    expect(pod.spec?.nodeName).toBeUndefined();
  });

  it('restarts the scheduler with extra configuration and keeps scheduling', async () => {
    const before = cp.pids()['kube-scheduler'];
    await cp.startScheduler({ percentageOfNodesToScore: 100 });
    const after = cp.pids()['kube-scheduler'];
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(isAlive(before ?? -1)).toBe(false);
    await core.createNamespacedPod({ namespace, body: podRequesting('after-restart', 2) });
    const pod = await waitFor('pod after-restart to be bound', async () => {
      const p = await core.readNamespacedPod({ name: 'after-restart', namespace });
      return p.spec?.nodeName ? p : undefined;
    });
    expect(pod.spec?.nodeName).toBe('node-a');
  });

  it('stop() ends every component and removes the state directory', async () => {
    const pids = Object.values(cp.pids());
    expect(pids).toHaveLength(3);
    await cp.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(cp.dir)).toBe(false);
  });
});

describe('control plane lifecycle', () => {
  it('runs without a scheduler and stop() leaves no process and no state behind', async () => {
    const cp = await startControlPlane({ binDir: inject('k8sBinDir'), scheduler: false });
    const pids = Object.values(cp.pids());
    expect(Object.keys(cp.pids()).sort()).toEqual(['etcd', 'kube-apiserver']);
    expect(pids.every(isAlive)).toBe(true);
    expect(existsSync(join(cp.logsDir, 'kube-apiserver.log'))).toBe(true);
    await cp.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(cp.dir)).toBe(false);
  });

  describe('with a broken etcd', () => {
    let binDir: string;
    beforeAll(() => {
      binDir = mkdtempSync(join(tmpdir(), 'wirespeed-fake-bin-'));
      for (const real of ['kube-apiserver', 'kube-scheduler']) {
        symlinkSync(join(inject('k8sBinDir'), real), join(binDir, real));
      }
    });
    afterAll(() => rmSync(binDir, { recursive: true, force: true }));

    const fakeEtcd = (script: string): void => {
      writeFileSync(join(binDir, 'etcd'), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    };

    it('fails the start with the log of a component that exits early', async () => {
      fakeEtcd('echo "etcd: cannot open the data directory" >&2; exit 3');
      const dir = join(binDir, 'state-exit');
      await expect(startControlPlane({ binDir, dir, scheduler: false })).rejects.toThrow(
        /etcd exited with code 3 during start-up[\s\S]*cannot open the data directory/,
      );
      expect(existsSync(dir)).toBe(false);
    });

    it('names the component, the timeout and the log tail when a component never gets ready', async () => {
      fakeEtcd('echo "etcd: waiting for a disk that never comes"; exec sleep 600');
      await expect(startControlPlane({ binDir, scheduler: false, readyTimeoutMs: 1500 })).rejects.toThrow(
        /timed out after 1500 ms waiting for etcd health[\s\S]*waiting for a disk that never comes/,
      );
    });
  });
});

describe('wirespeed dev-cluster', () => {
  const cli = join(import.meta.dirname, '..', '..', 'src', 'cli.ts');
  let dir: string;
  const run = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', cli, 'dev-cluster', ...args, '--dir', dir],
        { env: { ...process.env, WIRESPEED_K8S_BIN: inject('k8sBinDir') } },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'wirespeed-cli-')), 'dev-cluster');
  });
  afterAll(async () => {
    await run('down');
    rmSync(dirname(dir), { recursive: true, force: true });
  });

  it('starts a control plane that outlives the command, and says so when asked twice', async () => {
    const up = await run('up');
    expect(up.code).toBe(0);
    expect(up.stderr).toContain('control plane is ready');
    const kubeconfigPath = join(dir, 'admin.kubeconfig');
    expect(up.stdout).toContain(`export KUBECONFIG=${kubeconfigPath}`);

    // The command has exited; the cluster still answers.
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const namespaces = await kc.makeApiClient(CoreV1Api).listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).toContain('default');

    const again = await run('up');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already up');
    expect((await run('env')).stdout).toBe(`export KUBECONFIG=${kubeconfigPath}\n`);
  });

  let pids: number[] = [];

  it('reports every component in status', async () => {
    const status = await run('status');
    pids = [...status.stdout.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    expect(status.code).toBe(0);
    for (const name of ['etcd', 'kube-apiserver', 'kube-scheduler']) {
      expect(status.stdout).toMatch(new RegExp(`${name} +running \\(pid \\d+\\)`));
    }
    expect(status.stdout).toMatch(/api server +https:\/\/127\.0\.0\.1:\d+: ready/);
  });

  it('stops every process and removes the state on down', async () => {
    expect(pids).toHaveLength(3);
    const down = await run('down');
    expect(down.code).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    const status = await run('status');
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('no dev cluster');
  });
});
