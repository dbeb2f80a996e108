/**
 * The kube-scheduler HTTP extender wire types (`k8s.io/kube-scheduler/extender/v1`), types only. The Go structs
 * carry no JSON tags, so the keys are the Go field names, capitalised; the scheduler decodes our replies
 * case-insensitively but we write the exact casing. The embedded Pod and Node objects use the ordinary
 * lower-case Kubernetes JSON.
 */
import type { Pod } from './core-v1.js';

/** Scores the scheduler accepts from an extender: integers from 0 to 10 (it multiplies by weight × 10). */
export const MIN_EXTENDER_PRIORITY = 0;
export const MAX_EXTENDER_PRIORITY = 10;

/** Node name → why it does not fit. */
export type FailedNodesMap = Record<string, string>;

export interface NodeListLite {
  items?: { metadata?: { name?: string } }[];
  [key: string]: unknown;
}

/** The filter and prioritize request. `NodeNames` with `nodeCacheCapable: true`, `Nodes` without. */
export interface ExtenderArgs {
  Pod: Pod;
  Nodes: NodeListLite | null;
  NodeNames: string[] | null;
}

/** The filter reply. */
export interface ExtenderFilterResult {
  Nodes?: NodeListLite | null;
  NodeNames: string[];
  /** Rejected now; preemption may help. */
  FailedNodes: FailedNodesMap;
  /** Rejected whatever runs there; takes precedence over FailedNodes. */
  FailedAndUnresolvableNodes: FailedNodesMap;
  /** Non-empty only for a real fault: the whole scheduling attempt fails. */
  Error: string;
}

export interface HostPriority {
  Host: string;
  /** An integer from 0 to 10. */
  Score: number;
}

/** The prioritize reply: a bare JSON array. */
export type HostPriorityList = HostPriority[];

/** The bind request (bindVerb). */
export interface ExtenderBindingArgs {
  PodName: string;
  PodNamespace: string;
  PodUID: string;
  Node: string;
}

/** The bind reply: a non-empty `Error` makes the scheduler forget the assumed pod and requeue it. */
export interface ExtenderBindingResult {
  Error: string;
}
