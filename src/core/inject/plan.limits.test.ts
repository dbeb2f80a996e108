/**
 * Work stays bounded: a pod may name at most `maxNetworks` networks (denied before any NAD is looked up), and
 * below the cap planning reads the pod once per container or volume, not once per element or mount. Work is
 * counted (reads of the input objects), never timed; timings are in bench/.
 */
import { describe, expect, it } from 'vitest';
import { vhostNad } from '../../../test/support/builders.js';
import type { Pod } from '../../api/core-v1.js';
import type { NetworkAttachmentDefinition } from '../../api/nad.js';
import { defaultInjectionConfig } from './config.js';
import { nadKey, planInjection, prepareInjection } from './plan.js';

const NETS = 'k8s.v1.cni.cncf.io/networks';

const vhost = vhostNad();

function podNaming(networks: string): Pod {
  return {
    metadata: { name: 'p', namespace: 'default', annotations: { [NETS]: networks } },
    spec: {
      containers: [
        { name: 'app', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        { name: 'side', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
      ],
      volumes: [{ name: 'data', emptyDir: {} }],
    },
  };
}

/** A deep read-only view of `value` that counts every property read, at any depth. */
function counted<T extends object>(value: T, reads: { n: number }): T {
  return new Proxy(value, {
    get(target, key, receiver) {
      reads.n++;
      const v = Reflect.get(target, key, receiver);
      return typeof v === 'object' && v !== null ? counted(v, reads) : v;
    },
  });
}

/** A NAD index that counts lookups. */
class CountingIndex extends Map<string, NetworkAttachmentDefinition> {
  lookups = 0;
  override get(key: string): NetworkAttachmentDefinition | undefined {
    this.lookups++;
    return super.get(key);
  }
}

describe('planInjection: the cap on networks per pod', () => {
  it('denies a pod naming a mount NAD 40,000 times before looking up any NAD', () => {
    const nads = new CountingIndex([[nadKey({ namespace: 'default', name: 'vhost' }), vhost]]);
    const networks = Array.from({ length: 40_000 }, () => 'vhost').join(',');
    expect(networks.length).toBe(239_999);
    const decision = planInjection(podNaming(networks), nads, defaultInjectionConfig());
    expect(decision).toEqual({
      ok: false,
      problem: {
        code: 'TooManyNetworks',
        message:
          'network annotation selects more than 64 networks; a pod may select at most 64 (the cluster administrator sets the limit with the webhook flag --max-networks)',
      },
    });
    expect(nads.lookups).toBe(0);
    expect(prepareInjection(podNaming(networks), defaultInjectionConfig()).ok).toBe(false);
  });

  it('counts the JSON form and the default network against the cap', () => {
    const config = defaultInjectionConfig({ maxNetworks: 2 });
    const json = JSON.stringify([{ name: 'vhost' }, { name: 'vhost' }, { name: 'vhost' }]);
    expect(planInjection(podNaming(json), new Map(), config)).toEqual({
      ok: false,
      problem: {
        code: 'TooManyNetworks',
        message:
          'network annotation selects 3 networks; a pod may select at most 2 (the cluster administrator sets the limit with the webhook flag --max-networks)',
      },
    });
    const withDefault = podNaming('vhost,vhost');
    withDefault.metadata!.annotations!['v1.multus-cni.io/default-network'] = 'vhost';
    const denied = planInjection(withDefault, new Map(), config);
    expect(!denied.ok && denied.problem.message).toBe(
      'network annotation selects more than 1 networks besides the default network; a pod may select at most 2 (the cluster administrator sets the limit with the webhook flag --max-networks)',
    );
  });

  it('accepts exactly the cap', () => {
    const nads = new Map([[nadKey({ namespace: 'default', name: 'vhost' }), vhost]]);
    const decision = planInjection(
      podNaming(Array(64).fill('vhost').join(',')),
      nads,
      defaultInjectionConfig(),
    );
    expect(decision.ok && decision.value.record).toEqual({ app: { 'example.com/vhost': '64' } });
  });
});

describe('planInjection: work per element', () => {
  /** Reads of the pod while planning `n` elements of one mount NAD, and the patch it yields. */
  function planElements(n: number): { reads: number; ops: number } {
    const reads = { n: 0 };
    const nads = new Map([[nadKey({ namespace: 'default', name: 'vhost' }), vhost]]);
    const pod = counted(podNaming(Array(n).fill('vhost').join(',')), reads);
    const decision = planInjection(pod, nads, defaultInjectionConfig({ maxNetworks: 100_000 }));
    if (!decision.ok) throw new Error(decision.problem.message);
    return { reads: reads.n, ops: decision.value.ops.length };
  }

  it('reads the pod the same amount for 2,000 and 4,000 elements of a mount NAD', () => {
    const small = planElements(2000);
    const large = planElements(4000);
    // One hostPath volume, one mount and one podnetinfo mount per container whatever the count.
    expect(large.ops).toBe(small.ops);
    expect(large.reads).toBe(small.reads);
  });
});
