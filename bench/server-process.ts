/**
 * One benchmark target in a process of its own, so its CPU and memory are its own: `webhook` is the real
 * admission webhook as the `webhook` command wires it (`startWebhook`, metrics with process collectors, the
 * production logger at level info writing to this process's stderr, which the benchmark points at a file); `bare` is
 * `node:https` that reads the body, parses it and answers a fixed allow, the ceiling for Node + TLS here.
 *
 * Usage: server-process.js <webhook|bare> <dir with tls.crt, tls.key, nads.yaml>. Talks to its parent over
 * IPC: sends `{type:'listening', port}`, answers `{type:'sample'}` with memory and CPU time, exits on `{type:'stop'}`.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { NetworkAttachmentDefinition } from '../src/api/nad.js';
import { allowed } from '../src/core/admission.js';
import { defaultInjectionConfig } from '../src/core/inject/config.js';
import { createLogger } from '../src/telemetry/logger.js';
import { startWebhook } from '../src/webhook/main.js';
import { createWebhookMetrics } from '../src/webhook/metrics.js';
import { StaticNadSource } from '../src/webhook/nad-source.js';

/** `collect` runs a full garbage collection first (the process runs with --expose-gc), to see the live set. */
export type ParentMessage = { type: 'sample'; collect?: boolean } | { type: 'stop' };
export interface ProcessSample {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  /** User plus system CPU time since the process started, in microseconds. */
  cpuUs: number;
}
export type ChildMessage =
  | { type: 'listening'; port: number }
  | ({ type: 'sample' } & ProcessSample)
  | { type: 'failed'; message: string };

const send = (message: ChildMessage): void => {
  process.send?.(message);
};

async function startWebhookTarget(dir: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const nads = parseAllDocuments(readFileSync(join(dir, 'nads.yaml'), 'utf8')).map(
    (d) => d.toJS() as NetworkAttachmentDefinition,
  );
  const config = defaultInjectionConfig();
  const server = await startWebhook(
    {
      port: 0,
      bindAddress: '127.0.0.1',
      tls: { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') },
      clientCaFiles: [],
      shutdownDelayMs: 0,
      shutdownTimeoutMs: 1000,
    },
    {
      nads: new StaticNadSource(nads),
      // Built once, as the command builds it from its flags; `config()` runs on every request.
      config: () => config,
      log: createLogger({ level: 'info', name: 'wirespeed-webhook' }),
      metrics: createWebhookMetrics(),
    },
  );
  return { port: server.port, stop: () => server.stop() };
}

async function startBare(dir: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const uid = '0df28fbd-5f5f-11e8-bc74-36e6bb280816';
  const answer = Buffer.from(JSON.stringify(allowed(uid)));
  const server = https.createServer(
    {
      cert: readFileSync(join(dir, 'tls.crt')),
      key: readFileSync(join(dir, 'tls.key')),
      minVersion: 'TLSv1.2',
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        try {
          JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          res.writeHead(400).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
        res.end(answer);
      });
    },
  );
  server.keepAliveTimeout = 95_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function main(): Promise<void> {
  const [kind, dir] = process.argv.slice(2);
  if ((kind !== 'webhook' && kind !== 'bare') || !dir) {
    throw new Error('usage: server-process <webhook|bare> <dir>');
  }
  const target = kind === 'webhook' ? await startWebhookTarget(dir) : await startBare(dir);
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'sample') {
      if (message.collect) (globalThis as { gc?: () => void }).gc?.();
      const { rss, heapTotal, heapUsed, external } = process.memoryUsage();
      const cpu = process.cpuUsage();
      send({ type: 'sample', rss, heapTotal, heapUsed, external, cpuUs: cpu.user + cpu.system });
    } else if (message.type === 'stop') {
      // A normal exit, so `--cpu-prof` writes its profile.
      void target.stop().finally(() => process.exit(0));
    }
  });
  // The parent going away must not leave a server behind.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'listening', port: target.port });
}

main().catch((err: unknown) => {
  send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
