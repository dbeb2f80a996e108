/**
 * A NetworkNodePolicy checked and normalised: what pool selection works from. `validatePolicy` takes anything
 * (the object comes from the API or a file) and never throws; every problem names the field and says what to
 * do, and all of a policy's problems are reported together.
 */
import { DEVICE_TYPES, type DeviceType, type NetworkNodePolicy } from '../../api/wirespeed-v1alpha1.js';
import { isDns1123Subdomain } from '../names.js';
import { fail, ok, type Result } from '../problem.js';

export interface VfRange {
  first: number;
  last: number;
}

export interface PfNameSelector {
  name: string;
  /** The `#first-last` part; absent: VFs 0 to numVfs − 1. */
  range?: VfRange;
}

export interface ValidPolicy {
  /** `namespace/name`, or `name` when the policy has no namespace: how messages name it. */
  key: string;
  generation?: number;
  /** The full extended resource name (prefixed). */
  resourceName: string;
  priority: number;
  nodeSelector: Record<string, string>;
  deviceType: DeviceType;
  numVfs: number;
  mtu?: number;
  nicSelector: {
    vendor?: string;
    deviceID?: string;
    pfNames?: PfNameSelector[];
    rootDevices?: string[];
    netFilter?: string;
  };
  hugepages?: Record<string, Record<string, number>>;
}

export const DEFAULT_RESOURCE_PREFIX = 'wirespeed.io';
export const DEFAULT_PRIORITY = 99;
export const POLICY_LIMITS = { numVfs: 4096, listItems: 256, hugepages: 1_000_000 } as const;

const NAME_PART = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;
const HEX_ID = /^[0-9a-fA-F]{4}$/;
const PCI_ADDRESS = /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;
const IFNAME = /^[^\s/:#]{1,15}$/;
const PAGE_SIZE = /^[1-9]\d{0,6}(Ki|Mi|Gi)$/;

/** `sriov_a` → `<prefix>/sriov_a`; a name with a prefix is kept. */
export function fullResourceName(name: string, prefix = DEFAULT_RESOURCE_PREFIX): string {
  return name.includes('/') ? name : `${prefix}/${name}`;
}

/** Why a resource prefix cannot be used, or null when it can (also for the `--resource-prefix` flag). */
export function resourcePrefixProblem(prefix: string): string | null {
  if (!isDns1123Subdomain(prefix))
    return `"${prefix}" is not a DNS subdomain (lower-case letters, digits, '-' and '.'), e.g. wirespeed.io`;
  if (/(^|\.)(kubernetes\.io|k8s\.io)$/.test(prefix))
    return `"${prefix}" is reserved for Kubernetes; extended resources need another domain, e.g. wirespeed.io`;
  return null;
}

export function resourceNameProblem(name: string): string | null {
  const slash = name.indexOf('/');
  const prefix = slash >= 0 ? name.slice(0, slash) : null;
  const part = slash >= 0 ? name.slice(slash + 1) : name;
  if (!NAME_PART.test(part))
    return `"${name}": the name must be 1-63 letters, digits, '_', '-' or '.', starting and ending with a letter or digit, e.g. sriov_a`;
  return prefix === null ? null : resourcePrefixProblem(prefix);
}

/** `ens1f0`, `ens1f0#0-7` or `ens1f0#3`. */
export function parsePfName(text: string): Result<PfNameSelector> {
  const [name = '', range, extra] = text.split('#');
  if (extra !== undefined || !IFNAME.test(name))
    return fail(
      'InvalidPolicy',
      `"${text}" is not a PF name with an optional VF range, e.g. ens1f0 or ens1f0#0-7`,
    );
  if (range === undefined) return ok({ name });
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(range);
  if (!m) return fail('InvalidPolicy', `"${text}": the VF range must be first-last, e.g. ${name}#0-7`);
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : Number(m[2]);
  if (first > last)
    return fail(
      'InvalidPolicy',
      `"${text}": the VF range starts after it ends; write ${name}#${last}-${first}`,
    );
  return ok({ name, range: { first, last } });
}

export const policyKey = (p: Pick<NetworkNodePolicy, 'metadata'>): string =>
  p.metadata.namespace ? `${p.metadata.namespace}/${p.metadata.name}` : p.metadata.name;

/** The key of anything that looks like a policy, for messages about objects too broken to validate. */
export function looseKey(policy: unknown): string {
  const meta = (policy as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  const name = typeof meta?.name === 'string' ? meta.name : '(unnamed)';
  return typeof meta?.namespace === 'string' && meta.namespace ? `${meta.namespace}/${name}` : name;
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const policyPatterns = { HEX_ID, PCI_ADDRESS, PAGE_SIZE } as const;
export const isDeviceType = (v: unknown): v is DeviceType => DEVICE_TYPES.includes(v as DeviceType);
