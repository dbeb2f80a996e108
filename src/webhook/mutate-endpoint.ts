import type { IncomingMessage, ServerResponse } from 'node:http';
import { errored } from '../core/admission.js';
import { type JsonLimits, type JsonReply, jsonEndpoint, statusBody } from '../serve/json-endpoint.js';
import type { Logger } from '../telemetry/logger.js';
import type { WebhookMetrics } from './metrics.js';
import { type AdmissionResult, handleAdmission, type MutateDeps } from './mutate.js';

export type AdmissionLimits = JsonLimits;

/**
 * The largest AdmissionReview the API server sends for a pod we should answer. A pod that can be stored is at
 * most etcd's request limit (`--max-request-bytes`, 1.5 MiB by default; the API server refuses larger writes
 * with "etcdserver: request is too large"). The review wraps that object once on CREATE (`oldObject` is null;
 * the webhook is registered for CREATE only, so the doubled UPDATE form never comes), plus the request's uid,
 * kind, userInfo and options: a few KiB. JSON spells a pod somewhat longer than the protobuf etcd stores, so
 * 512 KiB of headroom over 1.5 MiB: 2 MiB. A larger review is for a pod etcd would refuse anyway (only a dry
 * run could get further), so 413 loses nothing. The annotations limit (256 KiB, all annotations together) is
 * checked by validation after mutating admission, so it does not bound what reaches us.
 */
export const MAX_ADMISSION_BODY_BYTES = 2 * 1024 * 1024;

export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = {
  bodyLimitBytes: MAX_ADMISSION_BODY_BYTES,
  // A pod with managedFields nests about 15 levels; 64 leaves room for any real object.
  maxDepth: 64,
  depthCheckAboveBytes: 64 * 1024,
  // At ~0.1 ms per review the API server needs a handful at once even at thousands of pods per second; 64
  // covers a burst waiting on NAD lookups. Beyond that, answering 429 at once is kinder than queueing.
  maxInFlight: 64,
  // Ordinary pods are a few KiB to tens of KiB. Four 2 MiB bodies buffered and parsed are ~50 MiB at worst.
  largeBodyBytes: 256 * 1024,
  maxLargeInFlight: 4,
};

/** Longest a logged string field (uid, names) may be: every real one is far shorter (names are ≤ 253). */
const MAX_LOGGED_FIELD = 256;

/** Whether a request is the admission call. */
export function isMutateRequest(req: IncomingMessage): boolean {
  return req.method === 'POST' && (req.url === '/mutate' || req.url?.startsWith('/mutate?') === true);
}

/**
 * `POST /mutate` on plain node:http primitives (through `jsonEndpoint`). This is the one path the API server
 * calls for every pod, and express's per-request work cost as much CPU as the admission decision itself.
 */
export function mutateEndpoint(
  deps: MutateDeps & { log: Logger; metrics: WebhookMetrics },
  limits: AdmissionLimits,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { log, metrics } = deps;
  const record = (outcome: string, started: bigint): void => {
    metrics.requests.inc({ outcome });
    metrics.duration.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
  };

  return jsonEndpoint({
    limits,
    onRefused: (status, _message, started) => record(status === 429 ? 'busy' : 'invalid', started),
    onError: (err) => log.error({ err }, 'admission response failed'),
    handle: async (request): Promise<JsonReply> => {
      const { body, started } = request;
      const nads = deps.nads.forRequest?.(() => request.signal) ?? deps.nads;
      let result: AdmissionResult;
      try {
        result = await handleAdmission(body, { ...deps, nads });
      } catch (err) {
        // A bug, not a decision: answer with a deny carrying the uid if there is one, never a bare 500.
        const uid = (body as { request?: { uid?: unknown } } | null)?.request?.uid;
        log.error({ err, uid: bounded(uid) }, 'admission handler failed');
        record('error', started);
        const message = 'wirespeed webhook internal error; see the webhook logs';
        if (typeof uid === 'string') {
          return { status: 200, body: errored(uid, message) };
        }
        return { status: 500, body: statusBody(500, message) };
      }
      record(result.outcome, started);
      if (result.problem && result.outcome === 'denied') metrics.denials.inc({ reason: result.problem.code });
      logDecision(log, result);
      return { status: result.httpStatus, body: result.body };
    },
  });
}

function logDecision(log: Logger, result: AdmissionResult): void {
  const pod = result.request?.object.metadata;
  log.info(
    {
      uid: bounded(result.request?.uid),
      namespace: bounded(result.request?.namespace ?? pod?.namespace),
      pod: bounded(pod?.name ?? pod?.generateName),
      decision: result.outcome,
      ...(result.ops !== undefined ? { ops: result.ops } : {}),
      ...(result.problem
        ? { reason: result.problem.code, message: bounded(result.problem.message, 1024) }
        : {}),
    },
    'admission',
  );
}

/** A string cut to `max` characters with the original length noted; anything else as it is. */
export function bounded(value: unknown, max = MAX_LOGGED_FIELD): unknown {
  if (typeof value !== 'string' || value.length <= max) return value;
  return `${value.slice(0, max)}…(${value.length} chars)`;
}
