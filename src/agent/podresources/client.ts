/**
 * A client of the kubelet's pod-resources v1 API (`PodResourcesLister` on a unix socket, by default
 * /var/lib/kubelet/pod-resources/kubelet.sock): what the kubelet can hand out (GetAllocatableResources) and what
 * each pod's containers hold (List), as plain values. The kubelet sends one entry per device and NUMA node;
 * devices without topology arrive with no NUMA node (older kubelets leave them out): both are passed on as sent.
 */
import { credentials } from '@grpc/grpc-js';
import { podResourcesService } from '../deviceplugin/protos.js';

export const DEFAULT_POD_RESOURCES_SOCKET = '/var/lib/kubelet/pod-resources/kubelet.sock';

/** One `ContainerDevices` entry: a resource, its device IDs and their NUMA nodes (empty: none reported). */
export interface ResourceDevices {
  resourceName: string;
  deviceIds: string[];
  numaNodes: number[];
}

export interface ContainerResources {
  name: string;
  devices: ResourceDevices[];
}

export interface PodResourcesEntry {
  namespace: string;
  name: string;
  containers: ContainerResources[];
}

export interface PodResourcesClient {
  allocatable(): Promise<ResourceDevices[]>;
  list(): Promise<PodResourcesEntry[]>;
  close(): void;
}

export interface PodResourcesClientOptions {
  /** Deadline of each call. */
  timeoutMs?: number;
  /** Largest answer accepted; a node with many pods exceeds grpc-js's 4 MiB default (RTE uses 16 MiB). */
  maxMessageBytes?: number;
}

interface WireDevices {
  resource_name: string;
  device_ids: string[];
  topology?: { nodes?: { ID: number }[] } | null;
}

interface WireClient {
  List(req: object, opts: { deadline: number }, cb: (err: Error | null, res: WireList) => void): void;
  GetAllocatableResources(
    req: object,
    opts: { deadline: number },
    cb: (err: Error | null, res: { devices: WireDevices[] }) => void,
  ): void;
  close(): void;
}

interface WireList {
  pod_resources: {
    name: string;
    namespace: string;
    containers: { name: string; devices: WireDevices[] }[];
  }[];
}

export function createPodResourcesClient(
  socketPath: string,
  opts: PodResourcesClientOptions = {},
): PodResourcesClient {
  const Ctor = podResourcesService();
  const client = new Ctor(`unix:${socketPath}`, credentials.createInsecure(), {
    'grpc.max_receive_message_length': opts.maxMessageBytes ?? 16 << 20,
  }) as unknown as WireClient;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const call = <T>(method: 'List' | 'GetAllocatableResources'): Promise<T> =>
    new Promise((resolve, reject) => {
      const callback = (err: Error | null, res: T) =>
        err ? reject(new Error(`pod-resources ${method} at ${socketPath}: ${err.message}`)) : resolve(res);
      (client[method] as (r: object, o: { deadline: number }, cb: typeof callback) => void).call(
        client,
        {},
        { deadline: Date.now() + timeoutMs },
        callback,
      );
    });
  return {
    async allocatable() {
      const res = await call<{ devices: WireDevices[] }>('GetAllocatableResources');
      return (res.devices ?? []).map(devices);
    },
    async list() {
      const res = await call<WireList>('List');
      return (res.pod_resources ?? []).map((pod) => ({
        namespace: pod.namespace,
        name: pod.name,
        containers: (pod.containers ?? []).map((c) => ({
          name: c.name,
          devices: (c.devices ?? []).map(devices),
        })),
      }));
    },
    close: () => client.close(),
  };
}

function devices(entry: WireDevices): ResourceDevices {
  return {
    resourceName: entry.resource_name,
    deviceIds: [...(entry.device_ids ?? [])],
    numaNodes: (entry.topology?.nodes ?? []).map((n) => n.ID),
  };
}
