/**
 * What the selected networks add up to per container (devices, hugepages, mounts, node labels), the pod's own
 * injection record when it can be trusted, and the request and limit one resource ends at.
 */
import type { Container } from '../../api/core-v1.js';
import { own } from '../own.js';
import { fail, ok, type Result } from '../problem.js';
import { formatBinaryQuantity, parseWholeQuantity } from '../quantity.js';
import { parseInjectionRecord } from './annotations.js';
import type { GrantedMount, NadTrust } from './trust.js';

/** Per container: resource name → whole quantity the networks need. */
export type Demand = Map<string, Map<string, bigint>>;

export function addDemand(demand: Demand, container: string, resource: string, amount: bigint): void {
  let perContainer = demand.get(container);
  if (!perContainer) {
    perContainer = new Map();
    demand.set(container, perContainer);
  }
  perContainer.set(resource, (perContainer.get(resource) ?? 0n) + amount);
}

export interface SelectorNeed {
  value: string;
  from: string;
  /** The NAD is in another namespace: messages name it but not its labels. */
  redact: boolean;
}

export interface Gathered {
  demand: Demand;
  mounts: Map<string, Map<string, GrantedMount>>;
  nodeSelector: Map<string, SelectorNeed>;
  anyDevice: boolean;
}

/** Adds one NAD's node labels to those of the NADs before it; two values for one label are a conflict. */
export function mergeNodeSelector(
  into: Map<string, SelectorNeed>,
  labels: ReadonlyMap<string, string>,
  trust: NadTrust,
): Result<void> {
  for (const [label, value] of labels) {
    const seen = into.get(label);
    if (seen && seen.value !== value) {
      const detail =
        seen.redact || !trust.sameNamespace
          ? 'a node label'
          : `node label ${label} ("${seen.value}" and "${value}")`;
      return fail(
        'ConflictingNodeSelector',
        `network-attachment-definitions ${seen.from} and ${trust.key} require different values for ${detail}`,
      );
    }
    if (!seen) into.set(label, { value, from: trust.key, redact: !trust.sameNamespace });
  }
  return ok(undefined);
}

export function addMounts(
  mounts: Map<string, Map<string, GrantedMount>>,
  container: string,
  add: readonly GrantedMount[],
): void {
  let perContainer = mounts.get(container);
  if (!perContainer) {
    perContainer = new Map();
    mounts.set(container, perContainer);
  }
  for (const mount of add) {
    const key = `${mount.hostPath}\u0000${mount.mountPath}`;
    if (!perContainer.has(key)) perContainer.set(key, mount);
  }
}

export type ResourceUpdate = { kind: 'requests' | 'limits'; resource: string; value: string | undefined };

/**
 * A container's request and limit of one resource: what the user set (current minus `ours`, what an earlier
 * pass added) plus `inject`. A request left out defaults to the limit, as the API server fills it in before
 * admission (a raw manifest given to `wirespeed inject` may still lack it); for the same reason a request
 * that would drop to zero while a limit stays is set to the limit, which is what the API server would make
 * of it, so a second pass finds nothing to do.
 */
export function resourceUpdates(
  container: Container,
  resource: string,
  ours: bigint,
  inject: bigint,
): Result<ResourceUpdate[]> {
  const texts = {
    requests: own(container.resources?.requests, resource),
    limits: own(container.resources?.limits, resource),
  };
  const targets = { requests: 0n, limits: 0n };
  for (const kind of ['requests', 'limits'] as const) {
    const baseText = texts[kind] ?? (kind === 'requests' ? texts.limits : undefined);
    let base = 0n;
    if (baseText !== undefined) {
      const current = parseWholeQuantity(baseText);
      if (current === undefined) {
        return fail(
          'InvalidQuantity',
          `container ${container.name} ${kind} ${resource} "${baseText}" is not a whole quantity`,
        );
      }
      base = current > ours ? current - ours : 0n;
    }
    targets[kind] = base + inject;
  }
  if (targets.requests === 0n && targets.limits > 0n) targets.requests = targets.limits;
  const updates: ResourceUpdate[] = [];
  for (const kind of ['requests', 'limits'] as const) {
    const text = texts[kind];
    const target = targets[kind];
    if (text === undefined ? target === 0n : parseWholeQuantity(text) === target) continue;
    updates.push({ kind, resource, value: target === 0n ? undefined : formatQuantity(resource, target) });
  }
  return ok(updates);
}

/**
 * The pod's `wirespeed.io/injected` record, if it is one this webhook could have written for these networks
 * and this pod: every entry a device pool or hugepages size the networks bring to that container, in exactly
 * the amount they bring (default mode may have injected fewer resources, never other amounts), and the
 * container still holding at least that much as request and limit, as a pass leaves it. Anything
 * else — text that is not a record, cpu or memory, another container, another amount, quantities changed
 * since — was not written by us for this pod as it is, so the whole record is ignored and the pod gets the
 * full injection afresh (and a new record).
 */
export function trustedRecord(
  text: string | undefined,
  demand: Demand,
  containers: readonly Container[],
): Demand {
  const recorded = parseInjectionRecord(text);
  const trusted: Demand = new Map();
  if (!recorded.ok) return trusted;
  const byName = new Map(containers.map((c) => [c.name, c]));
  for (const [name, resources] of Object.entries(recorded.value)) {
    const wanted = demand.get(name);
    const held = byName.get(name)?.resources;
    for (const [resource, quantity] of Object.entries(resources)) {
      const amount = parseWholeQuantity(quantity);
      const limit = own(held?.limits, resource);
      const limitAmount = limit === undefined ? undefined : parseWholeQuantity(limit);
      const request = own(held?.requests, resource) ?? limit;
      const requestAmount = request === undefined ? undefined : parseWholeQuantity(request);
      if (amount === undefined || wanted?.get(resource) !== amount) return new Map();
      if (limitAmount === undefined || requestAmount === undefined) return new Map();
      if (limitAmount < amount || requestAmount < amount) return new Map();
      addDemand(trusted, name, resource, amount);
    }
  }
  return trusted;
}

export const isHugepages = (resource: string): boolean => resource.startsWith('hugepages-');
export const pageSizeOf = (resource: string): string => resource.slice('hugepages-'.length);
export const formatQuantity = (resource: string, amount: bigint): string =>
  isHugepages(resource) ? formatBinaryQuantity(amount) : amount.toString();
