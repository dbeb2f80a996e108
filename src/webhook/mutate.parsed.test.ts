/** The handler plans from the NADs as the source parsed them on arrival, and parses only those it did not. */
import { describe, expect, it } from 'vitest';
import { decodePatch } from '../../test/support/admission.js';
import type { NetworkAttachmentDefinition } from '../api/nad.js';
import { defaultInjectionConfig } from '../core/inject/config.js';
import { type ParsedNad, parseNad } from '../core/inject/plan.js';
import { handleAdmission } from './mutate.js';
import { type NadSource, StaticNadSource } from './nad-source.js';

const POOL = 'k8s.v1.cni.cncf.io/resourceName';
const nad: NetworkAttachmentDefinition = {
  metadata: { name: 'net', namespace: 'cnf', annotations: { [POOL]: 'intel.com/a' } },
};
const review = {
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: 'u',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    operation: 'CREATE',
    namespace: 'cnf',
    object: {
      metadata: { name: 'p', annotations: { 'k8s.v1.cni.cncf.io/networks': 'net' } },
      spec: { containers: [{ name: 'app' }] },
    },
  },
};

function source(parsed: (nad: NetworkAttachmentDefinition) => ParsedNad | undefined): NadSource {
  return {
    get: (namespace, name) => (namespace === 'cnf' && name === 'net' ? nad : undefined),
    parsed,
    synced: true,
    start: async () => {},
    stop: async () => {},
  };
}

describe('handleAdmission with NADs parsed on arrival', () => {
  it('uses the parse the source holds rather than the NAD text', async () => {
    const held = parseNad(
      { metadata: { name: 'net', namespace: 'cnf', annotations: { [POOL]: 'intel.com/held' } } },
      'cnf/net',
      [POOL],
    );
    const result = await handleAdmission(review, {
      nads: source(() => held),
      config: () => defaultInjectionConfig(),
    });
    expect(decodePatch(result.body)).toContainEqual({
      op: 'add',
      path: '/metadata/annotations/wirespeed.io~1injected',
      value: '{"app":{"intel.com/held":"1"}}',
    });
  });

  it('parses a NAD the source did not, and StaticNadSource parses each NAD once, when it is given', async () => {
    const result = await handleAdmission(review, {
      nads: source(() => undefined),
      config: () => defaultInjectionConfig(),
    });
    expect(decodePatch(result.body)).toContainEqual({
      op: 'add',
      path: '/metadata/annotations/wirespeed.io~1injected',
      value: '{"app":{"intel.com/a":"1"}}',
    });
    const fixed = new StaticNadSource([nad]);
    expect(fixed.parsed(nad)).toEqual(parseNad(nad, 'cnf/net', [POOL]));
    expect(fixed.parsed(nad)).toBe(fixed.parsed(nad));
  });
});
