/**
 * Whether two reports say the same thing, so the agent writes only on a change. A status read back from the
 * API server has its object keys re-ordered (the server serializes maps sorted) and drops `undefined`, so the
 * comparison is on a canonical form: keys sorted, `undefined` members removed, arrays in their order (the
 * accounting orders them deterministically).
 */
import type { NodeNetworkStateStatus } from '../../api/wirespeed-v1alpha1.js';

/** JSON with object keys sorted at every level; `undefined` members are left out as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeys(v)));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) out[key] = sortKeys(member);
  }
  return out;
}

/** Equal in everything but `reportTime` (which changes with every report and is not news on its own). */
export function sameReport(
  a: NodeNetworkStateStatus | undefined | null,
  b: NodeNetworkStateStatus | undefined | null,
): boolean {
  if (!a || !b) return !a && !b;
  const { reportTime: _a, ...restA } = a;
  const { reportTime: _b, ...restB } = b;
  return canonicalJson(restA) === canonicalJson(restB);
}
