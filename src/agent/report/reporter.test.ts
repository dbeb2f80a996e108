import { afterEach, describe, expect, it, vi } from 'vitest';
import { allocatableOf, device, nodePods, podResources, pool } from '../../../test/support/report.js';
import type { NodeNetworkStateStatus } from '../../api/wirespeed-v1alpha1.js';
import { silentLogger } from '../../telemetry/logger.js';
import type { ReportMetrics } from './metrics.js';
import type { NodeLabeler } from './node-labeler.js';
import type { NodeNetworkStateWriter, WriteResult } from './node-network-state-writer.js';
import type { NodeResourceTopologyWriter } from './node-resource-topology-writer.js';
import { Reporter, type ReporterInput } from './reporter.js';

const A = 'intel.com/sriov_a';
const poolA = pool(A, [device('0000:3b:02.0', 0), device('0000:3b:02.1', 0)]);
const input = (held: string[], over: Partial<ReporterInput> = {}): ReporterInput => ({
  pools: [poolA],
  allocatable: allocatableOf([poolA]),
  podResources: held.length ? [podResources('telco', 'cnf-1', { [A]: held })] : [],
  pods: nodePods(['telco', 'cnf-1', 'uid-1', 'Running']),
  kubelet: { topologyManagerPolicy: 'single-numa-node', topologyManagerScope: 'pod' },
  ...over,
});

/** A NodeNetworkState writer that records what it was given and answers from a script. */
function fakeWriter(answers: (WriteResult | Error)[] = []) {
  const written: { status: NodeNetworkStateStatus; verify: boolean }[] = [];
  let release: (() => void) | undefined;
  const writer = {
    written,
    invalidated: 0,
    /** Makes the next write wait until `open()` is called. */
    hold(): void {
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      writer.gate = gate;
    },
    open(): void {
      release?.();
    },
    gate: undefined as Promise<void> | undefined,
    async write(status: NodeNetworkStateStatus, opts: { verify?: boolean } = {}): Promise<WriteResult> {
      written.push({ status, verify: opts.verify ?? false });
      const gate = writer.gate;
      writer.gate = undefined;
      if (gate) await gate;
      const answer = answers.shift() ?? 'updated';
      if (answer instanceof Error) throw answer;
      return answer;
    },
    invalidate(): void {
      writer.invalidated += 1;
    },
  };
  return writer;
}

function recordingMetrics() {
  const writes: string[] = [];
  const unaccounted = new Map<string, number>();
  const metrics: ReportMetrics = {
    writes: { inc: ({ object, result }) => writes.push(`${object} ${result}`) },
    unaccounted: { set: ({ reason }, value) => unaccounted.set(reason, value) },
    reportLatency: { observe: () => undefined },
  };
  return { metrics, writes, unaccounted };
}

const reporters: Reporter[] = [];
function reporter(deps: {
  nns: ReturnType<typeof fakeWriter>;
  nrt?: Pick<NodeResourceTopologyWriter, 'write' | 'invalidate'>;
  labeler?: Pick<NodeLabeler, 'set'>;
  metrics?: ReportMetrics;
  retryMs?: number;
}): Reporter {
  const r = new Reporter(
    { retryMs: deps.retryMs ?? 10 },
    {
      nns: deps.nns as unknown as NodeNetworkStateWriter,
      ...(deps.nrt ? { nrt: deps.nrt as NodeResourceTopologyWriter } : {}),
      ...(deps.labeler ? { labeler: deps.labeler as NodeLabeler } : {}),
      metrics: deps.metrics ?? recordingMetrics().metrics,
      log: silentLogger,
      now: () => new Date('2026-12-01T09:00:00Z'),
    },
  );
  reporters.push(r);
  return r;
}

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(reporters.splice(0).map((r) => r.stop()));
});

describe('Reporter', () => {
  it('verifies against the server on its first write only', async () => {
    const nns = fakeWriter(['unchanged', 'updated']);
    const r = reporter({ nns });
    await r.update(input([]));
    await r.update(input(['0000:3b:02.0']));
    expect(nns.written.map((w) => w.verify)).toEqual([true, false]);
    expect(nns.written[1]?.status.pools[0]?.numaNodes[0]).toEqual({
      numaNode: 0,
      capacity: 2,
      allocatable: 2,
      allocated: 1,
      free: 1,
    });
    expect(r.notReadyReason()).toBeUndefined();
  });

  it('collapses updates that arrive during a write into the latest', async () => {
    const nns = fakeWriter();
    const r = reporter({ nns });
    nns.hold();
    const first = r.update(input([]));
    const later = [r.update(input(['0000:3b:02.0'])), r.update(input(['0000:3b:02.1']))];
    nns.open();
    await Promise.all([first, ...later]);
    expect(nns.written.map((w) => w.status.pods.flatMap((p) => p.devices.flatMap((d) => d.ids)))).toEqual([
      [],
      ['0000:3b:02.1'],
    ]);
  });

  it('writes nothing until the kubelet has answered pod-resources, and says so', async () => {
    const nns = fakeWriter();
    const r = reporter({ nns });
    await r.update(input([], { allocatable: null }));
    expect(nns.written).toEqual([]);
    expect(r.notReadyReason()).toBe(
      "no report written yet: the kubelet's pod-resources API has not answered",
    );
    await r.update(input([]));
    expect(nns.written).toHaveLength(1);
    expect(r.notReadyReason()).toBeUndefined();
  });

  it('retries a failed write, reading the server again, and reports why meanwhile', async () => {
    const nns = fakeWriter([new Error('HTTP 500: etcd timeout'), 'updated']);
    const { metrics, writes } = recordingMetrics();
    const r = reporter({ nns, metrics, retryMs: 5 });
    await r.update(input(['0000:3b:02.0']));
    expect(r.notReadyReason()).toBe('writing NodeNetworkState failed: HTTP 500: etcd timeout');
    expect(nns.invalidated).toBe(1);
    await vi.waitFor(() => expect(nns.written).toHaveLength(2));
    await vi.waitFor(() => expect(r.notReadyReason()).toBeUndefined());
    expect(nns.written[1]?.verify).toBe(true);
    expect(writes).toEqual(['NodeNetworkState error', 'NodeNetworkState updated']);
  });

  it('keeps writing the report when the topology or the label fails', async () => {
    const nns = fakeWriter();
    const { metrics, writes } = recordingMetrics();
    const nrt = {
      write: vi.fn(async () => {
        throw new Error('the API server does not serve noderesourcetopologies');
      }),
      invalidate: vi.fn(),
    };
    const labeler = { set: vi.fn(async (_capable: boolean) => 'updated' as const) };
    const r = reporter({ nns, nrt, labeler, metrics });
    await r.update(input([], { sriovCapable: true }));
    await r.update(input(['0000:3b:02.0'], { sriovCapable: false }));
    expect(nns.written).toHaveLength(2);
    expect(writes).toEqual([
      'NodeNetworkState updated',
      'NodeResourceTopology error',
      'NodeNetworkState updated',
      'NodeResourceTopology error',
    ]);
    expect(labeler.set.mock.calls.map((c) => c[0])).toEqual([true, false]);
    expect(r.notReadyReason()).toBeUndefined();
  });

  it('leaves the label alone when the input does not say whether the host is capable', async () => {
    const labeler = { set: vi.fn(async (_capable: boolean) => 'updated' as const) };
    const r = reporter({ nns: fakeWriter(), labeler });
    await r.update(input([]));
    expect(labeler.set).not.toHaveBeenCalled();
  });

  it('counts what it could not attribute', async () => {
    const { metrics, unaccounted } = recordingMetrics();
    const r = reporter({ nns: fakeWriter(), metrics });
    await r.update(
      input([], {
        podResources: [
          podResources('telco', 'not-seen-yet', { [A]: ['0000:3b:02.0'] }),
          podResources('telco', 'cnf-1', { [A]: ['0000:99:00.0', '0000:99:00.1'] }),
        ],
      }),
    );
    expect(Object.fromEntries(unaccounted)).toEqual({ 'unknown-pod': 1, 'unknown-device': 2 });
  });
});
