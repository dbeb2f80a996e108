/**
 * `status.interfaces` of NodeNetworkState (and `wirespeed discover -o json`): the observed PFs and VFs in the
 * contract's shape, each VF with the pool that holds it.
 */
import type { InterfaceStatus } from '../../api/wirespeed-v1alpha1.js';
import type { ObservedHost } from '../host/observed.js';
import type { Pool } from './types.js';

export function interfacesStatus(observed: ObservedHost, pools: readonly Pool[]): InterfaceStatus[] {
  const poolOf = new Map<string, string>();
  for (const pool of pools) for (const d of pool.devices) poolOf.set(d.id, pool.resourceName);
  return observed.pfs.map((pf) => ({
    pciAddress: pf.pciAddress,
    name: pf.name,
    vendor: pf.vendor,
    deviceID: pf.deviceID,
    driver: pf.driver,
    numaNode: pf.numaNode,
    totalVfs: pf.totalVfs,
    numVfs: pf.numVfs,
    linkState: pf.linkState,
    mtu: pf.mtu,
    vfs: pf.vfs.map((vf) => ({
      pciAddress: vf.pciAddress,
      vfID: vf.vfID,
      driver: vf.driver,
      iommuGroup: vf.iommuGroup,
      netdev: vf.netdev,
      pool: poolOf.get(vf.pciAddress) ?? null,
    })),
  }));
}
