/**
 * A VF that vanished from the host while a pod holds it stays listed, Unhealthy ("VF vanished"), until the pod
 * lets go: the kubelet then keeps counting it as allocated and never offers it again, and the report still
 * places the pod's device on its NUMA node. A vanished VF nobody holds is simply dropped from its pool. Pure.
 */
import type { Pool, PoolDevice } from '../../core/pools/types.js';

export const VANISHED_REASON = 'VF vanished from the host';

export function keepHeldVanished(
  previous: readonly Pool[],
  current: readonly Pool[],
  held: ReadonlyMap<string, ReadonlySet<string>>,
): Pool[] {
  const before = new Map(previous.map((p) => [p.resourceName, p]));
  return current.map((pool) => {
    const old = before.get(pool.resourceName);
    const holding = held.get(pool.resourceName);
    if (!old || !holding || holding.size === 0) return pool;
    const present = new Set(pool.devices.map((d) => d.id));
    const kept: PoolDevice[] = old.devices
      .filter((d) => !present.has(d.id) && holding.has(d.id))
      .map((d) => ({ ...d, healthy: false, unhealthyReason: VANISHED_REASON }));
    if (kept.length === 0) return pool;
    const devices = [...pool.devices, ...kept].sort(
      (a, b) => compare(a.pfPciAddress, b.pfPciAddress) || a.vfID - b.vfID,
    );
    return { ...pool, devices };
  });
}

/** Resource name → device IDs pods hold, from pod-resources List entries. */
export function heldDevices(
  pods: readonly {
    containers: readonly { devices: readonly { resourceName: string; deviceIds: readonly string[] }[] }[];
  }[],
): Map<string, Set<string>> {
  const held = new Map<string, Set<string>>();
  for (const pod of pods) {
    for (const container of pod.containers) {
      for (const entry of container.devices) {
        let ids = held.get(entry.resourceName);
        if (!ids) {
          ids = new Set();
          held.set(entry.resourceName, ids);
        }
        for (const id of entry.deviceIds) ids.add(id);
      }
    }
  }
  return held;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
