/**
 * Parsers for the annotations that drive injection, one per key. Each returns a value or a Problem whose
 * message names the object and the offending text; none throws.
 */

import {
  HUGEPAGES_ANNOTATION,
  INJECTED_ANNOTATION,
  MOUNTS_ANNOTATION,
  NODE_SELECTOR_ANNOTATION,
  TARGET_CONTAINERS_ANNOTATION,
} from '../../api/annotations.js';
import { isLabelValue, isQualifiedName } from '../names.js';
import { fail, ok, type Result } from '../problem.js';
import { formatBinaryQuantity, parseWholeQuantity } from '../quantity.js';
import { normalizeAbsolutePath } from './paths.js';

export {
  HUGEPAGES_ANNOTATION,
  INJECTED_ANNOTATION,
  MOUNTS_ANNOTATION,
  NODE_SELECTOR_ANNOTATION,
  TARGET_CONTAINERS_ANNOTATION,
};

/**
 * A device pool name from a NAD: an extended resource name, i.e. a domain-prefixed qualified name outside
 * `kubernetes.io/` (the API server rejects anything else in a container's resources).
 */
export function parseResourceName(value: string, nad: string, key: string): Result<string> {
  const name = value.trim();
  const where = `network-attachment-definition ${nad} annotation ${key} "${value}"`;
  if (name === '')
    return fail(
      'InvalidNetworkAttachment',
      `${where} is empty; set it to a device pool such as intel.com/sriov_a`,
    );
  if (!isQualifiedName(name) || !name.includes('/')) {
    return fail(
      'InvalidNetworkAttachment',
      `${where} is not a valid extended resource name; expected <domain>/<name> such as intel.com/sriov_a`,
    );
  }
  if (/(^|\.)kubernetes\.io\//.test(name) || name.startsWith('requests.')) {
    return fail(
      'InvalidNetworkAttachment',
      `${where} is in a reserved namespace; use a vendor domain such as intel.com`,
    );
  }
  return ok(name);
}

export interface HugepagesNeed {
  /** Canonical page size as in the resource name `hugepages-<size>`, e.g. `1Gi`, `2Mi`. */
  pageSize: string;
  bytes: bigint;
}

/** `wirespeed.io/hugepages`: comma list of `<page size>=<amount>`, e.g. `1Gi=2Gi` or `2Mi=512Mi,1Gi=1Gi`. */
export function parseHugepages(value: string, nad: string): Result<HugepagesNeed[]> {
  const where = `network-attachment-definition ${nad} annotation ${HUGEPAGES_ANNOTATION}`;
  const needs = new Map<string, bigint>();
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const [sizeText = '', amountText, extra] = entry.split('=').map((s) => s.trim());
    if (amountText === undefined || extra !== undefined) {
      return fail(
        'InvalidNetworkAttachment',
        `${where} entry "${entry}" must be <page size>=<amount>, e.g. 1Gi=2Gi`,
      );
    }
    const size = parseWholeQuantity(sizeText);
    if (size === undefined || size < 4096n || (size & (size - 1n)) !== 0n) {
      return fail(
        'InvalidNetworkAttachment',
        `${where} entry "${entry}": page size "${sizeText}" must be a power of two of at least 4Ki, e.g. 2Mi or 1Gi`,
      );
    }
    const amount = parseWholeQuantity(amountText);
    if (amount === undefined || amount === 0n || amount % size !== 0n) {
      return fail(
        'InvalidNetworkAttachment',
        `${where} entry "${entry}": amount "${amountText}" must be a positive multiple of the page size ${sizeText}`,
      );
    }
    const pageSize = formatBinaryQuantity(size);
    needs.set(pageSize, (needs.get(pageSize) ?? 0n) + amount);
  }
  if (needs.size === 0) return fail('InvalidNetworkAttachment', `${where} is empty; expected e.g. 1Gi=2Gi`);
  return ok([...needs].map(([pageSize, bytes]) => ({ pageSize, bytes })));
}

export interface HostMount {
  hostPath: string;
  mountPath: string;
  /** As the NAD wrote it; unstated, the allow-list entry decides (read-write only where it permits writes). */
  access?: 'ro' | 'rw';
}

/**
 * `wirespeed.io/mounts`: comma list of `<host path>[:<container path>][:ro|:rw]`, e.g.
 * `/var/run/vhost-user,/dev/vfio:ro`. The container path defaults to the host path. Paths are normalised
 * (`/./etc/` is `/etc`); `..` is refused. Whether a host path may be mounted at all, and read-write, is the
 * administrator's allow-list's decision (host-paths.ts), not the NAD's.
 */
export function parseMounts(value: string, nad: string): Result<HostMount[]> {
  const where = `network-attachment-definition ${nad} annotation ${MOUNTS_ANNOTATION}`;
  const mounts: HostMount[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const parts = entry.split(':');
    let access: 'ro' | 'rw' | undefined;
    const last = parts.at(-1);
    if (parts.length > 1 && (last === 'ro' || last === 'rw')) {
      access = last;
      parts.pop();
    }
    if (parts.length > 2) {
      return fail(
        'InvalidNetworkAttachment',
        `${where} entry "${entry}" must be <host path>[:<container path>][:ro|:rw]`,
      );
    }
    const hostPath = normalizeAbsolutePath(parts[0] ?? '');
    const mountPath = normalizeAbsolutePath(parts[1] ?? parts[0] ?? '');
    if (hostPath === undefined || mountPath === undefined) {
      return fail(
        'InvalidNetworkAttachment',
        `${where} entry "${entry}": paths must be absolute, without '..' or whitespace, e.g. /var/run/vhost-user`,
      );
    }
    mounts.push({ hostPath, mountPath, ...(access ? { access } : {}) });
  }
  if (mounts.length === 0)
    return fail('InvalidNetworkAttachment', `${where} is empty; expected e.g. /var/run/vhost-user`);
  return ok(mounts);
}

/**
 * `k8s.v1.cni.cncf.io/nodeSelector`: `key=value` or `key` (empty value), as network-resources-injector reads
 * it; a comma list adds several labels.
 */
export function parseNodeSelector(value: string, nad: string): Result<Map<string, string>> {
  const where = `network-attachment-definition ${nad} annotation ${NODE_SELECTOR_ANNOTATION}`;
  const selector = new Map<string, string>();
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const parts = entry.split('=');
    if (parts.length > 2)
      return fail('InvalidNetworkAttachment', `${where} entry "${entry}" has more than one '='`);
    const key = (parts[0] ?? '').trim();
    const labelValue = (parts[1] ?? '').trim();
    if (!isQualifiedName(key)) {
      return fail('InvalidNetworkAttachment', `${where} entry "${entry}": "${key}" is not a valid label key`);
    }
    if (!isLabelValue(labelValue)) {
      return fail(
        'InvalidNetworkAttachment',
        `${where} entry "${entry}": "${labelValue}" is not a valid label value`,
      );
    }
    const seen = selector.get(key);
    if (seen !== undefined && seen !== labelValue) {
      return fail('InvalidNetworkAttachment', `${where} sets label ${key} twice with different values`);
    }
    selector.set(key, labelValue);
  }
  return ok(selector);
}

/**
 * Pod `wirespeed.io/target-containers`: comma list of entries, each `<container>` (receives the devices of every
 * network not mapped elsewhere) or `<network>=<container>` (receives that network's devices; network as
 * `name` or `namespace/name`). At most one plain entry: devices are per container, so giving every listed
 * container the full set would request more devices than the pod has attachments.
 */
export interface TargetContainers {
  defaultContainer?: string;
  byNetwork: Map<string, string>;
}

export function parseTargetContainers(value: string): Result<TargetContainers> {
  const where = `pod annotation ${TARGET_CONTAINERS_ANNOTATION} "${value}"`;
  const result: TargetContainers = { byNetwork: new Map() };
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const parts = entry.split('=').map((s) => s.trim());
    if (parts.length > 2 || parts.some((p) => p === '')) {
      return fail(
        'InvalidPodAnnotation',
        `${where}: entry "${entry}" must be <container> or <network>=<container>`,
      );
    }
    if (parts.length === 1) {
      if (result.defaultContainer !== undefined && result.defaultContainer !== parts[0]) {
        return fail(
          'InvalidPodAnnotation',
          `${where} names two default containers ("${result.defaultContainer}", "${parts[0]}"); devices are per container, so map each network with <network>=<container>`,
        );
      }
      result.defaultContainer = parts[0];
    } else {
      const [network, container] = parts as [string, string];
      const seen = result.byNetwork.get(network);
      if (seen !== undefined && seen !== container) {
        return fail(
          'InvalidPodAnnotation',
          `${where} maps network "${network}" to two containers ("${seen}", "${container}"); devices are per container, so map each network once`,
        );
      }
      result.byNetwork.set(network, container);
    }
  }
  if (result.defaultContainer === undefined && result.byNetwork.size === 0) {
    return fail('InvalidPodAnnotation', `${where} is empty; name a container`);
  }
  return ok(result);
}

/**
 * Pod `wirespeed.io/injected`: per container, the quantity of each resource the webhook added. A later pass
 * subtracts it to see what the user set, so reinvocation, a second replica and honor mode never count twice.
 */
export type InjectionRecord = Record<string, Record<string, string>>;

export function parseInjectionRecord(value: string | undefined): Result<InjectionRecord> {
  if (value === undefined) return ok({});
  const bad = fail<InjectionRecord>(
    'InvalidPodAnnotation',
    `pod annotation ${INJECTED_ANNOTATION} is not a record written by wirespeed`,
  );
  let doc: unknown;
  try {
    doc = JSON.parse(value);
  } catch {
    return bad;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return bad;
  // Object.fromEntries defines own properties, so a key such as "__proto__" stays a key, never a prototype.
  const containers: Array<[string, Record<string, string>]> = [];
  for (const [container, resources] of Object.entries(doc)) {
    if (typeof resources !== 'object' || resources === null || Array.isArray(resources)) return bad;
    const entries: Array<[string, string]> = [];
    for (const [resource, quantity] of Object.entries(resources)) {
      if (typeof quantity !== 'string' || parseWholeQuantity(quantity) === undefined) return bad;
      entries.push([resource, quantity]);
    }
    containers.push([container, Object.fromEntries(entries)]);
  }
  return ok(Object.fromEntries(containers));
}

/** Stable serialisation: containers and resources in sorted order, so equal records compare equal as text. */
export function renderInjectionRecord(record: InjectionRecord): string {
  const sorted: Array<[string, Record<string, string>]> = [];
  for (const [container, resources] of Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const entries = Object.entries(resources).sort(([a], [b]) => (a < b ? -1 : 1));
    if (entries.length > 0) sorted.push([container, Object.fromEntries(entries)]);
  }
  return JSON.stringify(Object.fromEntries(sorted));
}
