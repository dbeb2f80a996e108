import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { admissionReviewText, decodePatch, fixtureNads } from '../../test/support/admission.js';
import { defaultInjectionConfig } from '../core/inject/config.js';
import { handleAdmission, type MutateDeps } from './mutate.js';
import { NadLookupError, type NadSource, StaticNadSource } from './nad-source.js';

const fixture = JSON.parse(admissionReviewText());
const nads = fixtureNads();
const deps: MutateDeps = { nads: new StaticNadSource(nads), config: () => defaultInjectionConfig() };

function reviewWith(mutate: (r: typeof fixture) => void) {
  const copy = structuredClone(fixture);
  mutate(copy);
  return copy;
}

describe('handleAdmission', () => {
  it('patches the fixture pod and echoes the uid', async () => {
    const result = await handleAdmission(fixture, deps);
    expect(result.httpStatus).toBe(200);
    expect(result.outcome).toBe('patched');
    const body = result.body as { apiVersion: string; kind: string; response: Record<string, unknown> };
    expect(body.apiVersion).toBe('admission.k8s.io/v1');
    expect(body.kind).toBe('AdmissionReview');
    expect(body.response.uid).toBe(fixture.request.uid);
    expect(body.response.allowed).toBe(true);
    expect(body.response.patchType).toBe('JSONPatch');
    const ops = decodePatch(body);
    expect(ops).toContainEqual({
      op: 'add',
      path: '/spec/containers/0/resources/requests/intel.com~1sriov_a',
      value: '2',
    });
    expect(ops).toContainEqual({
      op: 'add',
      path: '/spec/containers/0/resources/limits/hugepages-1Gi',
      value: '2Gi',
    });
    expect(ops).toContainEqual({
      op: 'add',
      path: '/spec/nodeSelector',
      value: { 'feature.node.kubernetes.io/network-sriov.capable': 'true' },
    });
  });

  it('answers without a patch field when nothing changes', async () => {
    const result = await handleAdmission(
      reviewWith((r) => {
        r.request.object.metadata.annotations['k8s.v1.cni.cncf.io/networks'] = '';
      }),
      deps,
    );
    expect(result.outcome).toBe('unchanged');
    expect((result.body as { response: object }).response).toEqual({
      uid: fixture.request.uid,
      allowed: true,
    });
  });

  it('denies a malformed annotation inside a 200 AdmissionReview quoting the element', async () => {
    const result = await handleAdmission(
      reviewWith((r) => {
        r.request.object.metadata.annotations['k8s.v1.cni.cncf.io/networks'] = 'sriov-a,sriov-b@my ifc';
      }),
      deps,
    );
    expect(result.httpStatus).toBe(200);
    const response = (
      result.body as { response: { allowed: boolean; status: { code: number; message: string } } }
    ).response;
    expect(response.allowed).toBe(false);
    expect(response.status.code).toBe(400);
    expect(response.status.message).toContain('sriov-b@my ifc');
  });

  it('denies a missing NAD with 404 naming it', async () => {
    const result = await handleAdmission(
      reviewWith((r) => {
        r.request.object.metadata.annotations['k8s.v1.cni.cncf.io/networks'] = 'other/absent';
      }),
      deps,
    );
    const response = (result.body as { response: { status: { code: number; message: string } } }).response;
    expect(response.status.code).toBe(404);
    expect(response.status.message).toContain('other/absent');
  });

  it('denies when a NAD cannot be read, saying to retry', async () => {
    const failing: NadSource = {
      synced: true,
      get: () =>
        Promise.reject(
          new NadLookupError('could not read network-attachment-definition cnf/sriov-a: HTTP 500'),
        ),
      start: async () => {},
      stop: async () => {},
    };
    const result = await handleAdmission(fixture, { ...deps, nads: failing });
    const response = (
      result.body as { response: { allowed: boolean; status: { code: number; message: string } } }
    ).response;
    expect(response.allowed).toBe(false);
    expect(response.status.code).toBe(503);
    expect(response.status.message).toMatch(/HTTP 500.*retry/);
  });

  it('denies a pod naming 40,000 networks with 422 before asking the NAD source anything', async () => {
    let lookups = 0;
    const counting: NadSource = {
      synced: true,
      get: (namespace, name) => {
        lookups++;
        return deps.nads.get(namespace, name);
      },
      start: async () => {},
      stop: async () => {},
    };
    const names = Array.from({ length: 40_000 }, (_, i) => `absent-${i}`).join(',');
    const result = await handleAdmission(
      reviewWith((r) => {
        r.request.object.metadata.annotations['k8s.v1.cni.cncf.io/networks'] = names;
      }),
      { ...deps, nads: counting },
    );
    const response = (result.body as { response: { status: { code: number; message: string } } }).response;
    expect(response.status.code).toBe(422);
    expect(response.status.message).toContain('a pod may select at most 64');
    expect(lookups).toBe(0);
  });

  it('rejects what is not an AdmissionReview v1 with HTTP 400 naming the problem', async () => {
    const v1beta1 = await handleAdmission({ ...fixture, apiVersion: 'admission.k8s.io/v1beta1' }, deps);
    expect(v1beta1.httpStatus).toBe(400);
    expect((v1beta1.body as { message: string }).message).toContain('admissionReviewVersions');
    const notReview = await handleAdmission({ kind: 'Pod' }, deps);
    expect((notReview.body as { message: string }).message).toContain('expected AdmissionReview');
    const noUid = await handleAdmission(
      reviewWith((r) => delete r.request.uid),
      deps,
    );
    expect((noUid.body as { message: string }).message).toContain('uid');
  });

  it('denies other kinds, naming what it was called for', async () => {
    const result = await handleAdmission(
      reviewWith((r) => {
        r.request.kind = { group: 'apps', version: 'v1', kind: 'Deployment' };
      }),
      deps,
    );
    expect((result.body as { response: { status: { message: string } } }).response.status.message).toContain(
      'apps/v1 Deployment',
    );
  });

  it('allows updates unchanged', async () => {
    const result = await handleAdmission(
      reviewWith((r) => (r.request.operation = 'UPDATE')),
      deps,
    );
    expect(result.outcome).toBe('unchanged');
  });

  it('never throws and always answers 200 or 400 on arbitrary bodies', async () => {
    const arbReview = fc.record({
      kind: fc.constantFrom('AdmissionReview', 'Other', undefined),
      apiVersion: fc.constantFrom('admission.k8s.io/v1', 'admission.k8s.io/v1beta1', 7),
      request: fc.oneof(
        fc.anything(),
        fc.record({
          uid: fc.oneof(fc.uuid(), fc.constant(''), fc.integer()),
          kind: fc.oneof(fc.constant({ group: '', version: 'v1', kind: 'Pod' }), fc.anything()),
          operation: fc.constantFrom('CREATE', 'UPDATE', null),
          namespace: fc.oneof(fc.constant('cnf'), fc.anything()),
          object: fc.oneof(
            fc.anything(),
            fc.record({
              metadata: fc.record({
                annotations: fc.dictionary(
                  fc.constantFrom(
                    'k8s.v1.cni.cncf.io/networks',
                    'wirespeed.io/target-containers',
                    'wirespeed.io/injected',
                    'v1.multus-cni.io/default-network',
                  ),
                  fc.string(),
                ),
              }),
              spec: fc.oneof(
                fc.anything(),
                fc.record({ containers: fc.array(fc.record({ name: fc.constantFrom('a', 'b') })) }),
              ),
            }),
          ),
        }),
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), arbReview), async (body) => {
        const result = await handleAdmission(body, deps);
        expect([200, 400]).toContain(result.httpStatus);
        expect(JSON.stringify(result.body)).toBeTypeOf('string');
      }),
      { numRuns: 1000 },
    );
  });
});
