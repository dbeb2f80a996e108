/** What one NAD asks of every pod that selects it, parsed from its annotations when the NAD arrives. */
import type { NetworkAttachmentDefinition } from '../../api/nad.js';
import { ok, type Result } from '../problem.js';
import {
  type HostMount,
  HUGEPAGES_ANNOTATION,
  MOUNTS_ANNOTATION,
  NODE_SELECTOR_ANNOTATION,
  parseHugepages,
  parseMounts,
  parseNodeSelector,
  parseResourceName,
} from './annotations.js';

/** What one NAD asks of the pod, read once per NAD however often the pod selects it. */
export interface AttachmentNeeds {
  resources: string[];
  hugepages: Array<{ pageSize: string; bytes: bigint }>;
  mounts: HostMount[];
  nodeSelector: Map<string, string>;
}

/**
 * A NAD with what it asks of pods, parsed once when it arrives (the NAD source parses each NAD the informer
 * or a GET hands it), so admission reads the result instead of parsing on every request.
 */
export interface ParsedNad {
  readonly nad: NetworkAttachmentDefinition;
  /** `namespace/name`: what messages call it. */
  readonly key: string;
  /** The annotation keys naming device pools it was parsed with. */
  readonly resourceNameKeys: readonly string[];
  readonly needs: Result<AttachmentNeeds>;
}

export function parseNad(
  nad: NetworkAttachmentDefinition,
  key: string,
  resourceNameKeys: readonly string[],
): ParsedNad {
  return { nad, key, resourceNameKeys, needs: parseNadNeeds(nad, key, resourceNameKeys) };
}

/** The needs of a parsed NAD, parsed again only if it was parsed under another name or other pool keys. */
export function needsOf(
  parsed: ParsedNad,
  key: string,
  resourceNameKeys: readonly string[],
): Result<AttachmentNeeds> {
  const same =
    parsed.key === key &&
    parsed.resourceNameKeys.length === resourceNameKeys.length &&
    parsed.resourceNameKeys.every((k, i) => k === resourceNameKeys[i]);
  return same ? parsed.needs : parseNadNeeds(parsed.nad, key, resourceNameKeys);
}

/** What one NAD's annotations ask of a pod; `key` (`namespace/name`) names it in messages. */
export function parseNadNeeds(
  nad: NetworkAttachmentDefinition,
  key: string,
  resourceNameKeys: readonly string[],
): Result<AttachmentNeeds> {
  const annotations = nad.metadata.annotations ?? {};
  const needs: AttachmentNeeds = { resources: [], hugepages: [], mounts: [], nodeSelector: new Map() };
  for (const resourceKey of resourceNameKeys) {
    const value = annotations[resourceKey];
    if (value === undefined) continue;
    const name = parseResourceName(value, key, resourceKey);
    if (!name.ok) return name;
    needs.resources.push(name.value);
  }
  const hugepages = annotations[HUGEPAGES_ANNOTATION];
  if (hugepages !== undefined) {
    const parsed = parseHugepages(hugepages, key);
    if (!parsed.ok) return parsed;
    needs.hugepages = parsed.value;
  }
  const mounts = annotations[MOUNTS_ANNOTATION];
  if (mounts !== undefined) {
    const parsed = parseMounts(mounts, key);
    if (!parsed.ok) return parsed;
    needs.mounts = parsed.value;
  }
  const selector = annotations[NODE_SELECTOR_ANNOTATION];
  if (selector !== undefined) {
    const parsed = parseNodeSelector(selector, key);
    if (!parsed.ok) return parsed;
    needs.nodeSelector = parsed.value;
  }
  return ok(needs);
}
