import { fail, ok, prefixed, type Result } from './problem.js';

/**
 * The pod annotations that select secondary networks (NPWG multi-net spec §4) and replace the cluster
 * default network (Multus). Parsing follows Multus so that every pod Multus would attach is accepted;
 * validation follows the spec so that a pod Multus would fail at sandbox creation is denied at admission
 * with a message naming the element at fault. See docs/networks-annotation.md.
 */
export const NETWORKS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';
export const DEFAULT_NETWORK_ANNOTATION = 'v1.multus-cni.io/default-network';

export type PortProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: PortProtocol;
  hostIP?: string;
}

export interface Bandwidth {
  ingressRate?: number;
  ingressBurst?: number;
  egressRate?: number;
  egressBurst?: number;
}

export interface NetworkSelection {
  /** Always filled: the default namespace when the annotation names none. */
  namespace: string;
  name: string;
  /** Absent when not requested (or requested as an empty string). */
  interface?: string;
  ips?: string[];
  mac?: string;
  infinibandGuid?: string;
  defaultRoute?: string[];
  cniArgs?: Record<string, unknown>;
  portMappings?: PortMapping[];
  bandwidth?: Bandwidth;
  deviceID?: string;
  ipamClaimReference?: string;
}

export type NetworkAnnotationForm = 'comma' | 'json';

const NETWORKS_LABEL = 'network annotation';
const DEFAULT_NETWORK_LABEL = 'default-network annotation';
const PREVIEW_LIMIT = 100;
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

/**
 * Only what the comma form can carry survives: namespace, name and interface. JSON-only fields
 * (ips, mac, ...) are dropped, so render only selections that came from, or are meant for, the comma form.
 */
export function renderCommaForm(selections: readonly NetworkSelection[]): string {
  return selections
    .map((s) => `${s.namespace}/${s.name}${s.interface === undefined ? '' : `@${s.interface}`}`)
    .join(',');
}

export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s);
}

/** Kubernetes object names (a NetworkAttachmentDefinition may be named `sriov.net-a`). */
export function isDns1123Subdomain(s: string): boolean {
  return s.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(s);
}

/**
 * Linux `dev_valid_name`: fewer than IFNAMSIZ (16) bytes, not "." or "..", no '/', ':' or whitespace.
 * Multus checks only length, '/' and whitespace; a name the kernel refuses would fail later, at sandbox
 * creation, where the user sees it far less clearly. Control characters are refused too (NUL ends a C string).
 */
export function isInterfaceName(s: string): boolean {
  if (s.length === 0 || s === '.' || s === '..') return false;
  if (utf8Length(s) > 15) return false;
  return !/[\s/:\p{Cc}]/u.test(s);
}

export function isIPv4Address(s: string): boolean {
  return /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(s);
}

/** RFC 4291 text form: eight hex groups, one `::` standing for at least one zero group, optional dotted tail. */
export function isIPv6Address(s: string): boolean {
  if (s.length > 45) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  const all = [...head, ...tail];
  let count = 0;
  for (const [i, group] of all.entries()) {
    if (i === all.length - 1 && group.includes('.')) {
      // A dotted tail can only close the address, never precede a `::`.
      if (halves.length === 2 && tail.length === 0) return false;
      if (!isIPv4Address(group)) return false;
      count += 2;
    } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) {
      count += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? count <= 7 : count === 8;
}

export function isIPAddress(s: string): boolean {
  return isIPv4Address(s) || isIPv6Address(s);
}

/** An address, or an address with a prefix length (`10.1.1.1/24`, `fd00::1/64`), as Multus accepts in `ips`. */
export function isIPAddressOrCidr(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return isIPAddress(s);
  const address = s.slice(0, slash);
  const prefix = s.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(prefix)) return false;
  const bits = Number(prefix);
  if (isIPv4Address(address)) return bits <= 32;
  return isIPv6Address(address) && bits <= 128;
}

export function isMacAddress(s: string): boolean {
  return /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/.test(s);
}

export function isInfinibandGuid(s: string): boolean {
  return /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){6}$/.test(s);
}

// ---------------------------------------------------------------------------------------------------------

const invalid = <T = never>(message: string): Result<T> => fail<T>('InvalidNetworkAnnotation', message);

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

  if (namespace !== '' && !isDns1123Label(namespace)) return invalid(labelReason('namespace', namespace));
  if (name === '') return invalid(`network name is empty; ${COMMA_GRAMMAR}`);
  if (!isDns1123Label(name)) return invalid(labelReason('network name', name));
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

function parseJsonElement(element: unknown, defaultNamespace: string): Result<NetworkSelection> {
  if (!isPlainObject(element)) {
    return invalid(`must be an object with at least "name", got ${typeName(element)}`);
  }
  const name = element.name;
  if (typeof name !== 'string' || name === '') {
    const got = name === undefined ? 'it is missing' : `got ${describe(name)}`;
    return invalid(`"name" is required: a non-empty string naming a NetworkAttachmentDefinition; ${got}`);
  }
  if (!isDns1123Subdomain(name)) {
    return invalid(
      `network name ${quote(name)} must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, ` +
        `'-' or '.', starting and ending with a letter or digit`,
    );
  }

  const namespace = optionalString(element, 'namespace');
  if (!namespace.ok) return namespace;
  if (namespace.value !== undefined && !isDns1123Label(namespace.value)) {
    return invalid(labelReason('namespace', namespace.value));
  }
  const resolved = resolveNamespace(namespace.value ?? '', defaultNamespace);
  if (!resolved.ok) return resolved;
  const selection: NetworkSelection = { namespace: resolved.value, name };

  const ifname = optionalString(element, 'interface');
  if (!ifname.ok) return ifname;
  // Multus still honours the pre-3.2 key when the current one is absent.
  const legacyIfname = optionalString(element, 'interfaceRequest');
  if (!legacyIfname.ok) return legacyIfname;
  const requested = ifname.value ?? legacyIfname.value;
  if (requested !== undefined) {
    if (!isInterfaceName(requested)) return invalid(interfaceReason(requested));
    selection.interface = requested;
  }

  const ips = optionalStringList(
    element,
    'ips',
    isIPAddressOrCidr,
    'an IPv4 or IPv6 address, optionally /prefix',
  );
  if (!ips.ok) return ips;
  if (ips.value !== undefined) selection.ips = ips.value;

  const mac = optionalString(element, 'mac');
  if (!mac.ok) return mac;
  if (mac.value !== undefined) {
    if (!isMacAddress(mac.value)) {
      return invalid(`"mac" ${quote(mac.value)} must be a 6-byte MAC address such as 02:00:00:00:00:01`);
    }
    selection.mac = mac.value;
  }

  const guid = optionalString(element, 'infiniband-guid');
  if (!guid.ok) return guid;
  if (guid.value !== undefined) {
    if (!isInfinibandGuid(guid.value)) {
      return invalid(
        `"infiniband-guid" ${quote(guid.value)} must be an 8-byte GUID such as 00:11:22:33:44:55:66:77`,
      );
    }
    selection.infinibandGuid = guid.value;
  }

  const defaultRoute = optionalStringList(element, 'default-route', isIPAddress, 'an IPv4 or IPv6 address');
  if (!defaultRoute.ok) return defaultRoute;
  if (defaultRoute.value !== undefined) selection.defaultRoute = defaultRoute.value;

  const cniArgs = element['cni-args'];
  if (cniArgs !== undefined && cniArgs !== null) {
    if (!isPlainObject(cniArgs)) return invalid(`"cni-args" must be an object, got ${typeName(cniArgs)}`);
    selection.cniArgs = cniArgs;
  }

  const portMappings = optionalPortMappings(element);
  if (!portMappings.ok) return portMappings;
  if (portMappings.value !== undefined) selection.portMappings = portMappings.value;

  const bandwidth = optionalBandwidth(element);
  if (!bandwidth.ok) return bandwidth;
  if (bandwidth.value !== undefined) selection.bandwidth = bandwidth.value;

  const deviceID = optionalString(element, 'deviceID');
  if (!deviceID.ok) return deviceID;
  if (deviceID.value !== undefined) selection.deviceID = deviceID.value;

  const claim = optionalString(element, 'ipam-claim-reference');
  if (!claim.ok) return claim;
  if (claim.value !== undefined) {
    if (selection.ips !== undefined) {
      return invalid(
        `"ipam-claim-reference" cannot be combined with "ips"; request addresses one way or the other`,
      );
    }
    selection.ipamClaimReference = claim.value;
  }
  return ok(selection);
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

function resolveNamespace(namespace: string, defaultNamespace: string): Result<string> {
  if (namespace !== '') return ok(namespace);
  if (defaultNamespace !== '') return ok(defaultNamespace);
  return invalid('names no namespace and no default namespace is known; write namespace/name');
}

/** Go's encoding/json leaves a field at its zero value for `null`, and Multus treats "" as "not given". */
function optionalString(element: Record<string, unknown>, key: string): Result<string | undefined> {
  const value = element[key];
  if (value === undefined || value === null || value === '') return ok(undefined);
  if (typeof value !== 'string') return invalid(`${quote(key)} must be a string, got ${describe(value)}`);
  return ok(value);
}

function optionalStringList(
  element: Record<string, unknown>,
  key: string,
  valid: (s: string) => boolean,
  expected: string,
): Result<string[] | undefined> {
  const value = element[key];
  if (value === undefined || value === null) return ok(undefined);
  const shape = `must be a non-empty list of strings, each ${expected}`;
  if (!Array.isArray(value)) return invalid(`${quote(key)} ${shape}; got ${typeName(value)}`);
  if (value.length === 0) return invalid(`${quote(key)} ${shape}; got an empty list`);
  const entries: string[] = [];
  for (const [i, entry] of (value as unknown[]).entries()) {
    if (typeof entry !== 'string') {
      return invalid(`${quote(key)} entry ${i + 1} must be a string, ${expected}; got ${describe(entry)}`);
    }
    if (!valid(entry)) return invalid(`${quote(key)} entry ${i + 1} ${quote(entry)} must be ${expected}`);
    entries.push(entry);
  }
  return ok(entries);
}

function optionalPortMappings(element: Record<string, unknown>): Result<PortMapping[] | undefined> {
  const value = element.portMappings;
  if (value === undefined || value === null) return ok(undefined);
  if (!Array.isArray(value))
    return invalid(`"portMappings" must be a list of objects, got ${typeName(value)}`);
  const mappings: PortMapping[] = [];
  for (const [i, entry] of (value as unknown[]).entries()) {
    const where = `"portMappings" entry ${i + 1}`;
    if (!isPlainObject(entry)) return invalid(`${where} must be an object, got ${typeName(entry)}`);
    const ports: number[] = [];
    for (const key of ['hostPort', 'containerPort']) {
      const port = entry[key];
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
        const got = port === undefined ? 'it is missing' : `got ${describe(port)}`;
        return invalid(`${where}: ${quote(key)} must be an integer from 1 to 65535; ${got}`);
      }
      ports.push(port);
    }
    const protocol = optionalString(entry, 'protocol');
    if (!protocol.ok) return prefixed(`${where}: `, protocol);
    const normalized = (protocol.value ?? 'TCP').toUpperCase();
    if (normalized !== 'TCP' && normalized !== 'UDP' && normalized !== 'SCTP') {
      return invalid(`${where}: "protocol" ${quote(protocol.value ?? '')} must be TCP, UDP or SCTP`);
    }
    const mapping: PortMapping = { hostPort: ports[0]!, containerPort: ports[1]!, protocol: normalized };
    const hostIP = optionalString(entry, 'hostIP');
    if (!hostIP.ok) return prefixed(`${where}: `, hostIP);
    if (hostIP.value !== undefined) {
      if (!isIPAddress(hostIP.value)) {
        return invalid(`${where}: "hostIP" ${quote(hostIP.value)} must be an IPv4 or IPv6 address`);
      }
      mapping.hostIP = hostIP.value;
    }
    mappings.push(mapping);
  }
  return ok(mappings);
}

const BANDWIDTH_KEYS = ['ingressRate', 'ingressBurst', 'egressRate', 'egressBurst'] as const;

function optionalBandwidth(element: Record<string, unknown>): Result<Bandwidth | undefined> {
  const value = element.bandwidth;
  if (value === undefined || value === null) return ok(undefined);
  if (!isPlainObject(value)) return invalid(`"bandwidth" must be an object, got ${typeName(value)}`);
  const bandwidth: Bandwidth = {};
  for (const key of BANDWIDTH_KEYS) {
    const amount = value[key];
    if (amount === undefined || amount === null) continue;
    // Multus decodes these into Go ints, so a fraction would fail there.
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 0) {
      return invalid(`"bandwidth" ${quote(key)} must be a non-negative integer, got ${describe(amount)}`);
    }
    bandwidth[key] = amount;
  }
  for (const direction of ['ingress', 'egress'] as const) {
    if (bandwidth[`${direction}Burst`] !== undefined && bandwidth[`${direction}Rate`] === undefined) {
      return invalid(
        `"bandwidth" sets "${direction}Burst" without "${direction}Rate"; a burst needs its rate`,
      );
    }
  }
  return ok(bandwidth);
}

function labelReason(what: string, value: string): string {
  return (
    `${what} ${quote(value)} must be a DNS-1123 label: at most 63 lowercase letters, digits or '-', ` +
    'starting and ending with a letter or digit'
  );
}

function interfaceReason(ifname: string): string {
  return (
    `interface name ${quote(ifname)} must be at most 15 bytes with no whitespace, control characters, ` +
    `'/' or ':', and not "." or ".."`
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function describe(value: unknown): string {
  if (value === null || isPlainObject(value) || Array.isArray(value)) return typeName(value);
  return `${typeName(value)} ${preview(value)}`;
}

/** A string as a JSON literal, cut to a readable length without splitting a surrogate pair. */
function quote(s: string): string {
  return JSON.stringify(truncate(s, PREVIEW_LIMIT));
}

function truncate(s: string, limit: number): string {
  if (s.length <= limit) return s;
  const cut = isHighSurrogate(s.charCodeAt(limit - 1)) ? limit - 1 : limit;
  return `${s.slice(0, cut)}…`;
}

/**
 * Compact JSON of a parsed value, stopping once the budget is spent. JSON.stringify would recurse
 * through arbitrarily deep input (and overflow the stack on a 256 KiB annotation of brackets); this
 * descends at most one level per character written, so it is bounded by the budget.
 */
function preview(value: unknown, limit = PREVIEW_LIMIT): string {
  let out = '';
  const spent = (): boolean => out.length > limit;
  const write = (v: unknown): void => {
    if (Array.isArray(v)) {
      out += '[';
      for (const [i, item] of (v as unknown[]).entries()) {
        if (spent()) return;
        if (i > 0) out += ',';
        write(item);
      }
      out += ']';
    } else if (isPlainObject(v)) {
      out += '{';
      for (const [i, key] of Object.keys(v).entries()) {
        if (spent()) return;
        if (i > 0) out += ',';
        out += `${JSON.stringify(truncate(key, limit))}:`;
        write(v[key]);
      }
      out += '}';
    } else if (typeof v === 'string') {
      out += JSON.stringify(truncate(v, limit));
    } else {
      out += String(v);
    }
  };
  write(value);
  return truncate(out, limit);
}

function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (isHighSurrogate(unit) && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

const isHighSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;
