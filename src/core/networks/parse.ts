/**
 * The pod annotations that select secondary networks (NPWG multi-net spec §4) and replace the cluster
 * default network (Multus). Parsing follows Multus so that every pod Multus would attach is accepted;
 * validation follows the spec so that a pod Multus would fail at sandbox creation is denied at admission
 * with a message naming the element at fault. See docs/networks-annotation.md.
 */
import { dns1123LabelReason, isDns1123Label } from '../names.js';
import { fail, ok, prefixed, type Result } from '../problem.js';
import { PREVIEW_LIMIT, preview, quote, truncate, typeName } from '../text.js';
import { interfaceReason, isInterfaceName } from './addresses.js';
import { parseJsonElement } from './json-element.js';
import { invalid, type NetworkSelection, resolveNamespace } from './selection.js';

export type NetworkAnnotationForm = 'comma' | 'json';

const NETWORKS_LABEL = 'network annotation';
const DEFAULT_NETWORK_LABEL = 'default-network annotation';
const COMMA_GRAMMAR = 'expected [namespace/]name[@interface]';

/** Multus decides the form by these characters alone, so `null` in comma form is a network named "null". */
export function networkAnnotationForm(value: string): NetworkAnnotationForm {
  return /[[{"]/.test(value) ? 'json' : 'comma';
}

export interface ParseLimits {
  /**
   * Most elements accepted. Checked before any element is read, so a 256 KiB annotation naming one network
   * tens of thousands of times costs a count of its commas (or one JSON.parse), not a parse per element.
   */
  maxElements?: number;
  /** Places already taken by other annotations (the default network), named in the message. */
  reserved?: number;
}

export function parseNetworkAnnotation(
  value: string,
  defaultNamespace: string,
  limits: ParseLimits = {},
): Result<NetworkSelection[]> {
  return parseSelections(value, defaultNamespace, NETWORKS_LABEL, limits);
}

export function parseDefaultNetworkAnnotation(
  value: string,
  defaultNamespace: string,
  limits: ParseLimits = {},
): Result<NetworkSelection> {
  const parsed = parseSelections(value, defaultNamespace, DEFAULT_NETWORK_LABEL, limits);
  if (!parsed.ok) return parsed;
  const [only, ...rest] = parsed.value;
  if (only === undefined || rest.length > 0) {
    const found = parsed.value.length === 0 ? 'none' : String(parsed.value.length);
    return invalid(
      `${DEFAULT_NETWORK_LABEL} ${quote(value)} must name exactly one network; found ${found}, ` +
        'expected e.g. "namespace/name" or [{"name":"name"}]',
    );
  }
  return ok(only);
}

function parseSelections(
  value: string,
  defaultNamespace: string,
  label: string,
  limits: ParseLimits,
): Result<NetworkSelection[]> {
  if (typeof value !== 'string') return invalid(`${label} must be a string, got ${typeName(value)}`);
  if (value.trim() === '') return ok([]);
  const parsed =
    networkAnnotationForm(value) === 'json'
      ? parseJsonForm(value, defaultNamespace, label, limits)
      : parseCommaForm(value, defaultNamespace, label, limits);
  if (!parsed.ok) return parsed;
  return checkAcrossElements(parsed.value, label);
}

/** Elements of the comma form, counted without splitting, stopping as soon as the count passes `max`. */
function countCommaElements(value: string, max: number): number {
  let count = 1;
  for (let at = value.indexOf(','); at >= 0 && count <= max; at = value.indexOf(',', at + 1)) count++;
  return count;
}

function tooMany(label: string, found: string, limits: ParseLimits): Result<never> {
  const reserved = limits.reserved ?? 0;
  const besides = reserved > 0 ? ' besides the default network' : '';
  return fail(
    'TooManyNetworks',
    `${label} selects ${found} networks${besides}; a pod may select at most ${(limits.maxElements ?? 0) + reserved} ` +
      '(the cluster administrator sets the limit with the webhook flag --max-networks)',
  );
}

interface ParsedElement {
  selection: NetworkSelection;
  /** How the element reads in the error messages: a quoted comma item or a JSON preview. */
  shown: string;
}

function parseCommaForm(
  value: string,
  defaultNamespace: string,
  label: string,
  limits: ParseLimits,
): Result<ParsedElement[]> {
  const max = limits.maxElements ?? Number.POSITIVE_INFINITY;
  if (countCommaElements(value, max) > max) return tooMany(label, `more than ${max}`, limits);
  const elements: ParsedElement[] = [];
  for (const [i, raw] of value.split(',').entries()) {
    const item = raw.trim();
    const position = i + 1;
    if (item === '') {
      return invalid(
        `${label} ${quote(value)}: element ${position} is empty; ${COMMA_GRAMMAR} between commas`,
      );
    }
    const shown = quote(item);
    const selection = parseCommaItem(item, defaultNamespace);
    if (!selection.ok) return prefixed(`${label} element ${position} ${shown}: `, selection);
    elements.push({ selection: selection.value, shown });
  }
  return ok(elements);
}

function parseCommaItem(item: string, defaultNamespace: string): Result<NetworkSelection> {
  const slashParts = item.split('/');
  if (slashParts.length > 2) return invalid(`more than one '/'; ${COMMA_GRAMMAR}`);
  const namespace = slashParts.length === 2 ? (slashParts[0] ?? '').trim() : '';
  const atParts = (slashParts[slashParts.length - 1] ?? '').split('@');
  if (atParts.length > 2) return invalid(`more than one '@'; ${COMMA_GRAMMAR}`);
  const name = (atParts[0] ?? '').trim();
  const ifname = (atParts[1] ?? '').trim();

  if (namespace !== '' && !isDns1123Label(namespace))
    return invalid(dns1123LabelReason('namespace', namespace));
  if (name === '') return invalid(`network name is empty; ${COMMA_GRAMMAR}`);
  if (!isDns1123Label(name)) return invalid(dns1123LabelReason('network name', name));
  if (ifname !== '' && !isInterfaceName(ifname)) return invalid(interfaceReason(ifname));

  const resolved = resolveNamespace(namespace, defaultNamespace);
  if (!resolved.ok) return resolved;
  const selection: NetworkSelection = { namespace: resolved.value, name };
  if (ifname !== '') selection.interface = ifname;
  return ok(selection);
}

function parseJsonForm(
  value: string,
  defaultNamespace: string,
  label: string,
  limits: ParseLimits,
): Result<ParsedElement[]> {
  let document: unknown;
  try {
    document = JSON.parse(value);
  } catch (error) {
    const reason = truncate(error instanceof Error ? error.message : String(error), 2 * PREVIEW_LIMIT);
    return invalid(
      `${label} ${quote(value)} is not valid JSON (${reason}); expected a JSON list such as ` +
        `[{"name":"net1","interface":"eth1"}], or the comma form net1,ns2/net2@eth1 without quotes or brackets`,
    );
  }
  if (!Array.isArray(document)) {
    return invalid(
      `${label} ${quote(value)} must be a JSON list of network selections, got ${typeName(document)}; ` +
        `wrap it in brackets, e.g. [{"name":"net1"}]`,
    );
  }
  if (document.length > (limits.maxElements ?? Number.POSITIVE_INFINITY))
    return tooMany(label, String(document.length), limits);
  const elements: ParsedElement[] = [];
  for (const [i, element] of (document as unknown[]).entries()) {
    const shown = preview(element);
    const selection = parseJsonElement(element, defaultNamespace);
    if (!selection.ok) return prefixed(`${label} element ${i + 1} ${shown}: `, selection);
    elements.push({ selection: selection.value, shown });
  }
  return ok(elements);
}

function checkAcrossElements(elements: readonly ParsedElement[], label: string): Result<NetworkSelection[]> {
  const interfaceOwner = new Map<string, number>();
  let defaultRouteOwner: number | undefined;
  for (const [i, { selection, shown }] of elements.entries()) {
    const position = i + 1;
    if (selection.interface !== undefined) {
      const owner = interfaceOwner.get(selection.interface);
      if (owner !== undefined) {
        return invalid(
          `${label} element ${position} ${shown}: interface name ${quote(selection.interface)} is already ` +
            `used by element ${owner}; each attachment needs its own interface name`,
        );
      }
      interfaceOwner.set(selection.interface, position);
    }
    if (selection.defaultRoute !== undefined) {
      if (defaultRouteOwner !== undefined) {
        return invalid(
          `${label} element ${position} ${shown}: "default-route" is already set by element ` +
            `${defaultRouteOwner}; at most one network may carry the default route`,
        );
      }
      defaultRouteOwner = position;
    }
  }
  return ok(elements.map((e) => e.selection));
}
