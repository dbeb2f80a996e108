import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../telemetry/logger.js';
import type { WebhookMetrics } from './metrics.js';
import { handleAdmission, type MutateDeps, type Outcome } from './mutate.js';

const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b/i;

/** Whether a request is the admission call, which takes the lean path below rather than the express app. */
export function isMutateRequest(req: IncomingMessage): boolean {
  return req.method === 'POST' && (req.url === '/mutate' || req.url?.startsWith('/mutate?') === true);
}

/**
 * `POST /mutate` on plain node:http primitives. This is the one path the API server calls for every pod, and
 * express's per-request work (router, prototype swaps, body-parser, res.json) cost as much CPU as the admission
 * decision itself while creating garbage that outlived young-generation GC; everything else stays on express.
 */
export function mutateRoute(
  deps: MutateDeps & { log: Logger; metrics: WebhookMetrics },
  opts: { bodyLimitBytes: number },
): (req: IncomingMessage, res: ServerResponse) => void {
  const { log, metrics } = deps;

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const payload = Buffer.from(JSON.stringify(body));
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': payload.length });
    res.end(payload);
  };
  const status = (res: ServerResponse, code: number, message: string): void =>
    send(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, message });
  const record = (outcome: Outcome, started: bigint): void => {
    metrics.requests.inc({ outcome });
    metrics.duration.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
  };

  const answer = async (res: ServerResponse, raw: Buffer, started: bigint): Promise<void> => {
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      status(res, 400, `invalid request body: ${(err as Error).message}`);
      record('invalid', started);
      return;
    }
    let result: Awaited<ReturnType<typeof handleAdmission>>;
    try {
      result = await handleAdmission(body, deps);
    } catch (err) {
      // A bug, not a decision: answer with a deny carrying the uid if there is one, never a bare 500.
      const uid = (body as { request?: { uid?: unknown } } | null)?.request?.uid;
      log.error({ err, uid }, 'admission handler failed');
      const message = 'wirespeed webhook internal error; see the webhook logs';
      if (typeof uid === 'string') {
        send(res, 200, {
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          response: { uid, allowed: false, status: { code: 500, message } },
        });
      } else status(res, 500, message);
      record('error', started);
      return;
    }
    send(res, result.httpStatus, result.body);
    record(result.outcome, started);
    if (result.problem && result.outcome === 'denied') metrics.denials.inc({ reason: result.problem.code });
    const pod = result.request?.object.metadata;
    log.info(
      {
        uid: result.request?.uid,
        namespace: result.request?.namespace ?? pod?.namespace,
        pod: pod?.name ?? pod?.generateName,
        decision: result.outcome,
        ...(result.ops !== undefined ? { ops: result.ops } : {}),
        ...(result.problem ? { reason: result.problem.code, message: result.problem.message } : {}),
      },
      'admission',
    );
  };

  return (req, res) => {
    const started = process.hrtime.bigint();
    const contentType = req.headers['content-type'] ?? '';
    if (!JSON_TYPE.test(contentType)) {
      req.resume();
      status(res, 415, `Content-Type must be application/json, not ${JSON.stringify(contentType)}`);
      record('invalid', started);
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    const tooLarge = () => {
      status(res, 413, `request body exceeds ${opts.bodyLimitBytes} bytes`);
      record('invalid', started);
      req.resume();
    };
    if (declared > opts.bodyLimitBytes) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (chunk: Buffer) => {
      if (aborted) return;
      size += chunk.length;
      if (size > opts.bodyLimitBytes) {
        aborted = true;
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (aborted) return;
      answer(res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), started).catch((err) => {
        log.error({ err }, 'admission response failed');
        if (!res.headersSent) status(res, 500, 'wirespeed webhook internal error; see the webhook logs');
      });
    });
    req.on('error', (err) => log.warn({ err: err.message }, 'admission request stream failed'));
  };
}
