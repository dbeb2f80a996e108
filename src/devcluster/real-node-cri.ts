import { readFile } from 'node:fs/promises';

/** One CRI request the kubelet made to a real node's fake runtime, as fakecri recorded it. */
export interface CriRequest {
  time: string;
  /** Short method name: RunPodSandbox, CreateContainer, StartContainer, UpdateContainerResources, … */
  method: string;
  /** The request in protojson (camelCase fields; `bytes` fields base64-encoded). */
  request: Record<string, unknown>;
  /** The fake's error, when the call failed. */
  error?: string;
  /** The pod a RunPodSandbox or CreateContainer request is for. */
  pod?: CriPod;
  /** What a CreateContainer request asks for, decoded. */
  container?: CriContainer;
}

export interface CriPod {
  name: string;
  namespace: string;
  uid: string;
}

export interface CriContainer {
  name: string;
  image: string;
  envs: Record<string, string>;
  mounts: { containerPath: string; hostPath: string; readonly: boolean }[];
  devices: { containerPath: string; hostPath: string; permissions: string }[];
  annotations: Record<string, string>;
  cdiDevices: string[];
  /** The CPU manager's cpuset, when the kubelet set one. */
  cpusetCpus?: string;
}

/** Reads a record file; a missing file is an empty record, a torn last line (being written) is skipped. */
export async function readCriRecord(path: string): Promise<CriRequest[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: CriRequest[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      continue;
    }
    out.push(parseCriLine(raw));
  }
  return out;
}

export function parseCriLine(raw: unknown): CriRequest {
  const entry = obj(raw);
  const request = obj(entry.request);
  const method = str(entry.method);
  const result: CriRequest = { time: str(entry.time), method, request };
  if (typeof entry.error === 'string' && entry.error !== '') result.error = entry.error;
  if (method === 'RunPodSandbox') result.pod = podOf(obj(request.config));
  if (method === 'CreateContainer') {
    result.pod = podOf(obj(request.sandboxConfig));
    result.container = containerOf(obj(request.config));
  }
  return result;
}

function podOf(sandboxConfig: Record<string, unknown>): CriPod {
  const m = obj(sandboxConfig.metadata);
  return { name: str(m.name), namespace: str(m.namespace), uid: str(m.uid) };
}

function containerOf(config: Record<string, unknown>): CriContainer {
  const envs: Record<string, string> = {};
  for (const kv of arr(config.envs)) {
    const e = obj(kv);
    // KeyValue.value is `bytes` in the 1.36 CRI, so protojson gives base64.
    envs[str(e.key)] = Buffer.from(str(e.value), 'base64').toString('utf8');
  }
  const resources = obj(obj(config.linux).resources);
  const container: CriContainer = {
    name: str(obj(config.metadata).name),
    image: str(obj(config.image).image),
    envs,
    mounts: arr(config.mounts).map((m) => {
      const o = obj(m);
      return {
        containerPath: str(o.containerPath),
        hostPath: str(o.hostPath),
        readonly: o.readonly === true,
      };
    }),
    devices: arr(config.devices).map((d) => {
      const o = obj(d);
      return {
        containerPath: str(o.containerPath),
        hostPath: str(o.hostPath),
        permissions: str(o.permissions),
      };
    }),
    annotations: Object.fromEntries(Object.entries(obj(config.annotations)).map(([k, v]) => [k, str(v)])),
    cdiDevices: arr(config.CDIDevices ?? config.cdiDevices).map((d) => str(obj(d).name)),
  };
  if (typeof resources.cpusetCpus === 'string' && resources.cpusetCpus !== '') {
    container.cpusetCpus = resources.cpusetCpus;
  }
  return container;
}

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
