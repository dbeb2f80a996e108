/**
 * The extender's verbs over `count` in-memory node reports, without informers, for `bench/extender.ts`: run as
 * compiled JavaScript in a child process so its RSS is the extender's own. Parent → child: nothing; child →
 * parent: `{ port, rss, heapUsed }` once listening, `{ rss, heapUsed }` on every 'sample' message.
 */
import type { NodeNetworkState } from '../src/api/wirespeed-v1alpha1.js';
import { Ledger } from '../src/core/fit/index.js';
import { createDecisions } from '../src/extender/decisions.js';
import { InflightHolds } from '../src/extender/inflight.js';
import { createExtenderMetrics } from '../src/extender/metrics.js';
import { NodeReports } from '../src/extender/node-reports.js';
import { extenderRoutes } from '../src/extender/routes.js';
import { serveExtender } from '../src/extender/server.js';
import { silentLogger } from '../src/telemetry/logger.js';

export interface BenchShape {
  nodes: number;
  numaNodes: number;
  pools: number;
}

export const poolName = (i: number): string => `intel.com/sriov_${i}`;

/** Node `i` has `(i + k) % 5` free devices of each pool on NUMA node k (of 4), so some nodes fit and some not. */
export function benchReport(i: number, shape: BenchShape): NodeNetworkState {
  return {
    apiVersion: 'wirespeed.io/v1alpha1',
    kind: 'NodeNetworkState',
    metadata: { name: `node-${i}` },
    status: {
      kubelet: { topologyManagerPolicy: 'single-numa-node', topologyManagerScope: 'pod' },
      pools: Array.from({ length: shape.pools }, (_, p) => ({
        resourceName: poolName(p),
        deviceType: 'vfio-pci' as const,
        numaNodes: Array.from({ length: shape.numaNodes }, (_, k) => {
          const free = (i + k) % 5;
          return { numaNode: k, capacity: 4, allocatable: 4, allocated: 4 - free, free };
        }),
      })),
      pods: Array.from({ length: 4 }, (_, j) => ({
        uid: `pod-${i}-${j}`,
        namespace: 'telco',
        name: `cnf-${i}-${j}`,
        devices: [{ resourceName: poolName(0), numaNode: 0, ids: [`0000:3b:0${j}.1`] }],
      })),
      reportTime: new Date().toISOString(),
    },
  };
}

async function main(): Promise<void> {
  const shape = JSON.parse(process.argv[2] ?? '{}') as BenchShape;
  const metrics = createExtenderMetrics({ processMetrics: false });
  const reports = new NodeReports({ useLeases: false, leaseNamePrefix: 'x-', maxReportAgeMs: 0 });
  const managed = new Set(Array.from({ length: shape.pools }, (_, p) => poolName(p)));
  for (let i = 0; i < shape.nodes; i++) reports.setReport(benchReport(i, shape));
  const ledger = new Ledger({ ttlMs: 300_000, maxReservations: 100_000 });
  const inflight = new InflightHolds(3000);
  const decisions = createDecisions({
    reports,
    ledger,
    inflight,
    managed,
    options: { score: 'tight', missingReport: 'reject' },
    now: Date.now,
    metrics,
  });
  const routes = extenderRoutes(
    decisions,
    { prefix: '', bodyLimitBytes: 16 << 20 },
    { log: silentLogger, metrics },
  );
  const listening = await serveExtender(
    {
      port: 0,
      bindAddress: '127.0.0.1',
      keepAliveTimeoutMs: 120_000,
      requestTimeoutMs: 4000,
      shutdownTimeoutMs: 1000,
    },
    routes,
    { notReadyReason: () => undefined, metrics, log: silentLogger },
  );
  const sample = () => {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    return { rss: m.rss, heapUsed: m.heapUsed };
  };
  process.on('message', () => process.send?.(sample()));
  process.send?.({ port: listening.port, ...sample() });
}

if (process.send) await main();
