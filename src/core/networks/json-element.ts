/**
 * One element of the JSON form. Every optional field is a row of one table (the JSON key's reader and the
 * selection field it fills), read in the table's order so the first fault is the one reported.
 */
import { dns1123LabelReason, isDns1123Label, isDns1123Subdomain } from '../names.js';
import { isPlainObject } from '../own.js';
import { ok, prefixed, type Result } from '../problem.js';
import { describe, quote, typeName } from '../text.js';
import {
  interfaceReason,
  isInfinibandGuid,
  isInterfaceName,
  isIPAddress,
  isIPAddressOrCidr,
  isMacAddress,
} from './addresses.js';
import {
  type Bandwidth,
  invalid,
  type NetworkSelection,
  type PortMapping,
  resolveNamespace,
} from './selection.js';

type Element = Record<string, unknown>;
type OptionalField = Exclude<keyof NetworkSelection, 'namespace' | 'name'>;
/** Reads one field of an element: undefined when absent. */
type Reader<K extends OptionalField> = (element: Element) => Result<NetworkSelection[K] | undefined>;

const FIELDS: { readonly [K in OptionalField]: Reader<K> } = {
  interface: readInterface,
  ips: (e) => optionalStringList(e, 'ips', isIPAddressOrCidr, 'an IPv4 or IPv6 address, optionally /prefix'),
  mac: (e) => checkedString(e, 'mac', isMacAddress, 'a 6-byte MAC address such as 02:00:00:00:00:01'),
  infinibandGuid: (e) =>
    checkedString(e, 'infiniband-guid', isInfinibandGuid, 'an 8-byte GUID such as 00:11:22:33:44:55:66:77'),
  defaultRoute: (e) => optionalStringList(e, 'default-route', isIPAddress, 'an IPv4 or IPv6 address'),
  cniArgs: optionalCniArgs,
  portMappings: optionalPortMappings,
  bandwidth: optionalBandwidth,
  deviceID: (e) => optionalString(e, 'deviceID'),
  ipamClaimReference: (e) => optionalString(e, 'ipam-claim-reference'),
};

export function parseJsonElement(element: unknown, defaultNamespace: string): Result<NetworkSelection> {
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
    return invalid(dns1123LabelReason('namespace', namespace.value));
  }
  const resolved = resolveNamespace(namespace.value ?? '', defaultNamespace);
  if (!resolved.ok) return resolved;
  const selection: NetworkSelection = { namespace: resolved.value, name };
  for (const [field, read] of Object.entries(FIELDS) as Array<[OptionalField, Reader<OptionalField>]>) {
    const value = read(element);
    if (!value.ok) return value;
    if (value.value !== undefined) Object.assign(selection, { [field]: value.value });
  }
  if (selection.ipamClaimReference !== undefined && selection.ips !== undefined) {
    return invalid(
      `"ipam-claim-reference" cannot be combined with "ips"; request addresses one way or the other`,
    );
  }
  return ok(selection);
}

function readInterface(element: Element): Result<string | undefined> {
  const ifname = optionalString(element, 'interface');
  if (!ifname.ok) return ifname;
  // Multus still honours the pre-3.2 key when the current one is absent.
  const legacyIfname = optionalString(element, 'interfaceRequest');
  if (!legacyIfname.ok) return legacyIfname;
  const requested = ifname.value ?? legacyIfname.value;
  if (requested !== undefined && !isInterfaceName(requested)) return invalid(interfaceReason(requested));
  return ok(requested);
}

/** Go's encoding/json leaves a field at its zero value for `null`, and Multus treats "" as "not given". */
function optionalString(element: Element, key: string): Result<string | undefined> {
  const value = element[key];
  if (value === undefined || value === null || value === '') return ok(undefined);
  if (typeof value !== 'string') return invalid(`${quote(key)} must be a string, got ${describe(value)}`);
  return ok(value);
}

function checkedString(
  element: Element,
  key: string,
  valid: (s: string) => boolean,
  expected: string,
): Result<string | undefined> {
  const value = optionalString(element, key);
  if (!value.ok || value.value === undefined || valid(value.value)) return value;
  return invalid(`${quote(key)} ${quote(value.value)} must be ${expected}`);
}

function optionalStringList(
  element: Element,
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

function optionalCniArgs(element: Element): Result<Record<string, unknown> | undefined> {
  const cniArgs = element['cni-args'];
  if (cniArgs === undefined || cniArgs === null) return ok(undefined);
  if (!isPlainObject(cniArgs)) return invalid(`"cni-args" must be an object, got ${typeName(cniArgs)}`);
  return ok(cniArgs);
}

function optionalPortMappings(element: Element): Result<PortMapping[] | undefined> {
  const value = element.portMappings;
  if (value === undefined || value === null) return ok(undefined);
  if (!Array.isArray(value))
    return invalid(`"portMappings" must be a list of objects, got ${typeName(value)}`);
  const mappings: PortMapping[] = [];
  for (const [i, entry] of (value as unknown[]).entries()) {
    const mapping = portMapping(entry, `"portMappings" entry ${i + 1}`);
    if (!mapping.ok) return mapping;
    mappings.push(mapping.value);
  }
  return ok(mappings);
}

function portMapping(entry: unknown, where: string): Result<PortMapping> {
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
  return ok(mapping);
}

const BANDWIDTH_KEYS = ['ingressRate', 'ingressBurst', 'egressRate', 'egressBurst'] as const;

function optionalBandwidth(element: Element): Result<Bandwidth | undefined> {
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
