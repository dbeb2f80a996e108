import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testSimHost } from '../../test/support/sim-host.js';
import {
  SIM_VENDOR_NAMES,
  simulatedLayout,
  vfAddress,
  vfIommuGroup,
  vfNetdev,
} from './host/simulated/layout.js';
import { observeHost } from './observe.js';

const options = fc
  .record({
    pfs: fc.integer({ min: 0, max: 3 }),
    vfs: fc.integer({ min: 0, max: 6 }),
    numa: fc.integer({ min: 1, max: 3 }),
    vendor: fc.constantFrom(...SIM_VENDOR_NAMES),
    unreportedNuma: fc.boolean(),
    iommu: fc.boolean(),
    created: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ created, ...o }) => ({ ...o, numVfs: Math.floor(created * o.vfs) }));

describe('observeHost properties', () => {
  it('finds exactly the PFs and VFs a simulated host was built with', async () => {
    await fc.assert(
      fc.asyncProperty(options, async (o) => {
        const sim = await testSimHost(o);
        try {
          const observed = await observeHost(sim.host, { concurrency: 4 });
          const layout = simulatedLayout(o);
          expect(observed.numaNodes.map((n) => n.id)).toEqual(layout.numaNodes.map((n) => n.id));
          expect(observed.iommu).toBe(o.iommu);
          expect(
            observed.pfs.map((pf) => ({
              pf: [
                pf.pciAddress,
                pf.name,
                pf.vendor,
                pf.deviceID,
                pf.vfDeviceID,
                pf.driver,
                pf.totalVfs,
                pf.numVfs,
              ],
              numa: [pf.numaNode, pf.numaInferred],
              vfs: pf.vfs.map((v) => [v.vfID, v.pciAddress, v.driver, v.iommuGroup, v.netdev]),
            })),
          ).toEqual(
            layout.pfs.map((pf) => ({
              pf: [
                pf.pciAddress,
                pf.name,
                pf.vendor,
                pf.deviceID,
                pf.vfDeviceID,
                pf.driver,
                pf.totalVfs,
                pf.numVfs,
              ],
              numa: o.unreportedNuma ? (o.numa === 1 ? [0, true] : [-1, false]) : [pf.numaNode, false],
              vfs: Array.from({ length: pf.numVfs }, (_, i) => [
                i,
                vfAddress(pf, i),
                pf.vfDriver,
                o.iommu ? vfIommuGroup(pf, i) : null,
                vfNetdev(pf, i),
              ]),
            })),
          );
        } finally {
          await sim.cleanup();
        }
      }),
      { numRuns: 15 },
    );
  });
});
