/**
 * `npm run bench:extender`: the extender's verbs at concurrency 1 (the scheduler calls them from its serial
 * cycle) over loopback, for 100 / 500 / 5,000 node names, 2 and 8 NUMA nodes, 1 and 8 pools, with the RSS of the
 * server holding that many reports; then (unless --micro-only) the real kube-scheduler's throughput with 1,000
 * fake nodes and 1,000 pods asking for a device: no extender, a trivial always-yes extender, ours. Figures are
 * printed against the targets, never asserted; see docs/benchmarks.md.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { compileEntry } from './compile.js';
import { runSchedulerThroughput } from './extender-scheduler.js';
import type { BenchShape } from './extender-server.js';
import { recordFigure } from './summary.js';

interface Sample {
  port?: number;
  rss: number;
  heapUsed: number;
}

async function startServer(
  entry: string,
  shape: BenchShape,
): Promise<{ child: ChildProcess; first: Sample }> {
  const child = fork(entry, [JSON.stringify(shape)], { execArgv: ['--expose-gc'], stdio: 'inherit' });
  const [first] = (await once(child, 'message')) as [Sample];
  return { child, first };
}

async function sample(child: ChildProcess): Promise<Sample> {
  child.send('sample');
  const [m] = (await once(child, 'message')) as [Sample];
  return m;
}

function benchPod(pools: number): unknown {
  const requests = Object.fromEntries(Array.from({ length: pools }, (_, p) => [`intel.com/sriov_${p}`, '1']));
  return {
    metadata: { name: 'cnf-1', namespace: 'telco', uid: '0b9c2f6e-3a1d-4c55-9d0e-bench' },
    spec: {
      containers: [{ name: 'app', image: 'cnf:1', resources: { requests, limits: requests } }],
    },
  };
}

/** Round trips in ms, one request at a time on one keep-alive connection. */
async function roundTrips(port: number, path: string, body: string, count: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const one = () =>
    new Promise<number>((resolvePromise, reject) => {
      const started = process.hrtime.bigint();
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) reject(new Error(`${path}: HTTP ${res.statusCode}`));
            else resolvePromise(Number(process.hrtime.bigint() - started) / 1e6);
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(await one());
  agent.destroy();
  return out;
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function micro(): Promise<void> {
  const { entry, outDir } = compileEntry('bench/extender-server.ts', { prefix: 'extender' });
  const rows: string[] = [];
  try {
    for (const nodes of [100, 500, 5000]) {
      for (const numaNodes of [2, 8]) {
        for (const pools of [1, 8]) {
          const { child, first } = await startServer(entry, { nodes, numaNodes, pools });
          const body = JSON.stringify({
            Pod: benchPod(pools),
            Nodes: null,
            NodeNames: Array.from({ length: nodes }, (_, i) => `node-${i}`),
          });
          const count = nodes >= 5000 ? 300 : 1000;
          await roundTrips(first.port!, '/filter', body, 200);
          const filter = await roundTrips(first.port!, '/filter', body, count);
          const prioritize = await roundTrips(first.port!, '/prioritize', body, count);
          const after = await sample(child);
          child.kill();
          const target = nodes === 500 ? 1 : nodes === 5000 ? 4 : undefined;
          if (target !== undefined) {
            const shape = `${nodes} names ${numaNodes} NUMA ${pools} pool${pools > 1 ? 's' : ''}`;
            for (const [verb, times] of [
              ['filter', filter],
              ['prioritize', prioritize],
            ] as const) {
              recordFigure({
                bench: 'extender',
                figure: `${verb} p99, ${shape}`,
                value: pct(times, 99),
                unit: 'ms',
                target,
                kind: 'max',
              });
            }
            if (nodes === 5000) {
              const rss = Math.max(first.rss, after.rss) / 2 ** 20;
              recordFigure({
                bench: 'extender',
                figure: `RSS, ${shape}`,
                value: rss,
                unit: 'MB',
                target: 150,
                kind: 'max',
              });
            }
          }
          const mark = (v: number) => (target === undefined ? '' : v <= target ? ' ok' : ' OVER');
          rows.push(
            `${String(nodes).padStart(5)} names ${numaNodes} NUMA ${pools} pool${pools > 1 ? 's' : ' '} | ` +
              `filter p50 ${pct(filter, 50).toFixed(3)} p99 ${pct(filter, 99).toFixed(3)} ms${mark(pct(filter, 99))} | ` +
              `prioritize p50 ${pct(prioritize, 50).toFixed(3)} p99 ${pct(prioritize, 99).toFixed(3)} ms${mark(pct(prioritize, 99))} | ` +
              `body ${(body.length / 1024).toFixed(0)} kB | RSS ${(first.rss / 2 ** 20).toFixed(0)} MB idle, ${(after.rss / 2 ** 20).toFixed(0)} MB after, heap ${(after.heapUsed / 2 ** 20).toFixed(0)} MB` +
              (nodes === 5000 ? (Math.max(first.rss, after.rss) <= 150 * 2 ** 20 ? ' ok' : ' OVER') : ''),
          );
          process.stdout.write(`${rows[rows.length - 1]}\n`);
        }
      }
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  process.stdout.write(
    'targets: filter/prioritize p99 <= 1 ms at 500 names, <= 4 ms at 5,000; RSS <= 150 MB with 5,000 reports\n',
  );
}

const { values } = parseArgs({
  options: {
    'micro-only': { type: 'boolean', default: false },
    'scheduler-only': { type: 'boolean', default: false },
    nodes: { type: 'string', default: '1000' },
    pods: { type: 'string', default: '1000' },
  },
});
if (!values['scheduler-only']) await micro();
if (!values['micro-only']) {
  await runSchedulerThroughput({ nodes: Number(values.nodes), pods: Number(values.pods) });
}
