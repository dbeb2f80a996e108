import { describe, expect, it } from 'vitest';
import {
  allowed,
  checkPodCreate,
  decodeAdmissionReview,
  denied,
  errored,
  patched,
  statusBody,
} from './admission.js';
import type { ProblemCode } from './problem.js';

const envelope = (response: unknown) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  response,
});

describe('admission responses', () => {
  it('allows, and patches with a base64 JSON patch; an empty patch is a plain allow', () => {
    expect(allowed('u1')).toEqual(envelope({ uid: 'u1', allowed: true }));
    expect(patched('u1', [])).toEqual(allowed('u1'));
    const ops = [{ op: 'add' as const, path: '/metadata/labels', value: { é: 'ü' } }];
    expect(patched('u1', ops)).toEqual(
      envelope({
        uid: 'u1',
        allowed: true,
        patchType: 'JSONPatch',
        patch: Buffer.from(JSON.stringify(ops)).toString('base64'),
      }),
    );
  });

  it.each<[ProblemCode, number, string]>([
    ['InvalidRequest', 400, 'BadRequest'],
    ['InvalidPod', 400, 'BadRequest'],
    ['InvalidPodAnnotation', 400, 'BadRequest'],
    ['ConflictingVolume', 422, 'Invalid'],
    ['InvalidQuantity', 422, 'Invalid'],
    ['NetworkNotFound', 404, 'NotFound'],
    ['LookupFailed', 503, 'ServiceUnavailable'],
    ['NotPermitted', 403, 'Forbidden'],
    ['InvalidPolicy', 400, 'BadRequest'],
  ])('denies %s with HTTP %i %s', (code, status, reason) => {
    expect(denied('u2', { code, message: 'why' })).toEqual(
      envelope({ uid: 'u2', allowed: false, status: { code: status, reason, message: 'why' } }),
    );
  });

  it('answers a bug with an AdmissionReview carrying 500, and a non-review with a Status body', () => {
    expect(errored('u3', 'internal')).toEqual(
      envelope({
        uid: 'u3',
        allowed: false,
        status: { code: 500, reason: 'InternalError', message: 'internal' },
      }),
    );
    expect(statusBody(413, 'too large')).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code: 413,
      message: 'too large',
    });
  });
});

describe('checkPodCreate', () => {
  const request = (kind: Record<string, string>, object: unknown) => {
    const decoded = decodeAdmissionReview({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: 'u', kind, operation: 'CREATE', object },
    });
    if (!decoded.ok) throw new Error(decoded.problem.message);
    return decoded.value;
  };

  it('calls a misrouted webhook an invalid request, and a pod without containers an invalid pod', () => {
    expect(checkPodCreate(request({ group: 'apps', version: 'v1', kind: 'Deployment' }, {}))).toEqual({
      ok: false,
      problem: {
        code: 'InvalidRequest',
        message:
          "wirespeed mutates v1 Pods only, but was called for apps/v1 Deployment; restrict the webhook's rules to pods",
      },
    });
    expect(checkPodCreate(request({ group: '', version: 'v1', kind: 'Pod' }, { spec: {} }))).toEqual({
      ok: false,
      problem: { code: 'InvalidPod', message: 'pod has no spec.containers' },
    });
    const pod = { spec: { containers: [{ name: 'app' }] } };
    expect(checkPodCreate(request({ group: '', version: 'v1', kind: 'Pod' }, pod))).toEqual({
      ok: true,
      value: pod,
    });
  });
});
