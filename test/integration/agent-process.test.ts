/**
 * `wirespeed agent` as a process against a real API server, with a stand-in for the kubelet's device manager
 * and pod-resources (the real kubelet is in agent.test.ts): flags, pino logs, a policy whose nodeSelector
 * starts to match when the Node is labelled, /readyz saying what it waits for, /metrics, the reports, and
 * SIGTERM stopping the servers (sockets removed) with exit code 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedLayout, vfAddress } from '../../src/agent/host/simulated/layout.js';
import { createSimulatedHost } from '../../src/agent/host/simulated/simulated-host.js';
import type { NodeNetworkState } from '../../src/api/wirespeed-v1alpha1.js';
import { createFakeNode } from '../../src/devcluster/nodes.js';
import { freePort } from '../../src/devcluster/ports.js';
import { waitFor } from '../../src/devcluster/wait.js';
import { type KubeEndpoint, loadKubeEndpoint } from '../../src/kube/endpoint.js';
import { installCrdFiles } from '../support/crds.js';
import { FakeDeviceManager } from '../support/fake-device-manager.js';
import { FakePodResources, wireDevice } from '../support/fake-pod-resources.js';
import { useControlPlane } from './support.js';

const NODE = 'proc-1';
const NAMESPACE = 'wirespeed-agent';
const layout = simulatedLayout({ pfs: 1, vfs: 2, numVfs: 2, numa: 1 });
const pf = layout.pfs[0]!;

describe('wirespeed agent (the process)', () => {
  const plane = useControlPlane({ scheduler: false });
  const dir = mkdtempSync(join(tmpdir(), 'ws-agent-proc-'));
  const dpDir = join(dir, 'dp');
  const kubelet = new FakeDeviceManager(dpDir);
  const podResources = new FakePodResources(join(dir, 'pr.sock'));
  let api: KubeEndpoint;
  let child: ChildProcess;
  let port: number;
  let stderr = '';
  let exit: Promise<number | null>;
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, text: await res.text() };
  };

  beforeAll(async () => {
    await installCrdFiles(plane.cp.kubeconfigPath, [
      '02-crd-networknodepolicy.yaml',
      '03-crd-nodenetworkstate.yaml',
      '04-crd-noderesourcetopology.yaml',
    ]);
    await plane.cp.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NAMESPACE } } });
    await createFakeNode(plane.cp.kc, NODE, {});
    api = loadKubeEndpoint(plane.cp.kubeconfigPath);
    const created = await api.json(
      `/apis/wirespeed.io/v1alpha1/namespaces/${NAMESPACE}/networknodepolicies`,
      {
        method: 'POST',
        body: {
          apiVersion: 'wirespeed.io/v1alpha1',
          kind: 'NetworkNodePolicy',
          metadata: { name: 'labelled', namespace: NAMESPACE },
          spec: {
            resourceName: 'net',
            nodeSelector: { 'wirespeed.io/sriov': 'yes' },
            deviceType: 'netdevice',
            numVfs: 2,
            nicSelector: { vendor: pf.vendor },
          },
        },
      },
    );
    expect(created.status).toBe(201);
    await createSimulatedHost(join(dir, 'host'), layout);
    mkdirSync(dpDir);
    await kubelet.start();
    podResources.allocatable = [0, 1].map((i) => wireDevice('example.com/net', vfAddress(pf, i), 0));
    await podResources.start();
    port = await freePort();
    child = spawn(
      process.execPath,
      [
        // WIRESPEED_CLI=dist/src/cli.js runs the built CLI instead (as the image does).
        ...(process.env.WIRESPEED_CLI ? [process.env.WIRESPEED_CLI] : ['--import', 'tsx', 'src/cli.ts']),
        'agent',
        `--node-name=${NODE}`,
        `--namespace=${NAMESPACE}`,
        `--host-root=${join(dir, 'host')}`,
        `--device-plugin-dir=${dpDir}`,
        `--pod-resources-socket=${podResources.socket}`,
        '--kubelet-config=',
        '--resource-prefix=example.com',
        '--rediscover-interval=1s',
        '--pod-resources-interval=200ms',
        `--metrics-port=${port}`,
        '--bind-address=127.0.0.1',
        `--kubeconfig=${plane.cp.kubeconfigPath}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  });

  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    kubelet.stop();
    podResources.stop();
    api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves nothing while no policy selects the node, and says it is ready once the report is written', async () => {
    await waitFor(
      'the agent to answer /healthz',
      async () => ((await get('/healthz')).status === 200 ? true : undefined),
      {
        detail: () => stderr,
      },
    );
    await waitFor(
      'the agent to be ready',
      async () => ((await get('/readyz')).status === 200 ? true : undefined),
      {
        detail: () => stderr,
      },
    );
    expect(readdirSync(dpDir)).toEqual(['kubelet.sock']);
    const state = await api.json(`/apis/wirespeed.io/v1alpha1/nodenetworkstates/${NODE}`);
    expect((state.body as NodeNetworkState).status?.pools).toEqual([]);
  });

  it('labelling the Node makes the policy apply: the pool is served and registered, the report counts it', async () => {
    await api.json(`/api/v1/nodes/${NODE}`, {
      method: 'PATCH',
      body: { metadata: { labels: { 'wirespeed.io/sriov': 'yes' } } },
      contentType: 'application/merge-patch+json',
    });
    await waitFor(
      'the pool to register',
      async () => (kubelet.latest('example.com/net')?.devices?.length === 2 ? true : undefined),
      {
        detail: () => stderr,
      },
    );
    const pools = await waitFor('the report to count the pool', async () => {
      const state = await api.json(`/apis/wirespeed.io/v1alpha1/nodenetworkstates/${NODE}`);
      const found = (state.body as NodeNetworkState).status?.pools ?? [];
      return found.length > 0 ? found : undefined;
    });
    expect(pools).toEqual([
      {
        resourceName: 'example.com/net',
        deviceType: 'netdevice',
        numaNodes: [{ numaNode: 0, capacity: 2, allocatable: 2, allocated: 0, free: 2 }],
      },
    ]);
    const metrics = (await get('/metrics')).text;
    expect(metrics).toContain(
      'wirespeed_agent_devices{pool="example.com/net",numa_node="0",health="Healthy"} 2',
    );
    expect(metrics).toContain('wirespeed_agent_registrations_total{pool="example.com/net",result="ok"} 1');
    const lines = stderr.split('\n').filter((l) => l.startsWith('{'));
    expect(lines.some((l) => (JSON.parse(l) as { msg?: string }).msg === 'registered with the kubelet')).toBe(
      true,
    );
  });

  it('SIGTERM stops the servers, removes the sockets and exits 0', async () => {
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
    process.stderr.write(
      `[agent] process RSS serving 1 pool (${process.env.WIRESPEED_CLI ?? 'tsx src/cli.ts'}): ${Math.round(Number(rss) / 1024)} MB\n`,
    );
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(readdirSync(dpDir)).toEqual(['kubelet.sock']);
    expect(stderr).toContain('"msg":"agent stopped"');
  });
});
