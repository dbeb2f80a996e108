/**
 * The real kube-scheduler's throughput with fake nodes and pods that all ask for a device: without an extender,
 * with a trivial always-yes extender (what the HTTP round trips alone cost), with ours, and with ours binding.
 * The pods are created while no scheduler runs; throughput is counted from the first binding seen to the last,
 * so scheduler start-up is left out. The scheduler's client rate limit is raised (as scheduler_perf does) so
 * the API client is not what is measured.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api } from '@kubernetes/client-node';
import { startControlPlane } from '../src/devcluster/controlplane.js';
import { createFakeNode } from '../src/devcluster/nodes.js';
import { waitFor } from '../src/devcluster/wait.js';
import {
  devicePod,
  ensureNamespace,
  extenderSchedulerConfig,
  reportStatus,
  startLocalExtender,
  writeNodeNetworkState,
} from '../src/harness/local-extender.js';
import { ListWatch } from '../src/kube/list-watch.js';
import { collectionPath, PODS } from '../src/kube/paths.js';
import { recordFigure } from './summary.js';

const POOL = 'intel.com/sriov_a';

type Mode = 'none' | 'trivial' | 'ours' | 'ours-filter-only' | 'ours-bind';

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/** Always yes: every node passes, every score 0. */
async function startTrivialExtender(): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const args = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { NodeNames: string[] };
      const body = req.url?.endsWith('/filter')
        ? { NodeNames: args.NodeNames, FailedNodes: {}, FailedAndUnresolvableNodes: {}, Error: '' }
        : args.NodeNames.map((Host) => ({ Host, Score: 0 }));
      const payload = JSON.stringify(body);
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
      });
      res.end(payload);
    });
  });
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

export async function runSchedulerThroughput(opts: { nodes: number; pods: number }): Promise<void> {
  const cp = await startControlPlane({ scheduler: false });
  const trivial = await startTrivialExtender();
  const results = new Map<Mode, number>();
  try {
    const core = cp.kc.makeApiClient(CoreV1Api);
    const ours = await startLocalExtender(cp, { leaseNamespace: '', managedResources: [POOL] });
    const binder = await startLocalExtender(cp, {
      leaseNamespace: '',
      managedResources: [POOL],
      bindMode: true,
    });
    const names = Array.from({ length: opts.nodes }, (_, i) => `bench-node-${i}`);
    const began = Date.now();
    await inBatches(names, 25, (n) => createFakeNode(cp.kc, n, { [POOL]: '8' }));
    await inBatches(names, 25, (n) =>
      writeNodeNetworkState(
        ours.endpoint,
        n,
        reportStatus({
          [POOL]: [
            [4, 4],
            [4, 4],
          ],
        }),
      ),
    );
    await waitFor(
      'both extenders to hold every report',
      async () =>
        ours.extender.reports.size === opts.nodes && binder.extender.reports.size === opts.nodes
          ? true
          : undefined,
      { timeoutMs: 120_000 },
    );
    process.stdout.write(
      `scheduler bench: ${opts.nodes} fake nodes with reports in ${Date.now() - began} ms\n`,
    );
    const base = { clientConnection: { qps: 5000, burst: 5000 } };
    const configs: Record<Mode, Record<string, unknown>> = {
      none: { ...base, profiles: [{ schedulerName: 'default-scheduler', percentageOfNodesToScore: 100 }] },
      trivial: { ...base, ...extenderSchedulerConfig(trivial.url, { managedResources: [POOL] }) },
      ours: { ...base, ...ours.schedulerConfig({ managedResources: [POOL] }) },
      'ours-filter-only': {
        ...base,
        ...ours.schedulerConfig({ managedResources: [POOL], prioritize: false }),
      },
      'ours-bind': { ...base, ...binder.schedulerConfig({ managedResources: [POOL], bind: true }) },
    };
    for (const mode of ['none', 'trivial', 'ours', 'ours-filter-only', 'ours-bind'] as Mode[]) {
      const namespace = `bench-${mode}`;
      await cp.stopScheduler();
      await ensureNamespace(ours.endpoint, namespace);
      const pods = Array.from({ length: opts.pods }, (_, i) => `p-${i}`);
      await inBatches(pods, 25, (name) =>
        core.createNamespacedPod({ namespace, body: devicePod(namespace, name, POOL, 1) }),
      );
      const boundAt: number[] = [];
      const watch = new ListWatch<{ metadata: { name: string; namespace?: string } }>(
        ours.endpoint,
        collectionPath(PODS, namespace),
        { fieldSelector: 'spec.nodeName!=' },
      );
      watch.on('add', () => boundAt.push(Date.now()));
      await watch.start();
      await cp.startScheduler(configs[mode]);
      await waitFor(
        `${mode}: all ${opts.pods} pods bound`,
        async () => (boundAt.length >= opts.pods ? true : undefined),
        {
          timeoutMs: 600_000,
          intervalMs: 200,
          detail: () => `${boundAt.length} bound`,
        },
      );
      watch.stop();
      const seconds = (boundAt[boundAt.length - 1]! - boundAt[0]!) / 1000;
      const rate = (opts.pods - 1) / seconds;
      results.set(mode, rate);
      process.stdout.write(
        `scheduler bench: ${mode.padEnd(16)} ${rate.toFixed(0)} pods/s (${opts.pods} pods in ${seconds.toFixed(2)} s)\n`,
      );
      await cp.stopScheduler();
      await core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 });
      await waitFor(
        `${mode}: reservations released`,
        async () =>
          (ours.extender.ledger?.size ?? 0) === 0 && (binder.extender.ledger?.size ?? 0) === 0
            ? true
            : undefined,
        { timeoutMs: 60_000 },
      );
    }
    const none = results.get('none')!;
    for (const mode of ['trivial', 'ours', 'ours-filter-only', 'ours-bind'] as Mode[]) {
      const ratio = results.get(mode)! / none;
      if (mode !== 'trivial') {
        recordFigure({
          bench: 'extender',
          figure: `kube-scheduler pods/s, ${mode} / none`,
          value: ratio,
          unit: '×',
          target: 0.8,
          kind: 'min',
        });
      }
      const verdict = mode === 'trivial' ? '' : ratio >= 0.8 ? ' ok' : ' UNDER';
      process.stdout.write(
        `scheduler bench: ${mode} / none = ${ratio.toFixed(2)}${mode === 'trivial' ? '' : ' (target >= 0.8)'}${verdict}\n`,
      );
    }
    await ours.stop();
    await binder.stop();
  } finally {
    trivial.close();
    await cp.stop();
  }
}
