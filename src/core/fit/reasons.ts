/**
 * The reasons a node does not fit. kube-scheduler groups nodes by identical message in the pod's event
 * ("0/40 nodes are available: 12 no NUMA node has 3 free intel.com/sriov_a, ..."), so they carry the pod's
 * numbers and names only, never the node's own counts: a handful of distinct sentences per pod, each saying what
 * is missing.
 */
import type { Shortfall } from './align.js';

export const NO_REPORT = 'no topology report';
export const STALE_REPORT = 'stale topology report';

/** The node reports no such pool (or none of its devices): nothing on this node can change that. */
export const poolAbsent = (pool: string): string => `node has no ${pool}`;

/** `free` when the node is only full now; `allocatable` when even an empty node would not hold it. */
export function shortfallReason(short: Shortfall, basis: 'free' | 'allocatable'): string {
  const prefix = short.container === undefined ? '' : `container ${short.container}: `;
  const amounts = short.needs.map(([pool, n]) => `${n} ${basis} ${pool}`);
  const width = short.width ?? 1;
  if (short.kind === 'total') return `${prefix}node has fewer than ${amounts.join(' and ')}`;
  if (!Number.isFinite(width)) {
    const [pool, n] = short.needs.find(([p]) => p !== undefined)!;
    return `${prefix}node has fewer than ${n} ${pool} with a known NUMA node`;
  }
  if (amounts.length === 1)
    return width === 1
      ? `${prefix}no NUMA node has ${amounts[0]}`
      : `${prefix}no ${width} NUMA nodes have ${amounts[0]}`;
  if (width === 1) return `${prefix}no NUMA node has ${amounts.join(' and ')} at once`;
  return `${prefix}no NUMA-aligned placement has ${amounts.join(' and ')} at once`;
}
