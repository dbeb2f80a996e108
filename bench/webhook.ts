/**
 * `npm run bench:webhook`: how fast the admission webhook answers a realistic pod, against the ceiling of a bare
 * `node:https` server on the same machine. Figures are printed, never asserted; see docs/benchmarks.md.
 *
 * The servers run as compiled JavaScript in child processes (as the container runs them, and because the tsx
 * loader alone adds ~50 MB of RSS); this process is the load generator.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createCA, issueCertificate } from '../src/certs/pki.js';
import { admissionReviewText, NADS_FIXTURE, postAdmission } from '../test/support/admission.js';
import { compileEntry } from './compile.js';
import { type PacedResult, percentile, runPaced } from './paced-client.js';
import { formatSummary, summarizeProfile } from './profile-summary.js';
import type { ChildMessage, ProcessSample } from './server-process.js';
import { recordFigure } from './summary.js';

/** What the API server connects to: the webhook Service's DNS name, sent as the TLS server name. */
const SERVICE_NAME = 'wirespeed-webhook.wirespeed-system.svc';

type Kind = 'webhook' | 'bare';

interface Settings {
  warmupS: number;
  durationS: number;
  connections: number;
  rate: number;
  pacedDurationS: number;
  cpuProf: boolean;
  keep: boolean;
  /** Extra Node flags for both server processes, to try runtime tuning (heap sizes) without code changes. */
  serverNodeFlags: string[];
}

const HELP = `Usage: npm run bench:webhook -- [options]   (each option also as an environment variable)
  --duration <s>         closed-loop (autocannon) measurement per target   BENCH_DURATION    10
  --warmup <s>           warm-up before each measurement                  BENCH_WARMUP      2
  --connections <n>      autocannon connections                           BENCH_CONNECTIONS 10
  --rate <req/s>         open-loop paced rate                             BENCH_RATE        500
  --paced-duration <s>   open-loop measurement per target                 BENCH_PACED_DURATION 15
  --server-node-options=<flags>  extra node flags for both servers       BENCH_SERVER_NODE_OPTIONS
                         (e.g. --server-node-options="--max-old-space-size=96")
  --cpu-prof             profile both server processes and summarize them BENCH_CPU_PROF=1
  --keep                 keep the temporary directory (logs, profiles)    BENCH_KEEP=1`;

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      rate: { type: 'string' },
      'paced-duration': { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      'server-node-options': { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const num = (flag: string | undefined, env: string, fallback: number): number => {
    const text = flag ?? process.env[env];
    if (text === undefined || text === '') return fallback;
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0)
      throw new Error(`${env} / option: expected a positive number, got ${text}`);
    return n;
  };
  const flag = (value: boolean | undefined, env: string): boolean =>
    value ?? ['1', 'true', 'yes'].includes(process.env[env] ?? '');
  return {
    durationS: num(values.duration, 'BENCH_DURATION', 10),
    warmupS: num(values.warmup, 'BENCH_WARMUP', 2),
    connections: Math.round(num(values.connections, 'BENCH_CONNECTIONS', 10)),
    rate: num(values.rate, 'BENCH_RATE', 500),
    pacedDurationS: num(values['paced-duration'], 'BENCH_PACED_DURATION', 15),
    cpuProf: flag(values['cpu-prof'], 'BENCH_CPU_PROF'),
    keep: flag(values.keep, 'BENCH_KEEP'),
    serverNodeFlags: (values['server-node-options'] ?? process.env.BENCH_SERVER_NODE_OPTIONS ?? '')
      .split(/\s+/)
      .filter(Boolean),
  };
}

/** The server process compiled (with source maps, for --cpu-prof), so the measured process runs no loader. */
function compileServer(): { entry: string; outDir: string } {
  return compileEntry('bench/server-process.ts', { prefix: 'run', sourceMap: true });
}

interface Target {
  kind: Kind;
  port: number;
  pid: number;
  logFile: string;
  sample(collect?: boolean): Promise<ProcessSample>;
  /** Peak resident set from /proc, when the platform has it. */
  peakRss(): number | undefined;
  stop(): Promise<void>;
}

async function startTarget(
  entry: string,
  kind: Kind,
  dir: string,
  servingDir: string,
  nodeFlags: string[],
  profileDir: string | undefined,
): Promise<Target> {
  const logFile = join(dir, `${kind}.log`);
  const logFd = openSync(logFile, 'a');
  const child: ChildProcess = fork(entry, [kind, servingDir], {
    // Not the tsx flags this process runs with: the server is plain compiled JavaScript. --expose-gc only
    // exposes gc() for the live-set sample at the end; it changes nothing else.
    execArgv: [
      '--expose-gc',
      ...nodeFlags,
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    ],
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', logFd, 'ipc'],
  });
  closeSync(logFd);
  const [first] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(() => [{ type: 'failed', message: `exited early; see ${logFile}` }]),
  ])) as [ChildMessage];
  if (first.type !== 'listening') {
    throw new Error(`${kind} server did not start: ${first.type === 'failed' ? first.message : first.type}`);
  }
  return {
    kind,
    port: first.port,
    pid: child.pid!,
    logFile,
    async sample(collect = false) {
      const reply = Promise.race([
        once(child, 'message') as Promise<[ChildMessage]>,
        once(child, 'exit').then(() => {
          throw new Error(`${kind} server exited; log tail:\n${tail(logFile)}`);
        }),
      ]);
      child.send({ type: 'sample', collect });
      const [message] = await reply;
      if (message.type !== 'sample') throw new Error(`unexpected message from ${kind}: ${message.type}`);
      return message;
    },
    peakRss() {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
        return kb ? Number(kb) * 1024 : undefined;
      } catch {
        return undefined;
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface Reply {
  status: number;
  body: string;
}

function post(port: number, ca: string, body: Buffer): Promise<Reply> {
  return postAdmission({ port, caPem: ca, body, servername: SERVICE_NAME });
}

interface AdmissionReviewReply {
  response?: { uid?: string; allowed?: boolean; patchType?: string; patch?: string; status?: unknown };
}

/** One request to each server before measuring: the webhook must allow with a patch, or we would time an error path. */
async function sanityCheck(
  targets: Record<Kind, Target>,
  ca: string,
  body: Buffer,
  uid: string,
): Promise<string> {
  const webhook = await post(targets.webhook.port, ca, body);
  const review = parseReview(webhook.body);
  const response = review?.response;
  let ops: unknown;
  try {
    ops = response?.patch ? JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) : undefined;
  } catch {
    ops = undefined;
  }
  const problems = [
    webhook.status !== 200 && `HTTP ${webhook.status}`,
    response?.uid !== uid && `uid ${JSON.stringify(response?.uid)} is not ${uid}`,
    response?.allowed !== true && `not allowed (${JSON.stringify(response?.status ?? null)})`,
    response?.patchType !== 'JSONPatch' && `patchType ${JSON.stringify(response?.patchType)}`,
    !(Array.isArray(ops) && ops.length > 0) && 'no JSON patch operations',
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) {
    throw new Error(
      `webhook sanity check failed: ${problems.join('; ')}\nreply: ${webhook.body.slice(0, 600)}\nlog tail:\n${tail(targets.webhook.logFile)}`,
    );
  }
  const bare = await post(targets.bare.port, ca, body);
  if (bare.status !== 200 || parseReview(bare.body)?.response?.allowed !== true) {
    throw new Error(`bare server sanity check failed: HTTP ${bare.status} ${bare.body.slice(0, 200)}`);
  }
  return `webhook allowed uid ${uid} with a ${(ops as unknown[]).length}-operation JSONPatch; bare allowed`;
}

function parseReview(text: string): AdmissionReviewReply | undefined {
  try {
    return JSON.parse(text) as AdmissionReviewReply;
  } catch {
    return undefined;
  }
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function countLines(file: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return lines;
}

/**
 * CPU use over a phase, in % of one core: the server, this load generator, and everything else on the machine
 * (other processes compete for the same 2 cores; a high figure there means the phase was disturbed).
 */
interface CpuShare {
  server: number;
  generator: number;
  other: number | undefined;
}

/** Busy CPU time of the whole machine so far, in µs, from /proc/stat; undefined where there is none. */
function machineBusyUs(): number | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n', 1)[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
    const busy = fields.slice(0, 8).reduce((sum, v, i) => (i === 3 || i === 4 ? sum : sum + v), 0);
    return (busy * 1e6) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

async function measuringCpu<T>(
  target: Target,
  run: () => Promise<T>,
): Promise<{ result: T; cpu: CpuShare; serverCpuUs: number }> {
  const before = await target.sample();
  const ownBefore = process.cpuUsage();
  const machineBefore = machineBusyUs();
  const started = process.hrtime.bigint();
  const result = await run();
  const wallUs = Number(process.hrtime.bigint() - started) / 1000;
  const machineAfter = machineBusyUs();
  const own = process.cpuUsage(ownBefore);
  const after = await target.sample();
  const serverCpuUs = after.cpuUs - before.cpuUs;
  const ownUs = own.user + own.system;
  const other =
    machineBefore === undefined || machineAfter === undefined
      ? undefined
      : Math.max(0, (100 * (machineAfter - machineBefore - serverCpuUs - ownUs)) / wallUs);
  return {
    result,
    serverCpuUs,
    cpu: { server: (100 * serverCpuUs) / wallUs, generator: (100 * ownUs) / wallUs, other },
  };
}

interface ClosedLoop {
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU time per answered request, in µs: less sensitive than req/s to other load on the machine. */
  cpuPerRequestUs: number;
  errors: number;
  non2xx: number;
  timeouts: number;
  cpu: CpuShare;
}

async function closedLoop(target: Target, s: Settings, body: string): Promise<ClosedLoop> {
  const run = (duration: number) =>
    autocannon({
      url: `https://127.0.0.1:${target.port}/mutate`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      connections: s.connections,
      pipelining: 1,
      duration,
      servername: SERVICE_NAME,
    });
  await run(s.warmupS);
  const { result, cpu, serverCpuUs } = await measuringCpu(target, () => run(s.durationS));
  return {
    rps: result.requests.mean,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuPerRequestUs: serverCpuUs / Math.max(1, result.requests.total),
    errors: result.errors,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
    cpu,
  };
}

async function openLoop(
  target: Target,
  s: Settings,
  ca: string,
  body: Buffer,
): Promise<{ result: PacedResult; cpu: CpuShare; serverCpuUs: number }> {
  return measuringCpu(target, () =>
    runPaced(
      {
        host: '127.0.0.1',
        port: target.port,
        path: '/mutate',
        servername: SERVICE_NAME,
        ca,
        body,
        contentType: 'application/json',
      },
      {
        ratePerSecond: s.rate,
        warmupMs: s.warmupS * 1000,
        durationMs: s.pacedDurationS * 1000,
        maxSockets: 64,
      },
    ),
  );
}

const ms = (n: number): string => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms` : 'n/a');
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const pct = (n: number): string => `${n.toFixed(0)}%`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Busy CPU of the whole machine over a short interval, in % of one core (this process is idle meanwhile). */
async function otherLoad(intervalMs: number): Promise<number | undefined> {
  const before = machineBusyUs();
  await new Promise((r) => setTimeout(r, intervalMs));
  const after = machineBusyUs();
  return before === undefined || after === undefined
    ? undefined
    : (100 * (after - before)) / (intervalMs * 1000);
}

function loud(message: string): void {
  console.log(`\n!!!!!!!! ${message} !!!!!!!!\n`);
}

async function main(): Promise<void> {
  const s = settings();
  const began = Date.now();
  const fixture = JSON.parse(admissionReviewText()) as { request: { uid: string } };
  // Compact, as the API server sends it.
  const bodyText = JSON.stringify(fixture);
  const body = Buffer.from(bodyText);

  const dir = mkdtempSync(join(os.tmpdir(), 'wirespeed-bench-'));
  const profileDir = s.cpuProf ? join(dir, 'profiles') : undefined;
  if (profileDir) mkdirSync(profileDir);
  const ca = createCA({ commonName: 'wirespeed bench CA' });
  const serving = issueCertificate(ca, {
    commonName: SERVICE_NAME,
    dnsNames: [SERVICE_NAME],
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
  });
  // The webhook watches the directory of its certificate for rotations, so nothing else may be written there:
  // logs next to it would wake the watcher on every request.
  const servingDir = join(dir, 'serving');
  mkdirSync(servingDir);
  writeFileSync(join(servingDir, 'tls.crt'), serving.certPem);
  writeFileSync(join(servingDir, 'tls.key'), serving.keyPem, { mode: 0o600 });
  writeFileSync(join(servingDir, 'nads.yaml'), readFileSync(NADS_FIXTURE));

  const cpus = os.cpus();
  console.log(`Wirespeed webhook benchmark, ${new Date().toISOString()}`);
  console.log(
    `machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${mb(os.totalmem())} RAM, ` +
      `${os.type()} ${os.release()}, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    `body: ${(body.length / 1024).toFixed(1)} KB AdmissionReview (test/fixtures/admission-review-pod.json, compact)`,
  );
  if (s.serverNodeFlags.length > 0) console.log(`server node flags: ${s.serverNodeFlags.join(' ')}`);

  const { entry, outDir } = compileServer();
  const quiet = await otherLoad(1000);
  if (quiet !== undefined) {
    console.log(`other CPU load before starting: ${pct(quiet)} of one core`);
    if (quiet > 20) loud('the machine is busy with other work: figures will be disturbed');
  }
  const targets: Partial<Record<Kind, Target>> = {};
  let failed = false;
  try {
    for (const kind of ['webhook', 'bare'] as const) {
      targets[kind] = await startTarget(
        entry,
        kind,
        dir,
        servingDir,
        s.serverNodeFlags,
        profileDir && join(profileDir, kind),
      );
    }
    const both = targets as Record<Kind, Target>;
    const idle = await both.webhook.sample();
    console.log(
      `servers: webhook pid ${both.webhook.pid} (startWebhook, logs at info to ${both.webhook.logFile}), ` +
        `bare pid ${both.bare.pid}; webhook RSS at rest ${mb(idle.rss)}`,
    );
    console.log(`sanity: ${await sanityCheck(both, ca.certPem, body, fixture.request.uid)}`);

    // The steady rate first, on freshly warmed servers, as a webhook mostly lives; then saturation.
    const open: Partial<Record<Kind, { result: PacedResult; cpu: CpuShare }>> = {};
    let steady: ProcessSample | undefined;
    for (const kind of ['webhook', 'bare'] as const) {
      console.log(
        `open loop, ${kind}: ${s.rate} req/s evenly paced, ${s.warmupS} s warm-up + ${s.pacedDurationS} s …`,
      );
      const r = await openLoop(both[kind], s, ca.certPem, body);
      open[kind] = r;
      if (kind === 'webhook') steady = await both.webhook.sample();
      const failures = Object.entries(r.result.failures);
      if (failures.length > 0) {
        failed = true;
        loud(`${kind}: failed paced requests: ${failures.map(([k, v]) => `${k} × ${v}`).join(', ')}`);
      }
    }
    const closed: Partial<Record<Kind, ClosedLoop>> = {};
    for (const kind of ['bare', 'webhook'] as const) {
      console.log(
        `closed loop, ${kind}: autocannon ${s.connections} connections, pipelining 1, ${s.warmupS} s warm-up + ${s.durationS} s …`,
      );
      const r = await closedLoop(both[kind], s, bodyText);
      closed[kind] = r;
      if (r.errors > 0 || r.non2xx > 0 || r.timeouts > 0) {
        failed = true;
        loud(
          `${kind}: ${r.errors} errors, ${r.non2xx} non-2xx, ${r.timeouts} timeouts under closed-loop load`,
        );
      }
    }
    const saturated = await both.webhook.sample();
    const peak = both.webhook.peakRss();
    const live = await both.webhook.sample(true);

    const c = closed as Record<Kind, ClosedLoop>;
    const o = open as Record<Kind, { result: PacedResult; cpu: CpuShare }>;
    const other = (cpu: CpuShare) => (cpu.other === undefined ? 'n/a' : pct(cpu.other));
    console.log(`\nOpen loop (${s.rate} req/s evenly paced; latency from the scheduled send)`);
    console.log(
      table(
        [
          'server',
          'achieved',
          'p50',
          'p90',
          'p99',
          'p99.9',
          'max',
          'failed',
          'send lag p99',
          'sockets',
        ].concat(['server CPU', 'other CPU']),
        (['webhook', 'bare'] as const).map((k) => {
          const r = o[k].result;
          const l = r.latenciesMs;
          return [
            k,
            `${r.achievedRate.toFixed(0)}/s`,
            ms(percentile(l, 50)),
            ms(percentile(l, 90)),
            ms(percentile(l, 99)),
            ms(percentile(l, 99.9)),
            ms(l.at(-1) ?? Number.NaN),
            String(r.scheduled - r.succeeded),
            ms(percentile(r.sendLagMs, 99)),
            String(r.socketsOpened),
            pct(o[k].cpu.server),
            other(o[k].cpu),
          ];
        }),
      ),
    );
    console.log(
      `\nClosed loop (max throughput, autocannon ${s.connections} connections; latency in whole ms)`,
    );
    console.log(
      table(
        [
          'server',
          'req/s',
          'p50',
          'p99',
          'errors',
          'non-2xx',
          'server CPU',
          'CPU/request',
          'generator CPU',
        ].concat(['other CPU']),
        (['webhook', 'bare'] as const).map((k) => [
          k,
          c[k].rps.toFixed(0),
          `${c[k].p50} ms`,
          `${c[k].p99} ms`,
          String(c[k].errors + c[k].timeouts),
          String(c[k].non2xx),
          pct(c[k].cpu.server),
          `${c[k].cpuPerRequestUs.toFixed(0)} µs`,
          pct(c[k].cpu.generator),
          other(c[k].cpu),
        ]),
      ),
    );

    const ratio = c.webhook.rps / c.bare.rps;
    const p99 = percentile(o.webhook.result.latenciesMs, 99);
    const mark = (pass: boolean) => (pass ? 'pass' : 'MISS');
    const fig = (figure: string, value: number, unit: string, target: number, kind: 'max' | 'min') =>
      recordFigure({ bench: 'webhook', figure, value, unit, target, kind });
    fig(`p99 at ${s.rate} req/s`, p99, 'ms', 5, 'max');
    fig('throughput ratio webhook/bare', ratio, '×', 0.5, 'min');
    fig('RSS after the run', saturated.rss / 2 ** 20, 'MB', 120, 'max');
    console.log('\nSummary');
    console.log(
      table(
        ['metric', 'measured', 'target', ''],
        [
          [`webhook p99 at ${s.rate} req/s (open loop)`, ms(p99), '≤ 5 ms', mark(p99 <= 5)],
          ['webhook max throughput', `${c.webhook.rps.toFixed(0)} req/s`, '', ''],
          ['bare node:https ceiling', `${c.bare.rps.toFixed(0)} req/s`, '', ''],
          ['throughput ratio webhook/bare', ratio.toFixed(2), '≥ 0.50', mark(ratio >= 0.5)],
          ['webhook RSS after the run', mb(saturated.rss), '≤ 120 MB', mark(saturated.rss <= 120 * 2 ** 20)],
          [`webhook RSS after steady ${s.rate} req/s`, steady ? mb(steady.rss) : 'n/a', '', ''],
          ['webhook peak RSS (VmHWM)', peak === undefined ? 'n/a' : mb(peak), '', ''],
          ['webhook live heap (after a full GC)', mb(live.heapUsed), '', ''],
          [
            'errors / non-2xx / failed',
            String(
              c.webhook.errors +
                c.webhook.non2xx +
                c.webhook.timeouts +
                c.bare.errors +
                c.bare.non2xx +
                c.bare.timeouts +
                o.webhook.result.scheduled -
                o.webhook.result.succeeded +
                o.bare.result.scheduled -
                o.bare.result.succeeded,
            ),
            '0',
            mark(!failed),
          ],
        ],
      ),
    );
    const logLines = await countLines(both.webhook.logFile);
    console.log(
      `\nwebhook log: ${logLines} lines, ${mb(statSync(both.webhook.logFile).size)} (one info line per admission)`,
    );
    console.log(
      `machine: ${cpus.length} cores, Node ${process.version}; load average now ${os.loadavg()[0]!.toFixed(2)}; ` +
        `run took ${((Date.now() - began) / 1000).toFixed(0)} s`,
    );
  } catch (err) {
    failed = true;
    loud('benchmark aborted');
    console.error(err instanceof Error ? err.message : err);
  } finally {
    await Promise.all(Object.values(targets).map((t) => t.stop()));
    rmSync(outDir, { recursive: true, force: true });
  }

  if (profileDir) {
    for (const kind of ['webhook', 'bare'] as const) {
      const where = join(profileDir, kind);
      const profiles = existsSync(where) ? readdirSync(where).filter((f) => f.endsWith('.cpuprofile')) : [];
      for (const p of profiles) {
        console.log(`\nCPU profile of the ${kind} process: ${join(where, p)}`);
        console.log(formatSummary(summarizeProfile(join(where, p)), kind === 'webhook' ? 'full' : 'areas'));
      }
    }
  }
  if (s.keep || s.cpuProf || failed) console.log(`\nkept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
  process.exitCode = failed ? 1 : 0;
}

await main();
