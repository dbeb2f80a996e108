/**
 * A pod's demand for managed device pools, counted the way the kubelet counts it.
 *
 * Pod scope (`resource.PodRequests`): the app containers and the restartable init containers (sidecars,
 * `restartPolicy: Always`) run together, so their demands add up; each plain init container runs alone, next to
 * the sidecars declared before it. The pod needs the larger of the two, per pool.
 *
 * Container scope: the Topology Manager aligns each container on its own, init containers first in declaration
 * order, then app containers; `containers` lists them in that order with their own demand (see align.ts for how
 * the kubelet reuses a plain init container's devices).
 *
 * A container's amount is its request, or its limit when it has no request (for extended resources the two must
 * be equal when both are set). Device counts are whole numbers: "500m" or "1.5" is a Problem, not a rounding.
 */
import type { Container, Pod } from '../../api/core-v1.js';
import { fail, ok, type Result } from '../problem.js';
import { parseWholeQuantity } from '../quantity.js';

/** Pool (extended resource name) → devices. Only pools with a non-zero amount are present, sorted by name. */
export type Demand = ReadonlyMap<string, number>;

/** `init`: a plain init container; `sidecar`: a restartable init container; `app`: a regular container. */
export type ContainerKind = 'init' | 'sidecar' | 'app';

export interface ContainerDemand {
  readonly name: string;
  readonly kind: ContainerKind;
  readonly demand: Demand;
}

export interface PodDemand {
  /** What the whole pod needs at its peak, per pool (pod scope). */
  readonly pod: Demand;
  /** Containers asking for a managed pool, in the order the kubelet admits them (container scope). */
  readonly containers: readonly ContainerDemand[];
}

/** More devices than any node could hold; a larger count is a typo, not a request. */
export const MAX_DEVICE_COUNT = 1_000_000;

export const EMPTY_DEMAND: Demand = new Map();

/** The demand of `pod` for the pools in `managed`; other resources are ignored. */
export function podDemand(pod: Pod, managed: ReadonlySet<string>): Result<PodDemand> {
  if (pod === null || typeof pod !== 'object') return fail('InvalidRequest', 'the pod is not an object');
  const spec = pod.spec;
  if (!spec || !Array.isArray(spec.containers))
    return fail('InvalidRequest', `${podLabel(pod)}: the pod has no spec.containers`);
  const inits = spec.initContainers ?? [];
  if (!Array.isArray(inits))
    return fail('InvalidRequest', `${podLabel(pod)}: spec.initContainers is not a list`);

  const containers: ContainerDemand[] = [];
  const appSum = new Map<string, number>();
  const sidecarSum = new Map<string, number>();
  const peak = new Map<string, number>();
  for (const [list, field] of [
    [inits, 'initContainers'],
    [spec.containers, 'containers'],
  ] as const) {
    for (const [i, container] of list.entries()) {
      const own = containerDemand(container, managed, `${podLabel(pod)} ${field}[${i}]`);
      if (!own.ok) return own;
      const kind = kindOf(container, field);
      if (own.value.size > 0) containers.push({ name: nameOf(container, i), kind, demand: own.value });
      if (kind === 'app') addInto(appSum, own.value);
      else if (kind === 'sidecar') {
        addInto(sidecarSum, own.value);
        addInto(appSum, own.value);
      } else maxInto(peak, sum(own.value, sidecarSum));
    }
  }
  maxInto(peak, appSum);
  return ok({ pod: sorted(peak), containers });
}

/** One container's managed demand: requests, or limits where a request is absent. */
export function containerDemand(
  container: Container,
  managed: ReadonlySet<string>,
  where: string,
): Result<Demand> {
  if (container === null || typeof container !== 'object')
    return fail('InvalidRequest', `${where} is not a container object`);
  const requests = asRecord(container.resources?.requests);
  const limits = asRecord(container.resources?.limits);
  const out = new Map<string, number>();
  for (const pool of new Set([...Object.keys(requests), ...Object.keys(limits)])) {
    if (!managed.has(pool)) continue;
    const fromRequests = Object.hasOwn(requests, pool);
    const text = fromRequests ? requests[pool] : limits[pool];
    const field = `${where}.resources.${fromRequests ? 'requests' : 'limits'}["${pool}"]`;
    const count = deviceCount(text);
    if (count === undefined)
      return fail(
        'InvalidQuantity',
        `${field} is ${JSON.stringify(text)}: a device count must be a whole number`,
      );
    if (count > 0) out.set(pool, count);
  }
  return ok(sorted(out));
}

function deviceCount(text: unknown): number | undefined {
  if (typeof text === 'number')
    return Number.isSafeInteger(text) && text >= 0 ? cap(BigInt(text)) : undefined;
  if (typeof text !== 'string') return undefined;
  const value = parseWholeQuantity(text);
  return value === undefined ? undefined : cap(value);
}

const cap = (value: bigint): number | undefined =>
  value <= BigInt(MAX_DEVICE_COUNT) ? Number(value) : undefined;

function kindOf(container: Container, field: 'initContainers' | 'containers'): ContainerKind {
  if (field === 'containers') return 'app';
  return container.restartPolicy === 'Always' ? 'sidecar' : 'init';
}

const nameOf = (c: Container, i: number): string => (typeof c.name === 'string' ? c.name : `#${i}`);

function podLabel(pod: Pod): string {
  const meta = asRecord(pod.metadata);
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const ns = text(meta.namespace);
  const name = text(meta.name) ?? text(meta.generateName) ?? '(unnamed)';
  return `pod ${ns ? `${ns}/` : ''}${name}`;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function addInto(target: Map<string, number>, add: Demand): void {
  for (const [pool, n] of add) target.set(pool, (target.get(pool) ?? 0) + n);
}

function maxInto(target: Map<string, number>, other: Demand): void {
  for (const [pool, n] of other) if (n > (target.get(pool) ?? 0)) target.set(pool, n);
}

function sum(a: Demand, b: Demand): Demand {
  const out = new Map(a);
  addInto(out, b);
  return out;
}

function sorted(demand: Demand): Demand {
  return new Map([...demand].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `{pool: n}` for printing; keys sorted. */
export function demandRecord(demand: Demand): Record<string, number> {
  return Object.fromEntries(demand);
}
