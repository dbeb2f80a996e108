/**
 * Reading the scheduler's requests and writing our replies. Go decodes JSON keys case-insensitively, so the
 * scheduler (and any Go client) may send `NodeNames` or `nodenames`; we accept any casing of the top-level
 * keys and always reply with the exact Go field names. Bad shapes are values (a message for the 400), never
 * exceptions.
 */

import type { Pod } from '../api/core-v1.js';
import type {
  ExtenderBindingArgs,
  ExtenderFilterResult,
  FailedNodesMap,
  HostPriorityList,
  NodeListLite,
} from '../api/extender-v1.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** A filter or prioritize request, normalised. */
export interface NodesRequest {
  pod: Pod;
  nodeNames: string[];
  /** The request carried full Node objects (`nodeCacheCapable: false`): the reply must carry them back. */
  nodes?: Map<string, unknown>;
}

/** Upper bound on node names in one request: far above any cluster the scheduler supports (5,000 nodes). */
export const MAX_NODE_NAMES = 100_000;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value of `key` in `object` matched as Go matches: exact first, then case-insensitively. */
export function field(object: Record<string, unknown>, key: string): unknown {
  if (Object.hasOwn(object, key)) return object[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(object)) if (k.toLowerCase() === lower) return object[k];
  return undefined;
}

function podOf(body: Record<string, unknown>): Parsed<Pod> {
  const pod = field(body, 'Pod');
  if (!isObject(pod)) return { ok: false, message: 'the request has no Pod object' };
  const metadata = pod.metadata;
  if (metadata !== undefined && !isObject(metadata)) {
    return { ok: false, message: 'Pod.metadata is not an object' };
  }
  const spec = pod.spec;
  if (spec !== undefined && !isObject(spec)) return { ok: false, message: 'Pod.spec is not an object' };
  return { ok: true, value: pod as Pod };
}

function namesOf(value: unknown): Parsed<string[]> {
  if (!Array.isArray(value)) return { ok: false, message: 'NodeNames is not an array' };
  if (value.length > MAX_NODE_NAMES) {
    return { ok: false, message: `NodeNames has ${value.length} names, more than ${MAX_NODE_NAMES}` };
  }
  for (const name of value) {
    if (typeof name !== 'string')
      return { ok: false, message: 'NodeNames holds a value that is not a string' };
  }
  return { ok: true, value: value as string[] };
}

function nodesOf(value: unknown): Parsed<Map<string, unknown>> {
  const items = isObject(value) ? field(value, 'items') : undefined;
  if (!Array.isArray(items)) return { ok: false, message: 'Nodes is not a NodeList with items' };
  if (items.length > MAX_NODE_NAMES) {
    return { ok: false, message: `Nodes has ${items.length} items, more than ${MAX_NODE_NAMES}` };
  }
  const nodes = new Map<string, unknown>();
  for (const item of items) {
    const name = isObject(item) && isObject(item.metadata) ? item.metadata.name : undefined;
    if (typeof name !== 'string') return { ok: false, message: 'Nodes holds an item without metadata.name' };
    nodes.set(name, item);
  }
  return { ok: true, value: nodes };
}

/** ExtenderArgs: the Pod and either NodeNames (nodeCacheCapable) or a full NodeList. */
export function parseNodesRequest(body: unknown): Parsed<NodesRequest> {
  if (!isObject(body)) return { ok: false, message: 'the request body is not a JSON object (ExtenderArgs)' };
  const pod = podOf(body);
  if (!pod.ok) return pod;
  const rawNames = field(body, 'NodeNames');
  if (rawNames !== undefined && rawNames !== null) {
    const names = namesOf(rawNames);
    return names.ok ? { ok: true, value: { pod: pod.value, nodeNames: names.value } } : names;
  }
  const rawNodes = field(body, 'Nodes');
  if (rawNodes === undefined || rawNodes === null) {
    return { ok: false, message: 'the request has neither NodeNames nor Nodes' };
  }
  const nodes = nodesOf(rawNodes);
  if (!nodes.ok) return nodes;
  return { ok: true, value: { pod: pod.value, nodeNames: [...nodes.value.keys()], nodes: nodes.value } };
}

/** ExtenderBindingArgs: every field a non-empty string. */
export function parseBindingArgs(body: unknown): Parsed<ExtenderBindingArgs> {
  if (!isObject(body)) {
    return { ok: false, message: 'the request body is not a JSON object (ExtenderBindingArgs)' };
  }
  const out: Record<string, string> = {};
  for (const key of ['PodName', 'PodNamespace', 'PodUID', 'Node'] as const) {
    const value = field(body, key);
    if (typeof value !== 'string' || value === '') {
      return { ok: false, message: `ExtenderBindingArgs.${key} is missing or not a string` };
    }
    out[key] = value;
  }
  return { ok: true, value: out as unknown as ExtenderBindingArgs };
}

/** What the filter decided, before it is put on the wire. */
export interface FilterDecision {
  fits: string[];
  failed: FailedNodesMap;
  unresolvable: FailedNodesMap;
}

/**
 * The filter reply with the exact casing, `NodeNames` always an array (a null there with null `Nodes` would
 * silently filter out every node) and, for a full-NodeList request, the passing Node objects in `Nodes`, which
 * is what the scheduler reads when it is not node-cache-capable.
 */
export function filterReply(decision: FilterDecision, request?: NodesRequest): ExtenderFilterResult {
  const reply: ExtenderFilterResult = {
    NodeNames: decision.fits,
    FailedNodes: decision.failed,
    FailedAndUnresolvableNodes: decision.unresolvable,
    Error: '',
  };
  if (request?.nodes) {
    const nodes = request.nodes;
    return { Nodes: { items: decision.fits.map((n) => nodes.get(n)) } as NodeListLite, ...reply };
  }
  return reply;
}

/** A filter reply that fails the scheduling attempt: only for faults, never for "does not fit". */
export function filterError(message: string): ExtenderFilterResult {
  return { NodeNames: [], FailedNodes: {}, FailedAndUnresolvableNodes: {}, Error: message };
}

export function priorityReply(scores: { node: string; score: number }[]): HostPriorityList {
  return scores.map(({ node, score }) => ({ Host: node, Score: score }));
}
