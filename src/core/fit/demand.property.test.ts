import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '../../api/core-v1.js';
import { podDemand } from './demand.js';

const POOLS = ['intel.com/sriov_a', 'intel.com/sriov_b', 'example.com/unmanaged'] as const;
const managed = new Set(POOLS.slice(0, 2));

/** A container with random amounts, given as requests, limits or both (equal, as the API requires). */
const containerArb = (name: string, init: boolean) =>
  fc
    .record({
      amounts: fc.tuple(...POOLS.map(() => fc.option(fc.nat({ max: 5 }), { nil: undefined }))),
      where: fc.constantFrom('requests', 'limits', 'both'),
      sidecar: init ? fc.boolean() : fc.constant(false),
    })
    .map(({ amounts, where, sidecar }): Container => {
      const list: Record<string, string> = {};
      amounts.forEach((n, i) => {
        if (n !== undefined) list[POOLS[i]!] = String(n);
      });
      const resources =
        where === 'requests'
          ? { requests: list }
          : where === 'limits'
            ? { limits: list }
            : { requests: list, limits: { ...list } };
      return { name, resources, ...(sidecar ? { restartPolicy: 'Always' } : {}) };
    });

const podArb = fc
  .tuple(fc.nat({ max: 4 }), fc.integer({ min: 1, max: 4 }))
  .chain(([nInit, nApp]) =>
    fc.record({
      inits: fc.tuple(...Array.from({ length: nInit }, (_, i) => containerArb(`init-${i}`, true))),
      apps: fc.tuple(...Array.from({ length: nApp }, (_, i) => containerArb(`app-${i}`, false))),
    }),
  )
  .map(
    ({ inits, apps }): Pod => ({
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: apps, initContainers: inits },
    }),
  );

/** The kubelet's `PodRequests`, transcribed as it reads (resourcehelper), per resource. */
function kubeletModel(pod: Pod): Record<string, number> {
  const amount = (c: Container, r: string): number => {
    const req = c.resources?.requests?.[r] ?? c.resources?.limits?.[r];
    return req === undefined ? 0 : Number(req);
  };
  const out: Record<string, number> = {};
  for (const r of managed) {
    let reqs = 0;
    for (const c of pod.spec!.containers) reqs += amount(c, r);
    let restartable = 0;
    let initReqs = 0;
    for (const c of pod.spec!.initContainers ?? []) {
      let containerReqs = amount(c, r);
      if (c.restartPolicy === 'Always') {
        reqs += containerReqs;
        restartable += containerReqs;
        containerReqs = restartable;
      } else containerReqs += restartable;
      initReqs = Math.max(initReqs, containerReqs);
    }
    const total = Math.max(reqs, initReqs);
    if (total > 0) out[r] = total;
  }
  return out;
}

describe('podDemand (properties)', () => {
  it('matches the kubelet model of PodRequests on random pods', () => {
    fc.assert(
      fc.property(podArb, (pod) => {
        const got = podDemand(pod, managed);
        expect(got.ok).toBe(true);
        if (got.ok) expect(Object.fromEntries(got.value.pod)).toEqual(kubeletModel(pod));
      }),
      { numRuns: 500 },
    );
  });

  it('lists every container with a managed amount, in admission order, with its own amount', () => {
    fc.assert(
      fc.property(podArb, (pod) => {
        const got = podDemand(pod, managed);
        if (!got.ok) return;
        const all = [...(pod.spec!.initContainers ?? []), ...pod.spec!.containers];
        const want = all
          .map((c) => {
            const own = Object.fromEntries(
              [...managed]
                .map((r) => [r, Number(c.resources?.requests?.[r] ?? c.resources?.limits?.[r] ?? 0)] as const)
                .filter(([, n]) => n > 0),
            );
            return [c.name, own] as const;
          })
          .filter(([, own]) => Object.keys(own).length > 0);
        expect(got.value.containers.map((c) => [c.name, Object.fromEntries(c.demand)])).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});
