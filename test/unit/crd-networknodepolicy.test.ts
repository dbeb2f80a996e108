import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEVICE_TYPES } from '../../src/api/wirespeed-v1alpha1.js';
import { POLICY_LIMITS, parsePfName, resourceNameProblem } from '../../src/core/pools/policy.js';

const crd = parse(
  readFileSync(new URL('../../manifests/02-crd-networknodepolicy.yaml', import.meta.url), 'utf8'),
);
const version = crd.spec.versions[0];
const spec = version.schema.openAPIV3Schema.properties.spec;
const matches = (pattern: string, text: string) => new RegExp(pattern).test(text);

describe('NetworkNodePolicy CRD', () => {
  it('is namespaced wirespeed.io/v1alpha1 with a status subresource', () => {
    expect([crd.spec.group, crd.spec.scope, crd.spec.names.kind, version.name]).toEqual([
      'wirespeed.io',
      'Namespaced',
      'NetworkNodePolicy',
      'v1alpha1',
    ]);
    expect(version.subresources).toEqual({ status: {} });
  });

  it('allows what the agent allows', () => {
    expect(spec.properties.deviceType.enum).toEqual(DEVICE_TYPES);
    expect(spec.properties.numVfs.maximum).toBe(POLICY_LIMITS.numVfs);
    expect(spec.properties.nicSelector.properties.pfNames.maxItems).toBe(POLICY_LIMITS.listItems);
    const pfPattern = spec.properties.nicSelector.properties.pfNames.items.pattern;
    for (const name of [
      'ens1f0',
      'ens1f0#0-7',
      'ens1f0#3',
      'x#5-2',
      'has space',
      'a#b',
      'averyveryverylongname',
      'a#1#2',
    ])
      expect([name, matches(pfPattern, name)]).toEqual([name, parsePfName(name).ok || name === 'x#5-2']);
    const namePattern = spec.properties.resourceName.pattern;
    for (const name of [
      'sriov_a',
      'intel.com/sriov_net_A',
      'a.b-c',
      'Intel.com/a',
      'bad name!',
      '-a',
      'a/b/c',
    ])
      expect([name, matches(namePattern, name)]).toEqual([name, resourceNameProblem(name) === null]);
  });
});
