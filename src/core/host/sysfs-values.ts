/**
 * How discovery reads sysfs attribute text into values. Pure: the text comes from the `Host` port.
 */
import type { LinkState } from './observed.js';

/** `0x8086\n` → `8086`; null when absent or not a hex ID. */
export function pciId(text: string | undefined): string | null {
  const m = /^(?:0x)?([0-9a-fA-F]{1,4})$/.exec(text?.trim() ?? '');
  return m ? (m[1] as string).toLowerCase().padStart(4, '0') : null;
}

/** A decimal attribute (`sriov_numvfs`, `mtu`, `numa_node`), null when absent or not a number. */
export function intValue(text: string | undefined): number | null {
  const s = text?.trim() ?? '';
  return /^-?\d{1,10}$/.test(s) ? Number(s) : null;
}

/** PCI class 0x02xxxx: a network controller (Ethernet, InfiniBand, ...). */
export function isNetworkClass(text: string | undefined): boolean {
  return /^0x02[0-9a-f]{4}$/i.test(text?.trim() ?? '');
}

/**
 * The link of a netdev: `carrier` when it can be read (1 up, 0 down; the kernel refuses the read while the
 * link is administratively down), else `operstate` (`down`, `lowerlayerdown` and `notpresent` are down).
 */
export function linkStateOf(operstate: string | undefined, carrier: string | undefined): LinkState {
  const c = carrier?.trim();
  if (c === '1') return 'up';
  if (c === '0') return 'down';
  const o = operstate?.trim();
  if (o === 'up') return 'up';
  if (o === 'down' || o === 'lowerlayerdown' || o === 'notpresent' || o === 'dormant') return 'down';
  return 'unknown';
}

/**
 * A device's NUMA node: the kernel's when it gives one; on a host with one NUMA node (or none), node 0,
 * flagged inferred; otherwise −1, unknown (the device fits any NUMA node).
 */
export function resolveNumaNode(
  reported: number | null,
  hostNumaNodes: number,
): { numaNode: number; inferred: boolean } {
  if (reported !== null && reported >= 0) return { numaNode: reported, inferred: false };
  if (hostNumaNodes <= 1) return { numaNode: 0, inferred: true };
  return { numaNode: -1, inferred: false };
}

/** The last element of a link target: `../../../bus/pci/drivers/iavf` → `iavf`. */
export function linkName(target: string | undefined): string | null {
  if (!target) return null;
  const name = target.replace(/\/+$/, '').split('/').pop();
  return name ? name : null;
}

/** The IOMMU group number from the `iommu_group` link, null when there is none. */
export function iommuGroupOf(target: string | undefined): number | null {
  return intValue(linkName(target) ?? undefined);
}

/** `Node 1 MemTotal:  16777216 kB` → 16777216. */
export function memTotalKiB(meminfo: string | undefined, node: number): number | null {
  const m = new RegExp(`^Node ${node} MemTotal:\\s+(\\d+) kB$`, 'm').exec(meminfo ?? '');
  return m ? Number(m[1]) : null;
}

/**
 * The netdev to report for a PCI device with several (a switchdev PF and its representors): the one whose
 * `phys_port_name` looks like a port (`p0`), else the first by name.
 */
export function primaryNetdev(
  names: readonly string[],
  portNames: readonly (string | undefined)[],
): string | null {
  const port = names.findIndex((_, i) => /^p\d+$/.test(portNames[i]?.trim() ?? ''));
  return names[port >= 0 ? port : 0] ?? null;
}
