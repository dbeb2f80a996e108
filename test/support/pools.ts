/** Builders of `Pool`s for device-plugin, pod-resources and report tests. */
import type { DeviceType } from '../../src/api/wirespeed-v1alpha1.js';
import type { Pool, PoolDevice } from '../../src/core/pools/types.js';

/** A VF on a PF: ID `0000:<bus>:<slot>.<fn>` built from PF bus and VF index (8 VFs per slot). */
export function vf(pfBus: number, vfID: number, overrides: Partial<PoolDevice> = {}): PoolDevice {
  const bus = pfBus.toString(16).padStart(2, '0');
  const slot = (2 + Math.floor(vfID / 8)).toString(16).padStart(2, '0');
  return {
    id: `0000:${bus}:${slot}.${vfID % 8}`,
    numaNode: 0,
    pfPciAddress: `0000:${bus}:00.0`,
    pfName: `ens${pfBus}f0`,
    vfID,
    iommuGroup: pfBus * 100 + vfID,
    driver: 'vfio-pci',
    netdev: null,
    healthy: true,
    ...overrides,
  };
}

/** `count` VFs of PF `pfBus`, VF indexes from `first`. */
export function vfs(
  pfBus: number,
  count: number,
  overrides: Partial<PoolDevice> = {},
  first = 0,
): PoolDevice[] {
  return Array.from({ length: count }, (_, i) => vf(pfBus, first + i, overrides));
}

export function pool(resourceName: string, devices: PoolDevice[], deviceType: DeviceType = 'vfio-pci'): Pool {
  return { resourceName, deviceType, devices };
}
