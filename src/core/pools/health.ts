/**
 * Whether a pool's device can be handed to a pod, and why not. A device is unhealthy when its VF is gone,
 * when the VF is not on the driver its pool's device type needs (vfio-pci for `vfio-pci`; any kernel driver
 * but vfio-pci for `netdevice`; a vDPA device on virtio_vdpa or vhost_vdpa for `vdpa-virtio`/`vdpa-vhost`),
 * when a vfio-pci VF has no IOMMU group (no /dev/vfio node to give), or when the PF's carrier is down: every
 * VF shares the PF's port, so no device type gets traffic through a port without carrier. A PF whose link is
 * unknown (no netdev, e.g. the PF itself on vfio-pci) does not make its VFs unhealthy.
 */
import type { DeviceType } from '../../api/wirespeed-v1alpha1.js';
import type { ObservedPf, ObservedVf } from '../host/observed.js';
import { pfLabel } from './select.js';

export type Health = { healthy: true } | { healthy: false; reason: string };

const VFIO = 'vfio-pci';
const VDPA_DRIVER: Record<'vdpa-virtio' | 'vdpa-vhost', string> = {
  'vdpa-virtio': 'virtio_vdpa',
  'vdpa-vhost': 'vhost_vdpa',
};

export function deviceHealth(pf: ObservedPf, vf: ObservedVf, deviceType: DeviceType): Health {
  const driver = driverProblem(vf, deviceType);
  if (driver) return { healthy: false, reason: `VF ${vf.vfID} of PF ${pfLabel(pf)}: ${driver}` };
  if (pf.linkState === 'down')
    return { healthy: false, reason: `VF ${vf.vfID} of PF ${pfLabel(pf)}: the PF's carrier is down` };
  return { healthy: true };
}

function driverProblem(vf: ObservedVf, deviceType: DeviceType): string | null {
  const on = vf.driver === null ? 'no driver is bound' : `the driver is ${vf.driver}`;
  if (deviceType === 'vfio-pci') {
    if (vf.driver !== VFIO) return `${on}, the pool needs vfio-pci`;
    if (vf.iommuGroup === null) return 'bound to vfio-pci without an IOMMU group (is the IOMMU on?)';
    return null;
  }
  if (deviceType === 'netdevice') {
    if (vf.driver === null || vf.driver === VFIO) return `${on}, the pool needs a kernel network driver`;
    return null;
  }
  const want = VDPA_DRIVER[deviceType];
  if (vf.vdpaDriver !== want)
    return vf.vdpaDriver === null
      ? `no vDPA device, the pool needs one on ${want}`
      : `its vDPA device is on ${vf.vdpaDriver}, the pool needs ${want}`;
  return null;
}

/** The reason for a device that was in the pool and whose VF is no longer on the host. */
export const goneReason = (pf: ObservedPf, vfID: number): string => `VF ${vfID} of PF ${pfLabel(pf)} is gone`;
