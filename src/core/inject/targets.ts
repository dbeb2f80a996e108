/** `wirespeed.io/target-containers`: which container of the pod gets the devices of which network. */
import type { Container, Pod } from '../../api/core-v1.js';
import { objectKey } from '../names.js';
import type { NetworkSelection } from '../networks/index.js';
import { fail, ok, type Result } from '../problem.js';
import { parseTargetContainers, TARGET_CONTAINERS_ANNOTATION } from './annotations.js';
import type { Selected } from './selection.js';

/**
 * Which container receives each selection's devices: the first container, unless the pod's
 * `wirespeed.io/target-containers` annotation says otherwise (and names only containers and networks it has).
 */
export function resolveTargets(
  pod: Pod,
  containers: readonly Container[],
  selected: readonly Selected[],
): Result<(s: NetworkSelection) => string> {
  const names = containers.map((c) => c.name);
  const value = pod.metadata?.annotations?.[TARGET_CONTAINERS_ANNOTATION];
  const first = names[0]!;
  if (value === undefined) return ok(() => first);
  if (typeof value !== 'string')
    return fail('InvalidPodAnnotation', `pod annotation ${TARGET_CONTAINERS_ANNOTATION} must be a string`);
  const parsed = parseTargetContainers(value);
  if (!parsed.ok) return parsed;
  const { defaultContainer, byNetwork } = parsed.value;
  for (const container of [defaultContainer, ...byNetwork.values()]) {
    if (container !== undefined && !names.includes(container)) {
      return fail(
        'UnknownContainer',
        `pod annotation ${TARGET_CONTAINERS_ANNOTATION} names container "${container}", which the pod does not have (containers: ${names.join(', ')})`,
      );
    }
  }
  const lookup = (s: NetworkSelection): string | undefined =>
    byNetwork.get(objectKey(s.namespace, s.name)) ?? byNetwork.get(s.name);
  const selectedNames = new Set<string>();
  for (const { selection: s } of selected) {
    const qualified = objectKey(s.namespace, s.name);
    selectedNames.add(qualified).add(s.name);
    const [byName, byQualified] = [byNetwork.get(s.name), byNetwork.get(qualified)];
    if (byName !== undefined && byQualified !== undefined && byName !== byQualified) {
      return fail(
        'InvalidPodAnnotation',
        `pod annotation ${TARGET_CONTAINERS_ANNOTATION} maps network ${qualified} to two containers ("${byQualified}" as ${qualified}, "${byName}" as ${s.name}); map it once`,
      );
    }
  }
  for (const network of byNetwork.keys()) {
    if (!selectedNames.has(network)) {
      return fail(
        'InvalidPodAnnotation',
        `pod annotation ${TARGET_CONTAINERS_ANNOTATION} maps network "${network}", which the pod does not select`,
      );
    }
  }
  return ok((s) => lookup(s) ?? defaultContainer ?? first);
}
