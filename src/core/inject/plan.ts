/**
 * planInjection: from a pod and the NetworkAttachmentDefinitions it selects, the JSON patch that gives the pod
 * its devices, hugepages, mounts, podnetinfo volume and node selector — or the reason to deny it.
 *
 * The plan is computed against what the pod already holds and what an earlier pass recorded in
 * `wirespeed.io/injected`, so applying the result and planning again yields no operations (reinvocation, a
 * second webhook replica, honor mode). Operations come out in a fixed order: containers in spec order,
 * resources sorted by name, then volumes, node selector and annotations.
 */
import {
  type Container,
  escapePointer,
  type NetworkAttachmentDefinition,
  type PatchOperation,
  type Pod,
  type Volume,
  type VolumeMount,
} from '../kube.js';
import {
  DEFAULT_NETWORK_ANNOTATION,
  NETWORKS_ANNOTATION,
  type NetworkSelection,
  parseDefaultNetworkAnnotation,
  parseNetworkAnnotation,
} from '../networks.js';
import { own, setOwn } from '../own.js';
import { fail, ok, type Problem, problem, type Result } from '../problem.js';
import { formatBinaryQuantity, parseWholeQuantity } from '../quantity.js';
import {
  type HostMount,
  HUGEPAGES_ANNOTATION,
  INJECTED_ANNOTATION,
  type InjectionRecord,
  MOUNTS_ANNOTATION,
  NODE_SELECTOR_ANNOTATION,
  parseHugepages,
  parseInjectionRecord,
  parseMounts,
  parseNodeSelector,
  parseResourceName,
  parseTargetContainers,
  renderInjectionRecord,
  TARGET_CONTAINERS_ANNOTATION,
} from './annotations.js';
import type { InjectionConfig, UserDefinedInjection } from './config.js';
import { cleanPath } from './paths.js';
import { type GrantedMount, grantHostNeeds, type NadTrust, redacted, trustOf } from './trust.js';

export const PODNETINFO_VOLUME = 'podnetinfo';

export interface InjectionContext {
  /** The AdmissionRequest's namespace; pods created by controllers often carry none in metadata. */
  namespace?: string;
}

/** NADs by `namespace/name`. */
export type NadIndex = ReadonlyMap<string, NetworkAttachmentDefinition>;

export interface NetworkReference {
  namespace: string;
  name: string;
}

export type InjectionDecision = { ops: PatchOperation[]; record: InjectionRecord } | { deny: Problem };

export const nadKey = (ref: NetworkReference): string => `${ref.namespace}/${ref.name}`;

interface Selected {
  selection: NetworkSelection;
  /** How the pod named it, for messages. */
  source: string;
}

function podNamespace(pod: Pod, ctx: InjectionContext): string {
  return ctx.namespace || pod.metadata?.namespace || 'default';
}

/** As network-resources-injector: the pod carries the injection's label set to "true", in any case. */
const selectsPod = (injection: UserDefinedInjection, labels: Record<string, string>): boolean =>
  String(own(labels, injection.labelKey) ?? '').toLowerCase() === 'true';

/** Annotations after the ConfigMap's user-defined injections, which may themselves carry networks. */
function effectiveAnnotations(pod: Pod, config: InjectionConfig): Record<string, string> {
  const own = pod.metadata?.annotations ?? {};
  const labels = pod.metadata?.labels ?? {};
  let merged = own;
  for (const injection of config.userDefinedInjections) {
    if (selectsPod(injection, labels)) merged = { ...merged, ...injection.annotations };
  }
  return merged;
}

function selectionsOf(pod: Pod, config: InjectionConfig, ctx: InjectionContext): Result<Selected[]> {
  const namespace = podNamespace(pod, ctx);
  const annotations = effectiveAnnotations(pod, config);
  const selected: Selected[] = [];
  const defaultNetwork = annotations[DEFAULT_NETWORK_ANNOTATION];
  const limits = { maxElements: config.maxNetworks };
  if (defaultNetwork !== undefined && (typeof defaultNetwork !== 'string' || defaultNetwork.trim() !== '')) {
    const parsed = parseDefaultNetworkAnnotation(
      defaultNetwork,
      config.defaultNetworkNamespace ?? namespace,
      limits,
    );
    if (!parsed.ok) return parsed;
    selected.push({ selection: parsed.value, source: DEFAULT_NETWORK_ANNOTATION });
  }
  const networks = annotations[NETWORKS_ANNOTATION];
  if (networks !== undefined) {
    // The default network takes one of the pod's places.
    const parsed = parseNetworkAnnotation(networks, namespace, {
      maxElements: config.maxNetworks - selected.length,
      reserved: selected.length,
    });
    if (!parsed.ok) return parsed;
    for (const selection of parsed.value) selected.push({ selection, source: NETWORKS_ANNOTATION });
  }
  return ok(selected);
}

/** A pod with its network annotations parsed: what a shell needs to fetch, and what planning starts from. */
export interface PreparedPod {
  readonly pod: Pod;
  readonly config: InjectionConfig;
  readonly ctx: InjectionContext;
  readonly selected: readonly Selected[];
  /** The NADs the pod selects, each once, so a shell can fetch exactly those before planning. */
  readonly references: readonly NetworkReference[];
}

export function prepareInjection(
  pod: Pod,
  config: InjectionConfig,
  ctx: InjectionContext = {},
): Result<PreparedPod> {
  const selected = selectionsOf(pod, config, ctx);
  if (!selected.ok) return selected;
  const refs = new Map<string, NetworkReference>();
  for (const { selection } of selected.value) {
    const ref = { namespace: selection.namespace, name: selection.name };
    refs.set(nadKey(ref), ref);
  }
  return ok({ pod, config, ctx, selected: selected.value, references: [...refs.values()] });
}

/** What one NAD asks of the pod, read once per NAD however often the pod selects it. */
interface AttachmentNeeds {
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

function readNad(
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

/** Per container: resource name → whole quantity the networks need. */
type Demand = Map<string, Map<string, bigint>>;

function addDemand(demand: Demand, container: string, resource: string, amount: bigint): void {
  let perContainer = demand.get(container);
  if (!perContainer) {
    perContainer = new Map();
    demand.set(container, perContainer);
  }
  perContainer.set(resource, (perContainer.get(resource) ?? 0n) + amount);
}

interface SelectorNeed {
  value: string;
  from: string;
  /** The NAD is in another namespace: messages name it but not its labels. */
  redact: boolean;
}

interface Gathered {
  demand: Demand;
  mounts: Map<string, Map<string, GrantedMount>>;
  nodeSelector: Map<string, SelectorNeed>;
  anyDevice: boolean;
}

/** Adds one NAD's node labels to those of the NADs before it; two values for one label are a conflict. */
function mergeNodeSelector(
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

function addMounts(
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

type ResourceUpdate = { kind: 'requests' | 'limits'; resource: string; value: string | undefined };

/**
 * A container's request and limit of one resource: what the user set (current minus `ours`, what an earlier
 * pass added) plus `inject`. A request left out defaults to the limit, as the API server fills it in before
 * admission (a raw manifest given to `wirespeed inject` may still lack it); for the same reason a request
 * that would drop to zero while a limit stays is set to the limit, which is what the API server would make
 * of it, so a second pass finds nothing to do.
 */
function resourceUpdates(
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
          'InvalidRequest',
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
function trustedRecord(text: string | undefined, demand: Demand, containers: readonly Container[]): Demand {
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

const isHugepages = (resource: string): boolean => resource.startsWith('hugepages-');
const pageSizeOf = (resource: string): string => resource.slice('hugepages-'.length);
const formatQuantity = (resource: string, amount: bigint): string =>
  isHugepages(resource) ? formatBinaryQuantity(amount) : amount.toString();

class Planner {
  readonly ops: PatchOperation[] = [];
  private readonly containers: Container[];
  private readonly volumes: Volume[];
  private readonly newVolumes: Volume[] = [];

  constructor(
    private readonly pod: Pod,
    private readonly config: InjectionConfig,
  ) {
    this.containers = pod.spec?.containers ?? [];
    this.volumes = pod.spec?.volumes ?? [];
    for (const volume of this.volumes) this.indexVolume(volume);
  }

  plan(nads: NadIndex, selected: readonly Selected[], podNamespace: string): InjectionDecision {
    const deny = (p: Problem): InjectionDecision => ({ deny: p });
    if (this.containers.length === 0) return deny(problem('InvalidRequest', 'pod has no containers'));
    const annotations = this.pod.metadata?.annotations ?? {};

    const targets = this.targetResolver(selected);
    if (!targets.ok) return deny(targets.problem);
    const gathered = this.gather(nads, selected, targets.value, podNamespace);
    if (!gathered.ok) return deny(gathered.problem);
    const { demand, mounts, nodeSelector, anyDevice } = gathered.value;
    const recorded = trustedRecord(annotations[INJECTED_ANNOTATION], demand, this.containers);

    const record = this.planResources(demand, recorded);
    if (!record.ok) return deny(record.problem);
    const hugepages = this.planHugepagesVolumes(demand);
    if (!hugepages.ok) return deny(hugepages.problem);
    const hostMounts = this.planHostMounts(mounts);
    if (!hostMounts.ok) return deny(hostMounts.problem);
    if (anyDevice) {
      const podnetinfo = this.planPodnetinfo(demand);
      if (!podnetinfo.ok) return deny(podnetinfo.problem);
    }
    this.emitVolumes();
    const selectorOk = this.planNodeSelector(nodeSelector);
    if (!selectorOk.ok) return deny(selectorOk.problem);
    this.planAnnotations(record.value, annotations[INJECTED_ANNOTATION]);
    return { ops: this.ops, record: record.value };
  }

  /**
   * What the selected networks need, per container: each NAD is read, checked for trust and merged once
   * however often the pod selects it, and each element adds its devices and hugepages in O(1) per need.
   */
  private gather(
    nads: NadIndex,
    selected: readonly Selected[],
    targetOf: (s: NetworkSelection) => string,
    podNamespace: string,
  ): Result<Gathered> {
    const demand: Demand = new Map();
    // Per container, each (host path, mount path) once: a NAD selected N times adds its mounts once.
    const mounts = new Map<string, Map<string, GrantedMount>>();
    const nodeSelector = new Map<string, SelectorNeed>();
    let anyDevice = false;
    const byNad = new Map<string, { needs: AttachmentNeeds; granted: GrantedMount[] }>();
    for (const { selection, source } of selected) {
      const key = nadKey(selection);
      let entry = byNad.get(key);
      if (!entry) {
        const nad = nads.get(key);
        if (!nad) {
          return fail(
            'NetworkNotFound',
            `network-attachment-definition ${key} not found (selected by pod annotation ${source}); create it or fix the name`,
          );
        }
        const trust = trustOf(selection, podNamespace, this.config);
        const read = readNad(nad, key, this.config);
        if (!read.ok) return { ok: false, problem: redacted(trust, read.problem) };
        const granted = grantHostNeeds(trust, read.value, this.config);
        if (!granted.ok) return granted;
        const merged = mergeNodeSelector(nodeSelector, read.value.nodeSelector, trust);
        if (!merged.ok) return merged;
        entry = { needs: read.value, granted: granted.value };
        byNad.set(key, entry);
      }
      const container = targetOf(selection);
      for (const resource of entry.needs.resources) {
        addDemand(demand, container, resource, 1n);
        anyDevice = true;
      }
      for (const { pageSize, bytes } of entry.needs.hugepages)
        addDemand(demand, container, `hugepages-${pageSize}`, bytes);
      if (entry.granted.length > 0) addMounts(mounts, container, entry.granted);
    }
    return ok({ demand, mounts, nodeSelector, anyDevice });
  }

  /** Maps each selection to the container that receives its devices. */
  private targetResolver(selected: readonly Selected[]): Result<(s: NetworkSelection) => string> {
    const names = this.containers.map((c) => c.name);
    const value = this.pod.metadata?.annotations?.[TARGET_CONTAINERS_ANNOTATION];
    const first = names[0]!;
    if (value === undefined) return ok(() => first);
    if (typeof value !== 'string')
      return fail('InvalidRequest', `pod annotation ${TARGET_CONTAINERS_ANNOTATION} must be a string`);
    const parsed = parseTargetContainers(value);
    if (!parsed.ok) return parsed;
    const { defaultContainer, byNetwork } = parsed.value;
    for (const container of [defaultContainer, ...byNetwork.values()]) {
      if (container !== undefined && !names.includes(container)) {
        return fail(
          'UnknownContainer',
          `pod annotation ${TARGET_CONTAINERS_ANNOTATION} names container "${container}", which the pod does not have (containers: ${names.join(', ')})`,
        );
      }
    }
    const lookup = (s: NetworkSelection): string | undefined =>
      byNetwork.get(`${s.namespace}/${s.name}`) ?? byNetwork.get(s.name);
    const selectedNames = new Set<string>();
    for (const { selection: s } of selected) {
      const qualified = `${s.namespace}/${s.name}`;
      selectedNames.add(qualified).add(s.name);
      const [byName, byQualified] = [byNetwork.get(s.name), byNetwork.get(qualified)];
      if (byName !== undefined && byQualified !== undefined && byName !== byQualified) {
        return fail(
          'InvalidRequest',
          `pod annotation ${TARGET_CONTAINERS_ANNOTATION} maps network ${qualified} to two containers ("${byQualified}" as ${qualified}, "${byName}" as ${s.name}); map it once`,
        );
      }
    }
    for (const network of byNetwork.keys()) {
      if (!selectedNames.has(network)) {
        return fail(
          'InvalidRequest',
          `pod annotation ${TARGET_CONTAINERS_ANNOTATION} maps network "${network}", which the pod does not select`,
        );
      }
    }
    return ok((s) => lookup(s) ?? defaultContainer ?? first);
  }

  /**
   * Resource requests and limits. What the user set is the current quantity minus what an earlier pass
   * recorded; default mode leaves a resource the user set anywhere alone (as network-resources-injector),
   * honor mode adds to it.
   */
  private planResources(demand: Demand, recorded: Demand): Result<InjectionRecord> {
    const userSet = (resource: string): boolean =>
      this.containers.some((c) =>
        (['requests', 'limits'] as const).some((kind) => {
          const current = own(c.resources?.[kind], resource);
          if (current === undefined) return false;
          const amount = parseWholeQuantity(current);
          const ours = recorded.get(c.name)?.get(resource) ?? 0n;
          return amount === undefined || amount !== ours;
        }),
      );
    const record: InjectionRecord = {};
    for (const [index, container] of this.containers.entries()) {
      const wanted = demand.get(container.name) ?? new Map<string, bigint>();
      // A trusted record holds only what `wanted` holds (see trustedRecord), so it can never name a resource
      // the networks do not bring, such as cpu or memory.
      const previously = recorded.get(container.name) ?? new Map<string, bigint>();
      const resources = [...wanted.keys()].sort();
      if (resources.length === 0) continue;
      const updates: ResourceUpdate[] = [];
      const injected: Record<string, string> = {};
      for (const resource of resources) {
        const desired = wanted.get(resource) ?? 0n;
        const ours = previously.get(resource) ?? 0n;
        const inject = this.config.honorResources || !userSet(resource) ? desired : 0n;
        if (inject > 0n) setOwn(injected, resource, formatQuantity(resource, inject));
        const changes = resourceUpdates(container, resource, ours, inject);
        if (!changes.ok) return changes;
        updates.push(...changes.value);
      }
      if (Object.keys(injected).length > 0) setOwn(record, container.name, injected);
      if (Object.keys(injected).some(isHugepages)) {
        const hasCpuOrMemory = (['requests', 'limits'] as const).some(
          (kind) =>
            container.resources?.[kind]?.cpu !== undefined ||
            container.resources?.[kind]?.memory !== undefined,
        );
        if (!hasCpuOrMemory) {
          return fail(
            'ConflictingHugepages',
            `container ${container.name} gets hugepages from its networks but sets no cpu or memory request or limit; Kubernetes requires one with hugepages, so add e.g. resources.requests.memory`,
          );
        }
      }
      this.emitResourceUpdates(index, container, updates);
    }
    return ok(record);
  }

  private emitResourceUpdates(index: number, container: Container, updates: ResourceUpdate[]): void {
    if (updates.length === 0) return;
    const base = `/spec/containers/${index}/resources`;
    const additions = updates.filter((u) => u.value !== undefined);
    if (additions.length > 0 && container.resources === undefined)
      this.ops.push({ op: 'add', path: base, value: {} });
    for (const kind of ['requests', 'limits'] as const) {
      if (additions.some((u) => u.kind === kind) && container.resources?.[kind] === undefined) {
        this.ops.push({ op: 'add', path: `${base}/${kind}`, value: {} });
      }
    }
    for (const u of updates) {
      const path = `${base}/${u.kind}/${escapePointer(u.resource)}`;
      this.ops.push(u.value === undefined ? { op: 'remove', path } : { op: 'add', path, value: u.value });
    }
  }

  /** Per container, the mounts to append, flushed after every plan step so ops stay in container order. */
  private readonly pendingMounts = new Map<number, VolumeMount[]>();
  /**
   * Per container, by normalised mount path, the mount there (the pod's own first, then ours), and the names
   * mounted. Built once per container, so each check is a lookup rather than a scan and copy of the list.
   */
  private readonly mountIndex = new Map<number, { byPath: Map<string, VolumeMount>; names: Set<string> }>();
  /** Volumes by name, and hostPath volumes by normalised host path; the pod's own win, as a scan would find. */
  private readonly volumesByName = new Map<string, Volume>();
  private readonly hostVolumes = new Map<string, Volume>();

  private indexVolume(volume: Volume): void {
    if (!this.volumesByName.has(volume.name)) this.volumesByName.set(volume.name, volume);
    const hostPath = volume.hostPath?.path;
    if (hostPath !== undefined) {
      const key = cleanPath(hostPath);
      if (!this.hostVolumes.has(key)) this.hostVolumes.set(key, volume);
    }
  }

  private addVolume(volume: Volume): void {
    this.newVolumes.push(volume);
    this.indexVolume(volume);
  }

  private mountsOf(index: number): { byPath: Map<string, VolumeMount>; names: Set<string> } {
    let entry = this.mountIndex.get(index);
    if (!entry) {
      entry = { byPath: new Map(), names: new Set() };
      for (const mount of this.containers[index]?.volumeMounts ?? []) indexMount(entry, mount);
      this.mountIndex.set(index, entry);
    }
    return entry;
  }

  private mountAt(index: number, path: string): VolumeMount | undefined {
    return this.mountsOf(index).byPath.get(cleanPath(path));
  }

  private addMount(index: number, mount: VolumeMount): void {
    const list = this.pendingMounts.get(index) ?? [];
    list.push(mount);
    this.pendingMounts.set(index, list);
    indexMount(this.mountsOf(index), mount);
  }

  private volumeNamed(name: string): Volume | undefined {
    return this.volumesByName.get(name);
  }

  /**
   * One `emptyDir{medium: HugePages-<size>}` per page size the networks bring, mounted into each container
   * that receives that size. A container already mounting a hugepages volume at the path keeps its own.
   */
  private planHugepagesVolumes(demand: Demand): Result<void> {
    const sizes = new Set<string>();
    for (const perContainer of demand.values())
      for (const resource of perContainer.keys()) if (isHugepages(resource)) sizes.add(pageSizeOf(resource));
    if (sizes.size === 0) return ok(undefined);
    const several = sizes.size > 1;
    const unsized = this.volumes.find((v) => v.emptyDir?.medium === 'HugePages');
    if (unsized) {
      const podSizes = new Set(sizes);
      for (const c of this.containers)
        for (const kind of ['requests', 'limits'] as const)
          for (const r of Object.keys(c.resources?.[kind] ?? {}))
            if (isHugepages(r)) podSizes.add(pageSizeOf(r));
      if (podSizes.size > 1) {
        return fail(
          'ConflictingHugepages',
          `pod volume ${unsized.name} uses medium HugePages without a size, which allows one page size per pod, but with its networks the pod would use ${[...podSizes].sort().join(' and ')}; use medium HugePages-<size>`,
        );
      }
    }
    for (const size of [...sizes].sort()) {
      const volumeName = several ? `hugepages-${size.toLowerCase()}` : 'hugepages';
      const medium = `HugePages-${size}`;
      const mountPath = several
        ? `${this.config.hugepagesMountPath}-${size}`
        : this.config.hugepagesMountPath;
      for (const [index, container] of this.containers.entries()) {
        if (!demand.get(container.name)?.has(`hugepages-${size}`)) continue;
        const atPath = this.mountAt(index, mountPath);
        if (atPath) {
          const volume = this.volumeNamed(atPath.name);
          if (volume?.emptyDir?.medium?.startsWith('HugePages')) continue;
          return fail(
            'ConflictingHugepages',
            `container ${container.name} already mounts volume ${atPath.name} at ${mountPath}, where its networks' ${size} hugepages go; free the path or set a different hugepages mount path`,
          );
        }
        const existing = this.volumeNamed(volumeName);
        if (existing && existing.emptyDir?.medium !== medium) {
          return fail(
            'ConflictingHugepages',
            `pod already has a volume named ${volumeName} that is not an emptyDir with medium ${medium}; rename it`,
          );
        }
        if (!existing) this.addVolume({ name: volumeName, emptyDir: { medium } });
        this.addMount(index, { name: volumeName, mountPath });
      }
    }
    return ok(undefined);
  }

  /** hostPath volumes for socket directories and device nodes, one per host path, mounted where needed. */
  private planHostMounts(mounts: Map<string, Map<string, GrantedMount>>): Result<void> {
    for (const [index, container] of this.containers.entries()) {
      for (const mount of mounts.get(container.name)?.values() ?? []) {
        const wanted = mount.redact ? `a host mount of network ${mount.from}` : `host path ${mount.hostPath}`;
        let volume = this.hostVolumes.get(mount.hostPath);
        if (!volume) {
          const name = hostVolumeName(mount.hostPath);
          if (this.volumeNamed(name)) {
            return fail(
              'InvalidRequest',
              `pod already has a volume named ${name}, which ${wanted} needs; rename it`,
            );
          }
          volume = { name, hostPath: { path: mount.hostPath, type: mount.type } };
          this.addVolume(volume);
        }
        const atPath = this.mountAt(index, mount.mountPath);
        if (atPath) {
          const there = this.volumeNamed(atPath.name)?.hostPath?.path;
          if (there !== undefined && cleanPath(there) === mount.hostPath) continue;
          const at = mount.redact ? '' : ` at ${mount.mountPath}`;
          return fail(
            'InvalidRequest',
            `container ${container.name} already mounts volume ${atPath.name}${at}, where ${wanted} goes; free the path`,
          );
        }
        this.addMount(index, {
          name: volume.name,
          mountPath: mount.mountPath,
          ...(mount.readOnly ? { readOnly: true } : {}),
        });
      }
    }
    return ok(undefined);
  }

  /** The network-resources-injector compatible Downward API volume, in every container. */
  private planPodnetinfo(demand: Demand): Result<void> {
    const mountPath = this.config.podnetinfoMountPath;
    for (const [index, container] of this.containers.entries()) {
      if (this.mountsOf(index).names.has(PODNETINFO_VOLUME)) continue;
      const clash = this.mountAt(index, mountPath);
      if (clash) {
        return fail(
          'InvalidRequest',
          `container ${container.name} already mounts volume ${clash.name} at ${mountPath}, where the podnetinfo volume goes; free the path`,
        );
      }
      this.addMount(index, { name: PODNETINFO_VOLUME, readOnly: true, mountPath });
    }
    if (this.volumeNamed(PODNETINFO_VOLUME)) return ok(undefined);
    const items: unknown[] = [];
    if (Object.keys(this.pod.metadata?.labels ?? {}).length > 0) {
      items.push({ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } });
    }
    items.push({ path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } });
    if (this.config.injectHugepageDownApi) items.push(...this.hugepagesDownwardItems(demand));
    this.newVolumes.push({ name: PODNETINFO_VOLUME, downwardAPI: { items } });
    return ok(undefined);
  }

  /** Items `hugepages_<size>_<request|limit>_<container>` (divisor 1Mi) and the CONTAINER_NAME variable. */
  private hugepagesDownwardItems(demand: Demand): unknown[] {
    const items: unknown[] = [];
    for (const [index, container] of this.containers.entries()) {
      let any = false;
      for (const [kind, word] of [
        ['requests', 'request'],
        ['limits', 'limit'],
      ] as const) {
        const sizes = new Set(Object.keys(container.resources?.[kind] ?? {}).filter(isHugepages));
        for (const r of demand.get(container.name)?.keys() ?? []) if (isHugepages(r)) sizes.add(r);
        for (const resource of [...sizes].sort()) {
          const current = own(container.resources?.[kind], resource);
          if (current !== undefined && parseWholeQuantity(current) === 0n) continue;
          any = true;
          const size = pageSizeOf(resource).replace(/i$/, '');
          items.push({
            path: `hugepages_${size}_${word}_${container.name}`,
            resourceFieldRef: {
              containerName: container.name,
              resource: `${kind}.${resource}`,
              divisor: '1Mi',
            },
          });
        }
      }
      if (!any) continue;
      const env = container.env;
      if (env?.some((e) => e.name === 'CONTAINER_NAME')) continue;
      const entry = { name: 'CONTAINER_NAME', value: container.name };
      this.ops.push(
        env === undefined
          ? { op: 'add', path: `/spec/containers/${index}/env`, value: [entry] }
          : { op: 'add', path: `/spec/containers/${index}/env/-`, value: entry },
      );
    }
    return items;
  }

  private emitVolumes(): void {
    for (const [index, mounts] of [...this.pendingMounts].sort(([a], [b]) => a - b)) {
      const base = `/spec/containers/${index}/volumeMounts`;
      if (this.containers[index]?.volumeMounts === undefined)
        this.ops.push({ op: 'add', path: base, value: [] });
      for (const mount of mounts) this.ops.push({ op: 'add', path: `${base}/-`, value: mount });
    }
    if (this.newVolumes.length === 0) return;
    if (this.pod.spec?.volumes === undefined) this.ops.push({ op: 'add', path: '/spec/volumes', value: [] });
    for (const volume of this.newVolumes)
      this.ops.push({ op: 'add', path: '/spec/volumes/-', value: volume });
  }

  private planNodeSelector(required: Map<string, SelectorNeed>): Result<void> {
    const current = this.pod.spec?.nodeSelector ?? {};
    const merged = { ...current };
    let changed = false;
    for (const [label, { value, from, redact }] of [...required].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const mine = own(current, label);
      if (mine !== undefined && mine !== value) {
        return fail(
          'ConflictingNodeSelector',
          redact
            ? `pod nodeSelector conflicts with the node labels network-attachment-definition ${from} requires`
            : `pod nodeSelector ${label}="${mine}" conflicts with ${label}="${value}" required by network-attachment-definition ${from}`,
        );
      }
      if (mine === undefined) {
        setOwn(merged, label, value);
        changed = true;
      }
    }
    if (changed) this.ops.push({ op: 'add', path: '/spec/nodeSelector', value: merged });
    return ok(undefined);
  }

  private planAnnotations(record: InjectionRecord, previous: string | undefined): void {
    const current = this.pod.metadata?.annotations;
    const wanted = new Map<string, string>();
    const labels = this.pod.metadata?.labels ?? {};
    for (const injection of this.config.userDefinedInjections) {
      if (!selectsPod(injection, labels)) continue;
      for (const [key, value] of Object.entries(injection.annotations))
        if (own(current, key) !== value) wanted.set(key, value);
    }
    const rendered = renderInjectionRecord(record);
    if (rendered !== (previous ?? '{}')) wanted.set(INJECTED_ANNOTATION, rendered);
    if (wanted.size === 0) return;
    if (this.pod.metadata === undefined) this.ops.push({ op: 'add', path: '/metadata', value: {} });
    if (current === undefined) {
      this.ops.push({ op: 'add', path: '/metadata/annotations', value: Object.fromEntries(wanted) });
      return;
    }
    for (const [key, value] of [...wanted].sort(([a], [b]) => (a < b ? -1 : 1))) {
      this.ops.push({ op: 'add', path: `/metadata/annotations/${escapePointer(key)}`, value });
    }
  }
}

function indexMount(
  entry: { byPath: Map<string, VolumeMount>; names: Set<string> },
  mount: VolumeMount,
): void {
  const path = cleanPath(mount.mountPath);
  if (!entry.byPath.has(path)) entry.byPath.set(path, mount);
  entry.names.add(mount.name);
}

/** A stable, valid volume name for a host path: readable prefix plus a hash so distinct paths never collide. */
export function hostVolumeName(hostPath: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < hostPath.length; i++) {
    hash ^= hostPath.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const readable = hostPath
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `host-${readable ? `${readable}-` : ''}${hash.toString(16).padStart(8, '0')}`;
}

export function planInjection(
  pod: Pod,
  nads: NadIndex,
  config: InjectionConfig,
  ctx: InjectionContext = {},
): InjectionDecision {
  const prepared = prepareInjection(pod, config, ctx);
  return prepared.ok ? planPrepared(prepared.value, nads) : { deny: prepared.problem };
}

export function planPrepared(prepared: PreparedPod, nads: NadIndex): InjectionDecision {
  const namespace = podNamespace(prepared.pod, prepared.ctx);
  return new Planner(prepared.pod, prepared.config).plan(nads, prepared.selected, namespace);
}
