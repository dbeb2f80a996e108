/**
 * planInjection: from a pod and the NetworkAttachmentDefinitions it selects, the JSON patch that gives the pod
 * its devices, hugepages, mounts, podnetinfo volume and node selector — or the reason to deny it.
 *
 * The plan is computed against what the pod already holds and what an earlier pass recorded in
 * `wirespeed.io/injected`, so applying the result and planning again yields no operations (reinvocation, a
 * second webhook replica, honor mode). Operations come out in a fixed order: containers in spec order,
 * resources sorted by name, then volumes, node selector and annotations.
 */
import type { PatchOperation } from '../../api/admission-v1.js';
import type { Container, Pod } from '../../api/core-v1.js';
import { escapePointer } from '../json-patch.js';
import type { NetworkSelection } from '../networks/index.js';
import { own, setOwn } from '../own.js';
import { fail, ok, type Result } from '../problem.js';
import { parseWholeQuantity } from '../quantity.js';
import { INJECTED_ANNOTATION, type InjectionRecord, renderInjectionRecord } from './annotations.js';
import type { InjectionConfig } from './config.js';
import {
  addDemand,
  addMounts,
  type Demand,
  formatQuantity,
  type Gathered,
  isHugepages,
  mergeNodeSelector,
  type ResourceUpdate,
  resourceUpdates,
  type SelectorNeed,
  trustedRecord,
} from './demand.js';
import { type AttachmentNeeds, needsOf, type ParsedNad, parseNad } from './nad-needs.js';
import { PodVolumes } from './pod-volumes.js';
import {
  type InjectionContext,
  type InjectionDecision,
  type NadIndex,
  nadKey,
  type ParsedNadIndex,
  type PreparedPod,
  podNamespace,
  prepareInjection,
  type Selected,
  selectsPod,
} from './selection.js';
import { resolveTargets } from './targets.js';
import { type GrantedMount, grantHostNeeds, redacted, trustOf } from './trust.js';
import { planHostMounts, planHugepagesVolumes, planPodnetinfo, type VolumeStep } from './volumes.js';

export { type AttachmentNeeds, type ParsedNad, parseNad, parseNadNeeds } from './nad-needs.js';
export {
  type InjectionContext,
  type InjectionDecision,
  type InjectionPlan,
  type NadIndex,
  type NetworkReference,
  nadKey,
  type ParsedNadIndex,
  type PreparedPod,
  prepareInjection,
} from './selection.js';
export { hostVolumeName, PODNETINFO_VOLUME } from './volumes.js';

class Planner {
  readonly ops: PatchOperation[] = [];
  private readonly containers: Container[];
  private readonly volumes: PodVolumes;

  constructor(
    private readonly pod: Pod,
    private readonly config: InjectionConfig,
  ) {
    this.containers = pod.spec?.containers ?? [];
    this.volumes = new PodVolumes(pod);
  }

  plan(nads: ParsedNadIndex, selected: readonly Selected[], podNamespace: string): InjectionDecision {
    if (this.containers.length === 0) return fail('InvalidPod', 'pod has no containers');
    const annotations = this.pod.metadata?.annotations ?? {};

    const targets = resolveTargets(this.pod, this.containers, selected);
    if (!targets.ok) return targets;
    const gathered = this.gather(nads, selected, targets.value, podNamespace);
    if (!gathered.ok) return gathered;
    const { demand, mounts, nodeSelector, anyDevice } = gathered.value;
    const recorded = trustedRecord(annotations[INJECTED_ANNOTATION], demand, this.containers);

    const record = this.planResources(demand, recorded);
    if (!record.ok) return record;
    const step: VolumeStep = {
      pod: this.pod,
      containers: this.containers,
      config: this.config,
      volumes: this.volumes,
      ops: this.ops,
    };
    const hugepages = planHugepagesVolumes(step, demand);
    if (!hugepages.ok) return hugepages;
    const hostMounts = planHostMounts(step, mounts);
    if (!hostMounts.ok) return hostMounts;
    if (anyDevice) {
      const podnetinfo = planPodnetinfo(step, demand);
      if (!podnetinfo.ok) return podnetinfo;
    }
    this.volumes.emit(this.ops);
    const selector = this.planNodeSelector(nodeSelector);
    if (!selector.ok) return selector;
    this.planAnnotations(record.value, annotations[INJECTED_ANNOTATION]);
    return ok({ ops: this.ops, record: record.value });
  }

  /**
   * What the selected networks need, per container: each NAD is read, checked for trust and merged once
   * however often the pod selects it, and each element adds its devices and hugepages in O(1) per need.
   */
  private gather(
    nads: ParsedNadIndex,
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
        const parsed = nads.get(key);
        if (!parsed) {
          return fail(
            'NetworkNotFound',
            `network-attachment-definition ${key} not found (selected by pod annotation ${source}); create it or fix the name`,
          );
        }
        const trust = trustOf(selection, podNamespace, this.config);
        const read = needsOf(parsed, key, this.config.resourceNameKeys);
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

export function planInjection(
  pod: Pod,
  nads: NadIndex,
  config: InjectionConfig,
  ctx: InjectionContext = {},
): InjectionDecision {
  const prepared = prepareInjection(pod, config, ctx);
  if (!prepared.ok) return prepared;
  // Only the NADs the pod selects, each once: the cap on networks bounds the parsing too.
  const parsed = new Map<string, ParsedNad>();
  for (const ref of prepared.value.references) {
    const key = nadKey(ref);
    const nad = nads.get(key);
    if (nad) parsed.set(key, parseNad(nad, key, config.resourceNameKeys));
  }
  return planPrepared(prepared.value, parsed);
}

/** Plans a prepared pod against the NADs it references, parsed when they arrived (the webhook's path). */
export function planPrepared(prepared: PreparedPod, nads: ParsedNadIndex): InjectionDecision {
  const namespace = podNamespace(prepared.pod, prepared.ctx);
  return new Planner(prepared.pod, prepared.config).plan(nads, prepared.selected, namespace);
}
