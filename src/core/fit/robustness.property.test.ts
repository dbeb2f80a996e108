/** Whatever arrives (a pod from the scheduler, a report from an agent), the decisions answer and never throw. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../api/core-v1.js';
import type { NodeNetworkStateStatus } from '../../api/wirespeed-v1alpha1.js';
import { indexReport } from './capacity.js';
import { podDemand } from './demand.js';
import { fitNode } from './fit.js';

const A = 'intel.com/sriov_a';
const managed = new Set([A]);

/** Values shaped like pods and reports, with every field sometimes of the wrong type. */
const quantity = fc.oneof(
  fc.constantFrom('1', '2', '0', '1.5', '500m', '1k', 'x', '', '1e3', '-1'),
  fc.anything(),
);
const containerArb = fc.oneof(
  fc.anything(),
  fc.record(
    {
      name: fc.oneof(fc.string(), fc.anything()),
      restartPolicy: fc.oneof(fc.constant('Always'), fc.anything()),
      resources: fc.oneof(
        fc.anything(),
        fc.record(
          { requests: fc.oneof(fc.dictionary(fc.constantFrom(A, 'cpu'), quantity), fc.anything()) },
          { requiredKeys: [] },
        ),
        fc.record(
          { limits: fc.dictionary(fc.constantFrom(A, '__proto__', 'constructor'), quantity) },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  ),
);
const podArb = fc.oneof(
  fc.anything(),
  fc.record(
    {
      metadata: fc.oneof(
        fc.anything(),
        fc.record({ name: fc.string(), namespace: fc.string() }, { requiredKeys: [] }),
      ),
      spec: fc.oneof(
        fc.anything(),
        fc.record(
          {
            containers: fc.oneof(fc.array(containerArb), fc.anything()),
            initContainers: fc.oneof(fc.array(containerArb), fc.anything()),
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  ),
);
const count = fc.oneof(fc.integer({ min: -3, max: 9 }), fc.double(), fc.anything());
const reportArb = fc.oneof(
  fc.anything(),
  fc.record(
    {
      kubelet: fc.oneof(
        fc.anything(),
        fc.record({
          topologyManagerPolicy: fc.oneof(
            fc.constantFrom('single-numa-node', 'restricted', 'best-effort', 'none'),
            fc.anything(),
          ),
          topologyManagerScope: fc.oneof(fc.constantFrom('pod', 'container'), fc.anything()),
        }),
      ),
      pools: fc.oneof(
        fc.anything(),
        fc.array(
          fc.record(
            {
              resourceName: fc.oneof(fc.constant(A), fc.anything()),
              numaNodes: fc.oneof(
                fc.anything(),
                fc.array(
                  fc.record(
                    {
                      numaNode: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.anything()),
                      capacity: count,
                      allocatable: count,
                      free: count,
                    },
                    { requiredKeys: [] },
                  ),
                ),
              ),
            },
            { requiredKeys: [] },
          ),
        ),
      ),
      pods: fc.oneof(
        fc.anything(),
        fc.array(fc.record({ uid: fc.oneof(fc.string(), fc.anything()) }, { requiredKeys: [] })),
      ),
    },
    { requiredKeys: [] },
  ),
);

describe('robustness (properties)', () => {
  it('podDemand answers a Result for anything, with whole non-negative counts', () => {
    fc.assert(
      fc.property(podArb, (pod) => {
        const got = podDemand(pod as Pod, managed);
        if (got.ok)
          for (const n of got.value.pod.values()) expect(Number.isSafeInteger(n) && n > 0).toBe(true);
        else expect(['InvalidRequest', 'InvalidQuantity']).toContain(got.problem.code);
      }),
      { numRuns: 1000 },
    );
  });

  it('indexReport and fitNode answer for any report, with a well-formed fit', () => {
    fc.assert(
      fc.property(reportArb, fc.integer({ min: 1, max: 6 }), (report, n) => {
        const demand = new Map([[A, n]]);
        const capacity = indexReport(report as NodeNetworkStateStatus);
        const fit = fitNode({ pod: demand, containers: [{ name: 'c', kind: 'app', demand }] }, { capacity });
        expect(Number.isInteger(fit.score) && fit.score >= 0 && fit.score <= 10).toBe(true);
        expect(fit.reason === null).toBe(fit.fits);
      }),
      { numRuns: 1000 },
    );
  });
});
