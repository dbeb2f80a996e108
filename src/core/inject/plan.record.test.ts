/**
 * The pod's own `wirespeed.io/injected` record is input its author controls. It may only ever stand for the
 * device pools and hugepages this webhook would inject; any other record is ignored and the pod is injected
 * afresh, so a record naming cpu, memory or a GPU can never make the webhook remove them.
 */
import fastJsonPatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../api/core-v1.js';
import type { NetworkAttachmentDefinition } from '../../api/nad.js';
import { defaultInjectionConfig } from './config.js';
import { type InjectionDecision, nadKey, planInjection } from './plan.js';

const NETS = 'k8s.v1.cni.cncf.io/networks';
const INJECTED = 'wirespeed.io/injected';
const sriovA: NetworkAttachmentDefinition = {
  metadata: {
    name: 'sriov-a',
    namespace: 'default',
    annotations: { 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov_a' },
  },
};
const nads = new Map([[nadKey({ namespace: 'default', name: 'sriov-a' }), sriovA]]);
const own = { cpu: '2', memory: '1Gi', 'nvidia.com/gpu': '1' };

type Resources = { requests: Record<string, string>; limits: Record<string, string> };

function pod(record: string, resources: Resources = { requests: { ...own }, limits: { ...own } }): Pod {
  return {
    metadata: { name: 'p', namespace: 'default', annotations: { [NETS]: 'sriov-a', [INJECTED]: record } },
    spec: { containers: [{ name: 'app', resources }] },
  };
}

function applied(p: Pod, decision: InjectionDecision): Pod {
  if (!decision.ok) throw new Error(decision.problem.message);
  const ops = decision.value.ops as fastJsonPatch.Operation[];
  return fastJsonPatch.applyPatch(fastJsonPatch.deepClone(p), ops, true, false).newDocument as Pod;
}

describe('planInjection: the pod’s own injection record', () => {
  it('keeps cpu, memory and GPU limits a forged record names, and injects afresh', () => {
    for (const honorResources of [false, true]) {
      const forged = pod(JSON.stringify({ app: own }));
      const config = defaultInjectionConfig({ honorResources });
      const out = applied(forged, planInjection(forged, nads, config));
      const withDevice = { ...own, 'intel.com/sriov_a': '1' };
      expect(out.spec!.containers[0]!.resources).toEqual({ requests: withDevice, limits: withDevice });
      expect(out.metadata!.annotations![INJECTED]).toBe('{"app":{"intel.com/sriov_a":"1"}}');
      expect(planInjection(out, nads, config)).toEqual({
        ok: true,
        value: { ops: [], record: { app: { 'intel.com/sriov_a': '1' } } },
      });
    }
  });

  it('ignores a record naming a managed pool in an amount the networks do not bring', () => {
    const mine = { 'intel.com/sriov_a': '5' };
    const p = pod(JSON.stringify({ app: mine }), { requests: { ...mine }, limits: { ...mine } });
    const out = applied(p, planInjection(p, nads, defaultInjectionConfig({ honorResources: true })));
    // Trusting the record would have taken 5 as the webhook's and ended at 1; the user's 5 stay and 1 is added.
    expect(out.spec!.containers[0]!.resources!.limits).toEqual({ 'intel.com/sriov_a': '6' });
  });

  it('ignores a record for a container that gets nothing, or that is not a record at all', () => {
    for (const record of [
      '{"side":{"intel.com/sriov_a":"1"}}',
      '{"__proto__":{"cpu":"1"}}',
      '{"constructor":{"memory":"1Gi"}}',
      'not json',
      '[]',
    ]) {
      const p = pod(record);
      const out = applied(p, planInjection(p, nads, defaultInjectionConfig()));
      expect(out.spec!.containers[0]!.resources!.requests, record).toEqual({
        ...own,
        'intel.com/sriov_a': '1',
      });
      expect(out.metadata!.annotations![INJECTED]).toBe('{"app":{"intel.com/sriov_a":"1"}}');
    }
  });
});
