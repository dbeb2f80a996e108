/**
 * One element of a pod's network annotation, as the NPWG multi-net spec §4 defines it, and what the comma
 * form, the JSON form and the checks across elements share.
 */
import { fail, ok, type Result } from '../problem.js';

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

/** Every fault in a network annotation has this one code. */
export const invalid = <T = never>(message: string): Result<T> =>
  fail<T>('InvalidNetworkAnnotation', message);

export function resolveNamespace(namespace: string, defaultNamespace: string): Result<string> {
  if (namespace !== '') return ok(namespace);
  if (defaultNamespace !== '') return ok(defaultNamespace);
  return invalid('names no namespace and no default namespace is known; write namespace/name');
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
