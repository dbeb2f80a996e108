/**
 * Which policies apply to a node (nodeSelector) and which VFs of a PF a policy claims (nicSelector). The set
 * fields of a nicSelector must all match, as in SriovNetworkNodePolicy; a `pfNames` entry with `#first-last`
 * claims that range, otherwise the policy claims VFs 0 to numVfs − 1.
 */
import type { ObservedPf } from '../host/observed.js';
import { rangeList } from '../ranges.js';
import type { ValidPolicy, VfRange } from './policy.js';

/** True when every nodeSelector label matches; an empty selector matches every node. */
export function nodeSelected(policy: ValidPolicy, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(policy.nodeSelector).every(([k, v]) => Object.hasOwn(labels, k) && labels[k] === v);
}

/** The VF ranges of `pf` the policy claims, or null when its nicSelector does not match the PF. */
export function claimedRanges(policy: ValidPolicy, pf: ObservedPf): VfRange[] | null {
  const s = policy.nicSelector;
  if (s.vendor !== undefined && s.vendor !== pf.vendor) return null;
  if (s.deviceID !== undefined && s.deviceID !== pf.deviceID) return null;
  if (s.rootDevices !== undefined && !s.rootDevices.includes(pf.pciAddress)) return null;
  if (s.netFilter !== undefined && s.netFilter !== pf.netFilter) return null;
  const all: VfRange[] = policy.numVfs > 0 ? [{ first: 0, last: policy.numVfs - 1 }] : [];
  if (s.pfNames === undefined) return all;
  const named = s.pfNames.filter((p) => pf.name !== null && p.name === pf.name);
  if (named.length === 0) return null;
  return named.some((p) => p.range === undefined) ? all : named.map((p) => p.range as VfRange);
}

/** `[0,1,2,3,6]` → `0-3, 6`. */
export function formatVfIndices(indices: readonly number[]): string {
  return rangeList(indices, ', ');
}

/** How messages name a PF: `enp24s0f0 (0000:18:00.0)`, or the address alone when it has no netdev. */
export const pfLabel = (pf: Pick<ObservedPf, 'name' | 'pciAddress'>): string =>
  pf.name ? `${pf.name} (${pf.pciAddress})` : pf.pciAddress;
