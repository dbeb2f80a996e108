/**
 * Which networks a pod selects: its network annotations (after the ConfigMap's label-selected injections),
 * parsed and capped at `maxNetworks`, and the NADs to fetch for them, each once. The shells fetch exactly
 * `references` before planning, so the cap holds before any lookup.
 */
import type { PatchOperation } from '../../api/admission-v1.js';
import type { Pod } from '../../api/core-v1.js';
import type { NetworkAttachmentDefinition } from '../../api/nad.js';
import { objectKey } from '../names.js';
import {
  DEFAULT_NETWORK_ANNOTATION,
  NETWORKS_ANNOTATION,
  type NetworkSelection,
  parseDefaultNetworkAnnotation,
  parseNetworkAnnotation,
} from '../networks/index.js';
import { own } from '../own.js';
import { ok, type Result } from '../problem.js';
import type { InjectionRecord } from './annotations.js';
import type { InjectionConfig, UserDefinedInjection } from './config.js';
import type { ParsedNad } from './nad-needs.js';

export interface InjectionContext {
  /** The AdmissionRequest's namespace; pods created by controllers often carry none in metadata. */
  namespace?: string;
}

/** NADs by `namespace/name`, as the offline command and tests hold them. */
export type NadIndex = ReadonlyMap<string, NetworkAttachmentDefinition>;

/** NADs by `namespace/name`, each parsed when it arrived: what planning reads. */
export type ParsedNadIndex = ReadonlyMap<string, ParsedNad>;

export interface NetworkReference {
  namespace: string;
  name: string;
}

/** The JSON patch that gives a pod what its networks need, and the record of what it added. */
export interface InjectionPlan {
  ops: PatchOperation[];
  record: InjectionRecord;
}

/** The plan, or the reason to deny the pod. */
export type InjectionDecision = Result<InjectionPlan>;

export const nadKey = (ref: NetworkReference): string => objectKey(ref.namespace, ref.name);

export interface Selected {
  selection: NetworkSelection;
  /** How the pod named it, for messages. */
  source: string;
}

export function podNamespace(pod: Pod, ctx: InjectionContext): string {
  return ctx.namespace || pod.metadata?.namespace || 'default';
}

/** As network-resources-injector: the pod carries the injection's label set to "true", in any case. */
export const selectsPod = (injection: UserDefinedInjection, labels: Record<string, string>): boolean =>
  String(own(labels, injection.labelKey) ?? '').toLowerCase() === 'true';

/** Annotations after the ConfigMap's user-defined injections, which may themselves carry networks. */
function effectiveAnnotations(pod: Pod, config: InjectionConfig): Record<string, string> {
  const labels = pod.metadata?.labels ?? {};
  let merged = pod.metadata?.annotations ?? {};
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
