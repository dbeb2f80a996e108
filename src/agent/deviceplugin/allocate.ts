/**
 * What a container gets for the devices the kubelet allocated to it: the env sriov-network-device-plugin sets
 * (so Multus, SR-IOV CNI and DPDK applications that read it work unchanged) and, for vfio-pci pools, the VFIO
 * device nodes. Pure: device specs are computed from the pool at each call, never cached across boots (IOMMU
 * group numbers can change on reboot).
 */

import type { Pool, PoolDevice } from '../../core/pools/types.js';
import { fail, ok, type Result } from '../../core/problem.js';
import type { ContainerAllocateResponse, DeviceSpec } from './wire.js';

const VFIO_CONTAINER = '/dev/vfio/vfio';

/**
 * `PCIDEVICE_<RESOURCE>`, exactly as sriov-network-device-plugin and its consumers (Kata, app-netutil) spell
 * it: `.` and `/` become `_`, then upper case; `intel.com/sriov_net_A` → `PCIDEVICE_INTEL_COM_SRIOV_NET_A`.
 */
export function pciDeviceEnvName(resourceName: string): string {
  return `PCIDEVICE_${resourceName.replaceAll('.', '_').replaceAll('/', '_').toUpperCase()}`;
}

/** The env, device specs and mounts for one container's devices; an unknown ID is refused by name. */
export function containerAllocation(pool: Pool, ids: string[]): Result<ContainerAllocateResponse> {
  const byId = new Map(pool.devices.map((d) => [d.id, d]));
  const devices: PoolDevice[] = [];
  for (const id of ids) {
    const device = byId.get(id);
    if (!device) {
      return fail(
        'InvalidRequest',
        `device ${id} is not in pool ${pool.resourceName} (it has ${pool.devices.length} devices); the kubelet's view is stale, it will be corrected by the next ListAndWatch update`,
      );
    }
    devices.push(device);
  }
  const vfio = pool.deviceType === 'vfio-pci';
  const specs: DeviceSpec[] = [];
  if (vfio) {
    const missing = devices.find((d) => d.iommuGroup === null);
    if (missing) {
      return fail(
        'InvalidRequest',
        `device ${missing.id} of vfio-pci pool ${pool.resourceName} has no IOMMU group; enable the IOMMU (intel_iommu=on iommu=pt) and rebind it`,
      );
    }
    specs.push(deviceSpec(VFIO_CONTAINER));
    // Sorted, so the specs do not depend on the order the kubelet lists the IDs in.
    const groups = [...new Set(devices.map((d) => d.iommuGroup as number))].sort((a, b) => a - b);
    for (const group of groups) specs.push(deviceSpec(`/dev/vfio/${group}`));
  }
  const name = pciDeviceEnvName(pool.resourceName);
  return ok({
    envs: { [name]: ids.join(','), [`${name}_INFO`]: deviceInfo(devices, vfio) },
    mounts: [],
    devices: specs,
    annotations: {},
    cdi_devices: [],
  });
}

function deviceSpec(path: string): DeviceSpec {
  return { container_path: path, host_path: path, permissions: 'rw' };
}

/** The `_INFO` twin as sriov-network-device-plugin writes it: `{ "<pci>": { "<provider>": { key: value } } }`. */
function deviceInfo(devices: PoolDevice[], vfio: boolean): string {
  const info: Record<string, Record<string, Record<string, string>>> = {};
  for (const device of devices) {
    info[device.id] = {
      generic: { deviceID: device.id },
      ...(vfio ? { vfio: { 'dev-mount': `/dev/vfio/${device.iommuGroup}`, mount: VFIO_CONTAINER } } : {}),
    };
  }
  return JSON.stringify(info);
}
