/** What one NAD asks of every pod that selects it, parsed from its annotations once per NAD object. */
import type { NetworkAttachmentDefinition } from '../kube.js';
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
import type { InjectionConfig } from './config.js';

/** What one NAD asks of the pod, read once per NAD however often the pod selects it. */
export interface AttachmentNeeds {
  resources: string[];
  hugepages: Array<{ pageSize: string; bytes: bigint }>;
  mounts: HostMount[];
  nodeSelector: Map<string, string>;
}

/**
 * Parsed NADs, by object: an informer hands out the same object until the NAD changes, so each is parsed once
 * rather than on every admission. An entry is used only while everything the parse read is unchanged: the
 * name it is reported under and the values of the annotations it reads.
 */
const parsedNads = new WeakMap<
  NetworkAttachmentDefinition,
  { fingerprint: string; needs: Result<AttachmentNeeds> }
>();
const NAD_READ_KEYS = [HUGEPAGES_ANNOTATION, MOUNTS_ANNOTATION, NODE_SELECTOR_ANNOTATION];

export function readNad(
  nad: NetworkAttachmentDefinition,
  key: string,
  config: InjectionConfig,
): Result<AttachmentNeeds> {
  const annotations = nad.metadata.annotations ?? {};
  const values = [key];
  for (const k of config.resourceNameKeys) values.push(k, annotations[k] ?? '\u0001');
  for (const k of NAD_READ_KEYS) values.push(annotations[k] ?? '\u0001');
  const fingerprint = values.join('\u0000');
  const cached = parsedNads.get(nad);
  if (cached?.fingerprint === fingerprint) return cached.needs;
  const needs = parseNad(nad, key, config);
  parsedNads.set(nad, { fingerprint, needs });
  return needs;
}

function parseNad(
  nad: NetworkAttachmentDefinition,
  key: string,
  config: InjectionConfig,
): Result<AttachmentNeeds> {
  const annotations = nad.metadata.annotations ?? {};
  const needs: AttachmentNeeds = { resources: [], hugepages: [], mounts: [], nodeSelector: new Map() };
  for (const resourceKey of config.resourceNameKeys) {
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
