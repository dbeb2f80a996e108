/**
 * AdmissionReview v1 in and out. Decoding checks exactly what the webhook relies on and names what is wrong;
 * encoding maps a Problem to a deny in the one place that chooses status codes.
 */
import {
  ADMISSION_API_VERSION,
  type AdmissionRequest,
  type AdmissionResponse,
  type AdmissionReviewResponse,
  type PatchOperation,
} from '../api/admission-v1.js';
import type { Pod, Status } from '../api/core-v1.js';
import { isPlainObject } from './own.js';
import { fail, ok, type Problem, type ProblemCode, type Result } from './problem.js';

/** What a request that cannot be answered as an AdmissionReview gets: an HTTP 400 naming the problem. */
export type DecodeResult = Result<AdmissionRequest>;

export function decodeAdmissionReview(body: unknown): DecodeResult {
  if (!isPlainObject(body))
    return fail('InvalidRequest', 'request body must be a JSON AdmissionReview object');
  if (body.kind !== 'AdmissionReview') {
    return fail(
      'InvalidRequest',
      `request body kind is ${JSON.stringify(body.kind)}; expected AdmissionReview`,
    );
  }
  if (body.apiVersion !== ADMISSION_API_VERSION) {
    return fail(
      'InvalidRequest',
      `AdmissionReview apiVersion ${JSON.stringify(body.apiVersion)} is not supported; set admissionReviewVersions: ["v1"] in the webhook configuration`,
    );
  }
  const request = body.request;
  if (!isPlainObject(request)) return fail('InvalidRequest', 'AdmissionReview has no request');
  if (typeof request.uid !== 'string' || request.uid === '') {
    return fail('InvalidRequest', 'AdmissionReview request has no uid');
  }
  const kind = request.kind;
  if (!isPlainObject(kind) || typeof kind.kind !== 'string') {
    return fail('InvalidRequest', 'AdmissionReview request has no kind');
  }
  if (!isPlainObject(request.object)) return fail('InvalidRequest', 'AdmissionReview request has no object');
  return ok({
    uid: request.uid,
    kind: { group: String(kind.group ?? ''), version: String(kind.version ?? ''), kind: kind.kind },
    operation: String(request.operation ?? ''),
    ...(typeof request.namespace === 'string' ? { namespace: request.namespace } : {}),
    ...(typeof request.name === 'string' ? { name: request.name } : {}),
    ...(request.dryRun === true ? { dryRun: true } : {}),
    object: request.object as Pod,
  });
}

/** Whether the webhook acts on this request at all; anything else is a configuration mistake worth naming. */
export function checkPodCreate(request: AdmissionRequest): Result<Pod> {
  const { group, version, kind } = request.kind;
  if (group !== '' || version !== 'v1' || kind !== 'Pod') {
    const gvk = `${group ? `${group}/` : ''}${version} ${kind}`;
    return fail(
      'InvalidRequest',
      `wirespeed mutates v1 Pods only, but was called for ${gvk}; restrict the webhook's rules to pods`,
    );
  }
  if (!isPlainObject(request.object.spec) || !Array.isArray(request.object.spec.containers)) {
    return fail('InvalidPod', 'pod has no spec.containers');
  }
  return ok(request.object);
}

/**
 * Status per code for the codes an admission decision can produce. Other areas (fit, the agent's policy) add
 * codes that never reach a pod's deny; should one arrive, it is answered as a bad request.
 */
const STATUS: Partial<Record<ProblemCode, { code: number; reason: string }>> = {
  InvalidNetworkAnnotation: { code: 400, reason: 'BadRequest' },
  InvalidNetworkAttachment: { code: 422, reason: 'Invalid' },
  InvalidRequest: { code: 400, reason: 'BadRequest' },
  InvalidPod: { code: 400, reason: 'BadRequest' },
  InvalidPodAnnotation: { code: 400, reason: 'BadRequest' },
  ConflictingVolume: { code: 422, reason: 'Invalid' },
  InvalidConfig: { code: 500, reason: 'InternalError' },
  NetworkNotFound: { code: 404, reason: 'NotFound' },
  UnknownContainer: { code: 422, reason: 'Invalid' },
  ConflictingHugepages: { code: 422, reason: 'Invalid' },
  ConflictingNodeSelector: { code: 422, reason: 'Invalid' },
  LookupFailed: { code: 503, reason: 'ServiceUnavailable' },
  InvalidQuantity: { code: 422, reason: 'Invalid' },
  TooManyNetworks: { code: 422, reason: 'Invalid' },
  NotPermitted: { code: 403, reason: 'Forbidden' },
};

/**
 * The answers, as controller-runtime's admission/response.go has them: every AdmissionReview and Status the
 * webhook sends is built here, so none is written by hand and every deny goes through the status table.
 */
function review(response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response };
}

/** Admit the pod as it is. */
export function allowed(uid: string): AdmissionReviewResponse {
  return review({ uid, allowed: true });
}

/** Admit the pod with these changes; none is the same answer as `allowed`. */
export function patched(uid: string, ops: readonly PatchOperation[]): AdmissionReviewResponse {
  if (ops.length === 0) return allowed(uid);
  const patch = Buffer.from(JSON.stringify(ops)).toString('base64');
  return review({ uid, allowed: true, patchType: 'JSONPatch', patch });
}

/** Refuse the pod, with the status its problem's code maps to and the message the user will read. */
export function denied(uid: string, problem: Problem): AdmissionReviewResponse {
  const { code, reason } = STATUS[problem.code] ?? { code: 400, reason: 'BadRequest' };
  return review({ uid, allowed: false, status: { code, reason, message: problem.message } });
}

/** A bug, not a decision: still an AdmissionReview (never a bare 500) when the request had a uid. */
export function errored(uid: string, message: string): AdmissionReviewResponse {
  return review({ uid, allowed: false, status: { code: 500, reason: 'InternalError', message } });
}

/** A Kubernetes `Status` failure body: the answer to a request that is not an AdmissionReview at all. */
export function statusBody(code: number, message: string): Status {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, message };
}
