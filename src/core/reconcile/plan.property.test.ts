import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { observedHost, observedPf, observedVf } from '../../../test/support/observed-host.js';
import { policyList as policies } from '../../../test/support/policies.js';
import { planHost, USERSPACE_DRIVERS } from './plan.js';
import { NO_FACTS } from './types.js';

describe('planHost properties', () => {
  it('never plans a step that destroys or rebinds a VF a pod holds; with evict it names exactly those pods', () => {
    const drivers = fc.constantFrom('iavf', 'vfio-pci', null);
    const host = fc
      .record({
        numVfs: fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })),
        drivers: fc.array(drivers, { minLength: 8, maxLength: 8 }),
        held: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      })
      .map(({ numVfs, drivers: d, held }) => {
        const pfs = [0, 1].map((index) =>
          observedPf({
            index,
            numVfs: numVfs[index] as number,
            vfs: Array.from({ length: numVfs[index] as number }, (_, i) =>
              observedVf(index, i, { driver: d[index * 4 + i] ?? null, netdev: null }),
            ),
          }),
        );
        const allocations = pfs.flatMap((pf, index) =>
          pf.vfs
            .filter((vf) => held[index * 4 + vf.vfID])
            .map((vf) => ({ namespace: 'ns', name: `pod-${vf.pciAddress}`, deviceIds: [vf.pciAddress] })),
        );
        return { observed: observedHost(pfs), allocations };
      });
    fc.assert(
      fc.property(host, policies, fc.boolean(), ({ observed, allocations }, list, evict) => {
        const plan = planHost({ observed, facts: NO_FACTS, policies: list, allocations, evict });
        const heldBy = new Map(allocations.map((a) => [a.deviceIds[0] as string, a.name]));
        for (const pf of plan.pfs) {
          const current = observed.pfs.find((p) => p.pciAddress === pf.pciAddress);
          const heldHere = current?.vfs.filter((vf) => heldBy.has(vf.pciAddress)) ?? [];
          for (const step of pf.steps) {
            if (step.op === 'numVfs') expect(heldHere).toEqual([]);
            if (step.op === 'bindVf' || step.op === 'vdpa') {
              const vf = current?.vfs.find((v) => v.vfID === step.vfID);
              if (!vf || !heldBy.has(vf.pciAddress)) continue;
              expect(step.op).toBe('bindVf');
              const ok =
                step.op === 'bindVf' &&
                (step.driver === null
                  ? vf.driver !== null && !USERSPACE_DRIVERS.has(vf.driver)
                  : vf.driver === step.driver);
              expect(ok).toBe(true);
            }
          }
          if (pf.outcome === 'NeedsEviction' || pf.outcome === 'Evict') {
            expect(pf.outcome).toBe(evict ? 'Evict' : 'NeedsEviction');
            for (const pod of pf.pods) expect([...heldBy.values()]).toContain(pod.name);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('merges by priority deterministically: the order of the policies does not matter', () => {
    const observed = observedHost([observedPf({ index: 0, vfs: 0 }), observedPf({ index: 1, vfs: 0 })]);
    fc.assert(
      fc.property(
        policies.chain((list) =>
          fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length })),
        ),
        ([list, shuffled]) => {
          const a = planHost({ observed, facts: NO_FACTS, policies: list, allocations: [], evict: false });
          const b = planHost({
            observed,
            facts: NO_FACTS,
            policies: shuffled,
            allocations: [],
            evict: false,
          });
          expect(b).toEqual(a);
        },
      ),
      { numRuns: 300 },
    );
  });
});
