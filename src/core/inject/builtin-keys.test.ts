/**
 * Input that becomes a key — ConfigMap keys, label keys, node selector keys, annotation keys, container names —
 * may be a JavaScript built-in name. None of them may reach Object.prototype: no internal error, no false
 * "set twice", no conflict with a label nobody set, no lost key.
 */
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../api/core-v1.js';
import type { NetworkAttachmentDefinition } from '../../api/nad.js';
import { parseNodeSelector } from './annotations.js';
import { applyControlSwitches, defaultInjectionConfig } from './config.js';
import { type InjectionDecision, nadKey, planInjection } from './plan.js';

const NETS = 'k8s.v1.cni.cncf.io/networks';
const BUILTINS = ['constructor', 'toString', 'hasOwnProperty', '__proto__'];

const nad = (annotations: Record<string, string>): NetworkAttachmentDefinition => ({
  metadata: { name: 'n', namespace: 'default', annotations },
});
const index = (n: NetworkAttachmentDefinition) => new Map([[nadKey({ namespace: 'default', name: 'n' }), n]]);
const pod = (extra: Partial<Pod['spec']> = {}, labels?: Record<string, string>): Pod => ({
  metadata: { name: 'p', namespace: 'default', annotations: { [NETS]: 'n' }, ...(labels ? { labels } : {}) },
  spec: { containers: [{ name: 'app' }], ...extra },
});
const opsOf = (d: InjectionDecision) => {
  if (!d.ok) throw new Error(`unexpected deny: ${d.problem.message}`);
  return d.value.ops;
};

describe('keys that are JavaScript built-in names', () => {
  it('are unknown feature switches in the ConfigMap, not fields', () => {
    const features = Object.fromEntries(BUILTINS.map((k) => [k, true]));
    // Object.fromEntries makes __proto__ an own key, so JSON.stringify writes it as config.json would hold it.
    const json = JSON.stringify({ features });
    const { config, warnings } = applyControlSwitches(defaultInjectionConfig(), json);
    expect(config).toEqual(defaultInjectionConfig());
    expect(warnings).toEqual(BUILTINS.map((k) => `config.json feature "${k}" is unknown; ignored`));
  });

  it('select no pod as injection label keys the pod does not carry, and one that does', () => {
    const config = defaultInjectionConfig({
      userDefinedInjections: BUILTINS.map((labelKey) => ({
        labelKey,
        annotations: { 'example.com/by': labelKey },
      })),
    });
    const sriov = nad({ 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov' });
    const unlabelled = opsOf(planInjection(pod(), index(sriov), config));
    expect(unlabelled.filter((o) => o.path.startsWith('/metadata/annotations/example.com'))).toEqual([]);
    const labelled = opsOf(planInjection(pod({}, { toString: 'true' }), index(sriov), config));
    expect(labelled).toContainEqual({
      op: 'add',
      path: '/metadata/annotations/example.com~1by',
      value: 'toString',
    });
  });

  it('are ordinary label keys in a NAD node selector, merged into a pod that has none of them', () => {
    expect(parseNodeSelector('constructor=a,toString=b,hasOwnProperty', 'default/n')).toEqual({
      ok: true,
      value: new Map([
        ['constructor', 'a'],
        ['toString', 'b'],
        ['hasOwnProperty', ''],
      ]),
    });
    const n = nad({ 'k8s.v1.cni.cncf.io/nodeSelector': 'constructor=a,toString=b' });
    expect(
      opsOf(planInjection(pod({ nodeSelector: { zone: 'z' } }), index(n), defaultInjectionConfig())),
    ).toEqual([
      { op: 'add', path: '/spec/nodeSelector', value: { zone: 'z', constructor: 'a', toString: 'b' } },
    ]);
  });

  it('are ordinary annotation keys for user-defined injections, even __proto__', () => {
    const config = defaultInjectionConfig({
      userDefinedInjections: [
        { labelKey: 'x', annotations: JSON.parse('{"__proto__":"p","constructor":"c"}') },
      ],
    });
    const plain = nad({ 'k8s.v1.cni.cncf.io/nodeSelector': 'zone=a' });
    const ops = opsOf(planInjection(pod({}, { x: 'true' }), index(plain), config));
    expect(ops.filter((o) => o.path.startsWith('/metadata/annotations/'))).toEqual([
      { op: 'add', path: '/metadata/annotations/__proto__', value: 'p' },
      { op: 'add', path: '/metadata/annotations/constructor', value: 'c' },
    ]);
  });

  it('are ordinary container names in the injection record', () => {
    const sriov = nad({ 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov' });
    const p = pod({ containers: [{ name: 'constructor' }] });
    const decision = planInjection(p, index(sriov), defaultInjectionConfig());
    expect(decision.ok && decision.value.record).toEqual({ constructor: { 'intel.com/sriov': '1' } });
    expect(opsOf(decision)).toContainEqual({
      op: 'add',
      path: '/metadata/annotations/wirespeed.io~1injected',
      value: '{"constructor":{"intel.com/sriov":"1"}}',
    });
  });
});
