/**
 * What the agent serves: pools of devices, each device with its NUMA node and health. Built by the pool
 * selection (policies × the observed host) in this folder; consumed by the device plugin (one server per pool),
 * the report (counts per pool per NUMA node) and `wirespeed discover`.
 */
import type { DeviceType } from '../../api/wirespeed-v1alpha1.js';

export interface PoolDevice {
  /** The device ID published to the kubelet: the VF's PCI address, e.g. `0000:3b:02.1`. */
  id: string;
  /** The NUMA node of the PF (−1 when the kernel reports none and the host has several NUMA nodes). */
  numaNode: number;
  pfPciAddress: string;
  pfName: string | null;
  vfID: number;
  iommuGroup: number | null;
  driver: string | null;
  netdev: string | null;
  healthy: boolean;
  /** Why the device is unhealthy (VF vanished, wrong driver, PF carrier down), for logs and status. */
  unhealthyReason?: string;
}

export interface Pool {
  /** The full extended resource name, e.g. `intel.com/sriov_a`. */
  resourceName: string;
  deviceType: DeviceType;
  /** Sorted by PF PCI address, then VF index: the order the device plugin lists them. */
  devices: PoolDevice[];
}
