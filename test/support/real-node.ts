import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { resolveNodeBinaries } from '../../src/devcluster/binaries.js';
import type { ControlPlane } from '../../src/devcluster/controlplane.js';
import {
  type CriRequest,
  type RealNode,
  type RealNodeOptions,
  realNodeSupport,
  startRealNode,
} from '../../src/devcluster/kubelet.js';
import { waitFor } from '../../src/devcluster/wait.js';

/**
 * Why real nodes cannot run here (not Linux, not root, no working `unshare -m`), or undefined. The kubelet and
 * fakecri are not part of it: `useRealNodes` builds them when missing, so a machine that can run them does.
 * Use as `describe.skipIf(realNodeSkipReason)(…)`; the reason is printed once per test file.
 */
export const realNodeSkipReason: string | undefined = realNodeSupport({ checkBinaries: false });
if (realNodeSkipReason) process.stderr.write(`real-node tests skipped: ${realNodeSkipReason}\n`);

/** A cold kubelet build takes minutes on 2 CPUs; a warm one seconds. */
const BUILD_TIMEOUT_MS = 20 * 60_000;

export type RealNodeSpec = Omit<RealNodeOptions, 'controlPlane' | 'binDir'>;

/**
 * Real nodes for the describe block that calls this, started (in parallel) before its tests and stopped after
 * them. `controlPlane` is read in the hook, so it can be `() => useControlPlane().cp`. When a test fails the
 * nodes' logs (kubelet, fakecri) are copied out before the node directories go, and the copy's path printed.
 */
export function useRealNodes(
  controlPlane: () => ControlPlane,
  specs: RealNodeSpec[],
): { node(name: string): RealNode; readonly nodes: RealNode[]; readonly binDir: string } {
  const started = new Map<string, RealNode>();
  let binDir: string | undefined;
  let failed = false;
  beforeAll(async () => {
    binDir = await resolveNodeBinaries();
  }, BUILD_TIMEOUT_MS);
  beforeAll(async () => {
    const cp = controlPlane();
    const results = await Promise.allSettled(
      specs.map(async (spec) => {
        const node = await startRealNode({ ...spec, controlPlane: cp, ...(binDir ? { binDir } : {}) });
        started.set(spec.name, node);
      }),
    );
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  });
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      failed = true;
    });
  });
  afterAll(async () => {
    if (failed) keepLogs([...started.values()]);
    await Promise.all([...started.values()].map((n) => n.stop()));
  });
  return {
    node(name: string): RealNode {
      const node = started.get(name);
      if (!node) throw new Error(`real node ${name} is not started (use it inside tests or hooks)`);
      return node;
    },
    get nodes(): RealNode[] {
      return [...started.values()];
    },
    get binDir(): string {
      if (!binDir) throw new Error('the node binaries are not resolved yet (use inside tests or hooks)');
      return binDir;
    },
  };
}

function keepLogs(nodes: RealNode[]): void {
  if (nodes.length === 0) return;
  const kept = mkdtempSync(join(tmpdir(), 'wirespeed-node-logs-'));
  for (const node of nodes) cpSync(node.logsDir, join(kept, node.name), { recursive: true });
  process.stderr.write(`real node logs kept in ${kept}\n`);
}

/**
 * The CreateContainer the kubelet of `node` sent for `container` (default: the pod's first) of pod `podName`,
 * once it is in the CRI record: envs, mounts, devices, annotations, CDI devices and cpuset decoded.
 */
export function waitForCreateContainer(
  node: RealNode,
  podName: string,
  opts: { namespace?: string; container?: string; timeoutMs?: number } = {},
): Promise<CriRequest> {
  const namespace = opts.namespace ?? 'default';
  return waitFor(
    `CreateContainer of pod ${namespace}/${podName} on node ${node.name}`,
    async () =>
      (await node.criRecord()).find(
        (r) =>
          r.method === 'CreateContainer' &&
          r.pod?.name === podName &&
          r.pod.namespace === namespace &&
          (opts.container === undefined || r.container?.name === opts.container),
      ),
    { timeoutMs: opts.timeoutMs ?? 30_000, intervalMs: 100 },
  );
}
