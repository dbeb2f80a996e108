/**
 * What the extender's informers keep of each object: only the fields the fit, the ledger and liveness read.
 * A report also carries the agent's interface inventory (every PF and VF of the node: hundreds of kB on a big
 * host) and every pod carries its whole spec; held for 5,000 nodes and all their pods, the raw objects would
 * be most of the process's memory. Unknown shapes are dropped (undefined), never thrown on.
 */

import type { Container } from '../api/core-v1.js';
import type { KubeletTopology, NodeNetworkState, PoolStatus } from '../api/wirespeed-v1alpha1.js';
import type { LeaseLite } from './node-reports.js';
import type { BoundPod } from './reservations.js';

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function meta(
  raw: Raw,
): { name: string; namespace?: string; uid?: string; resourceVersion?: string } | undefined {
  const m = raw.metadata;
  if (!isObject(m) || typeof m.name !== 'string') return undefined;
  const out: { name: string; namespace?: string; uid?: string; resourceVersion?: string } = { name: m.name };
  for (const key of ['namespace', 'uid', 'resourceVersion'] as const) {
    const v = str(m[key]);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

export function trimReport(raw: unknown): NodeNetworkState | undefined {
  if (!isObject(raw)) return undefined;
  const metadata = meta(raw);
  if (!metadata) return undefined;
  const state: NodeNetworkState = { apiVersion: 'wirespeed.io/v1alpha1', kind: 'NodeNetworkState', metadata };
  const s = raw.status;
  if (isObject(s)) {
    const pods = Array.isArray(s.pods) ? s.pods : [];
    state.status = {
      // Read defensively by indexReport: an odd policy or count degrades to the strictest reading there.
      kubelet: s.kubelet as KubeletTopology,
      pools: (Array.isArray(s.pools) ? s.pools : []) as PoolStatus[],
      pods: pods.filter(isObject).map((p) => ({
        uid: str(p.uid) ?? '',
        namespace: str(p.namespace) ?? '',
        name: str(p.name) ?? '',
        devices: [],
      })),
      reportTime: str(s.reportTime) ?? '',
    };
  }
  return state;
}

function containers(list: unknown): Container[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.filter(isObject).map((c) => ({
    name: str(c.name) ?? '',
    ...(isObject(c.resources) ? { resources: c.resources as Container['resources'] } : {}),
    ...(typeof c.restartPolicy === 'string' ? { restartPolicy: c.restartPolicy } : {}),
  }));
}

export function trimPod(raw: unknown): BoundPod | undefined {
  if (!isObject(raw)) return undefined;
  const metadata = meta(raw);
  if (!metadata) return undefined;
  const spec = isObject(raw.spec) ? raw.spec : {};
  const status = isObject(raw.status) ? raw.status : {};
  const app = containers(spec.containers) ?? [];
  const init = containers(spec.initContainers);
  return {
    metadata,
    spec: {
      ...(typeof spec.nodeName === 'string' ? { nodeName: spec.nodeName } : {}),
      containers: app,
      ...(init ? { initContainers: init } : {}),
    },
    ...(typeof status.phase === 'string' ? { status: { phase: status.phase } } : {}),
  };
}

export function trimLease(raw: unknown): LeaseLite | undefined {
  if (!isObject(raw)) return undefined;
  const metadata = meta(raw);
  if (!metadata) return undefined;
  const spec = isObject(raw.spec) ? raw.spec : {};
  const out: NonNullable<LeaseLite['spec']> = {};
  for (const key of ['holderIdentity', 'renewTime', 'acquireTime'] as const) {
    const v = str(spec[key]);
    if (v !== undefined) out[key] = v;
  }
  if (typeof spec.leaseDurationSeconds === 'number') out.leaseDurationSeconds = spec.leaseDurationSeconds;
  return { metadata, spec: out };
}
