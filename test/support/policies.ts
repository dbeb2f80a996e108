/**
 * fast-check arbitraries of NetworkNodePolicies for setup and planning properties: up to 4 policies over the
 * two PFs of a 2-PF simulated host (4 VFs each), with any device type, VF count, VF range, priority and MTU.
 */
import fc from 'fast-check';
import { DEVICE_TYPES } from '../../src/api/wirespeed-v1alpha1.js';

const NAMES = ['enp24s0f0', 'enp26s0f0'];

export const policyList = fc
  .array(
    fc.record({
      pf: fc.constantFrom(...NAMES),
      deviceType: fc.constantFrom(...DEVICE_TYPES),
      numVfs: fc.integer({ min: 0, max: 4 }),
      first: fc.integer({ min: 0, max: 3 }),
      width: fc.integer({ min: 0, max: 3 }),
      ranged: fc.boolean(),
      priority: fc.integer({ min: 0, max: 3 }),
      mtu: fc.option(fc.constantFrom(1500, 9000), { nil: undefined }),
    }),
    { maxLength: 4 },
  )
  .map((list) =>
    list.map((p, i) => {
      const last = Math.min(p.first + p.width, Math.max(p.numVfs - 1, 0));
      const ranged = p.ranged && p.numVfs > 0 && p.first <= last;
      return {
        apiVersion: 'wirespeed.io/v1alpha1',
        kind: 'NetworkNodePolicy',
        metadata: { name: `p${i}`, namespace: 'ws', generation: 1 },
        spec: {
          resourceName: `pool${i}`,
          deviceType: p.deviceType,
          numVfs: p.numVfs,
          priority: p.priority,
          ...(p.mtu ? { mtu: p.mtu } : {}),
          nicSelector: { pfNames: [ranged ? `${p.pf}#${p.first}-${last}` : p.pf] },
        },
      };
    }),
  );
