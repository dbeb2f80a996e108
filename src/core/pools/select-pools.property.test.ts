import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { observedHost, observedPf, observedVf } from '../../../test/support/observed-host.js';
import { DEVICE_TYPES } from '../../api/wirespeed-v1alpha1.js';
import { selectPools } from './select-pools.js';

const pfNames = ['enp24s0f0', 'enp26s0f0', 'enp28s0f0'];

/** 1-3 PFs with up to 8 of their 8 VF slots present, some on vfio-pci. */
const host = fc
  .array(
    fc.tuple(fc.subarray([0, 1, 2, 3, 4, 5, 6, 7]), fc.boolean(), fc.constantFrom('up', 'down', 'unknown')),
    {
      minLength: 1,
      maxLength: 3,
    },
  )
  .map((pfs) =>
    observedHost(
      pfs.map(([present, vfio, linkState], index) =>
        observedPf({
          index,
          totalVfs: 8,
          numVfs: 8,
          linkState: linkState as 'up' | 'down' | 'unknown',
          vfs: present.map((i) => observedVf(index, i, vfio ? { driver: 'vfio-pci', netdev: null } : {})),
        }),
      ),
    ),
  );

const range = fc.option(
  fc.tuple(fc.nat(9), fc.nat(9)).map(([a, b]) => `#${Math.min(a, b)}-${Math.max(a, b)}`),
  { nil: '' },
);
const nicSelector = fc.oneof(
  fc.record({ vendor: fc.constantFrom('8086', '15b3') }),
  fc.record({
    pfNames: fc.array(
      fc.tuple(fc.constantFrom(...pfNames), range).map(([n, r]) => n + r),
      { maxLength: 3 },
    ),
  }),
  fc.record({ rootDevices: fc.subarray(['0000:18:00.0', '0000:1a:00.0', '0000:1c:00.0'], { minLength: 1 }) }),
  fc.record({ deviceID: fc.constantFrom('158b', '101d'), pfNames: fc.constant(['enp26s0f0#0-3']) }),
);
const spec = fc.record(
  {
    resourceName: fc.constantFrom('a', 'b', 'c', 'example.com/a'),
    priority: fc.constantFrom(0, 10, 10, 99),
    numVfs: fc.integer({ min: 0, max: 12 }),
    deviceType: fc.constantFrom(...DEVICE_TYPES),
    nodeSelector: fc.constantFrom({}, { zone: 'a' }, { zone: 'b' }),
    nicSelector,
  },
  { requiredKeys: ['resourceName', 'numVfs', 'nicSelector'] },
);
/** Mostly policy-shaped specs, sometimes anything at all; names unique so order alone cannot matter. */
const policies = fc
  .array(fc.oneof({ weight: 5, arbitrary: spec }, { weight: 1, arbitrary: fc.anything() }), { maxLength: 8 })
  .map((specs) =>
    specs.map((s, i) => ({
      apiVersion: 'wirespeed.io/v1alpha1',
      kind: 'NetworkNodePolicy',
      metadata: { name: `p${i}`, namespace: 'ws' },
      spec: s,
    })),
  );
const labels = fc.option(fc.constantFrom<Record<string, string>>({}, { zone: 'a' }), { nil: undefined });

describe('selectPools properties', () => {
  it('never throws, even on values that are not policies, and answers every policy', () => {
    fc.assert(
      fc.property(
        host,
        fc.array(fc.anything(), { maxLength: 6 }),
        policies,
        labels,
        (observed, junk, ps, nodeLabels) => {
          const all = [...ps, ...junk];
          const got = selectPools({ observed, policies: all, ...(nodeLabels ? { nodeLabels } : {}) });
          expect(got.policies.length).toBeLessThanOrEqual(all.length);
          expect(got.policies.length).toBeGreaterThanOrEqual(Math.min(1, all.length));
        },
      ),
    );
  });

  it('a VF is in at most one pool, and only VFs the host has are in pools', () => {
    fc.assert(
      fc.property(host, policies, labels, (observed, ps, nodeLabels) => {
        const { pools } = selectPools({ observed, policies: ps, ...(nodeLabels ? { nodeLabels } : {}) });
        const ids = pools.flatMap((p) => p.devices.map((d) => d.id));
        expect(new Set(ids).size).toBe(ids.length);
        const present = new Set(observed.pfs.flatMap((pf) => pf.vfs.map((v) => v.pciAddress)));
        for (const id of ids) expect(present.has(id)).toBe(true);
      }),
    );
  });

  it('pool membership and every condition are independent of the order policies come in', () => {
    fc.assert(
      fc.property(
        host,
        policies.chain((ps) => fc.tuple(fc.constant(ps), fc.shuffledSubarray(ps, { minLength: ps.length }))),
        (observed, [ps, shuffled]) => {
          expect(selectPools({ observed, policies: shuffled })).toEqual(
            selectPools({ observed, policies: ps }),
          );
        },
      ),
    );
  });

  it('a device is healthy only on the driver its pool needs and with the PF carrier not down', () => {
    fc.assert(
      fc.property(host, policies, (observed, ps) => {
        for (const pool of selectPools({ observed, policies: ps }).pools) {
          for (const d of pool.devices) {
            const pf = observed.pfs.find((p) => p.pciAddress === d.pfPciAddress)!;
            const onVfio = d.driver === 'vfio-pci';
            const driverOk =
              pool.deviceType === 'vfio-pci'
                ? onVfio
                : pool.deviceType === 'netdevice'
                  ? !onVfio && d.driver !== null
                  : false;
            expect(d.healthy).toBe(driverOk && pf.linkState !== 'down');
          }
        }
      }),
    );
  });
});
