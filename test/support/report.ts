/** Builders for the report's inputs: pools of devices, pod-resources entries, the pods bound to a node. */
import type { DeviceType } from '../../src/api/wirespeed-v1alpha1.js';
import type { Pool, PoolDevice } from '../../src/core/pools/types.js';
import type { KubeletDevices, NodePod, PodResources } from '../../src/core/report/accounting.js';
import { podKey } from '../../src/core/report/accounting.js';

/** A VF of PF `0000:3b:00.0` (or `pf`), numbered `vf`, on `numaNode`, healthy unless told. */
export function device(
  id: string,
  numaNode: number,
  opts: { healthy?: boolean; pf?: string; vf?: number } = {},
): PoolDevice {
  const healthy = opts.healthy ?? true;
  return {
    id,
    numaNode,
    pfPciAddress: opts.pf ?? '0000:3b:00.0',
    pfName: 'ens1f0',
    vfID: opts.vf ?? 0,
    iommuGroup: null,
    driver: 'vfio-pci',
    netdev: null,
    healthy,
    ...(healthy ? {} : { unhealthyReason: 'PF carrier down' }),
  };
}

export function pool(resourceName: string, devices: PoolDevice[], deviceType: DeviceType = 'vfio-pci'): Pool {
  return { resourceName, deviceType, devices };
}

/** Every healthy device of the pools, as GetAllocatableResources lists them: one entry per ID. */
export function allocatableOf(pools: readonly Pool[]): KubeletDevices[] {
  return pools.flatMap((p) =>
    p.devices.filter((d) => d.healthy).map((d) => ({ resourceName: p.resourceName, deviceIds: [d.id] })),
  );
}

/** A List entry: one container `app` holding `ids` of each resource. */
export function podResources(
  namespace: string,
  name: string,
  devices: Record<string, string[]>,
  container = 'app',
): PodResources {
  return {
    namespace,
    name,
    containers: [
      {
        name: container,
        devices: Object.entries(devices).map(([resourceName, deviceIds]) => ({ resourceName, deviceIds })),
      },
    ],
  };
}

/** The pods map from `[namespace, name, uid, phase]` tuples. */
export function nodePods(...pods: [string, string, string, string?][]): Map<string, NodePod> {
  return new Map(
    pods.map(([ns, name, uid, phase]) => [podKey(ns, name), { uid, ...(phase ? { phase } : {}) }]),
  );
}
