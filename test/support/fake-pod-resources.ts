/**
 * A pod-resources v1 server answering List and GetAllocatableResources from data the test sets, in the wire
 * shape the kubelet sends (one entry per device). The real kubelet's answers are covered by integration tests.
 */
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData, status } from '@grpc/grpc-js';
import { podResourcesService } from '../../src/agent/deviceplugin/protos.js';

export interface WireDevices {
  resource_name: string;
  device_ids: string[];
  topology?: { nodes: { ID: number }[] };
}

export interface WirePod {
  name: string;
  namespace: string;
  containers: { name: string; devices: WireDevices[]; cpu_ids?: number[] }[];
}

export class FakePodResources {
  allocatable: WireDevices[] = [];
  pods: WirePod[] = [];
  /** Set to make both calls fail with UNAVAILABLE and this message. */
  failure: string | undefined;
  calls = { List: 0, GetAllocatableResources: 0 };
  private server: Server | undefined;

  constructor(readonly socket: string) {}

  async start(): Promise<void> {
    const server = new Server();
    const answer =
      <T>(method: 'List' | 'GetAllocatableResources', body: () => T) =>
      (_call: ServerUnaryCall<object, T>, callback: sendUnaryData<T>) => {
        this.calls[method] += 1;
        if (this.failure) callback({ code: status.UNAVAILABLE, details: this.failure });
        else callback(null, body());
      };
    server.addService(podResourcesService().service, {
      List: answer('List', () => ({ pod_resources: this.pods })),
      GetAllocatableResources: answer('GetAllocatableResources', () => ({
        devices: this.allocatable,
        cpu_ids: [1],
        memory: [],
      })),
      Get: (_call: ServerUnaryCall<object, object>, callback: sendUnaryData<object>) =>
        callback({ code: status.UNIMPLEMENTED, details: 'not faked' }),
    });
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix:${this.socket}`, ServerCredentials.createInsecure(), (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    this.server = server;
  }

  stop(): void {
    this.server?.forceShutdown();
    this.server = undefined;
  }
}

/** One kubelet-style entry: a single device ID with its NUMA node (or none). */
export function wireDevice(resource: string, id: string, numaNode?: number): WireDevices {
  return {
    resource_name: resource,
    device_ids: [id],
    ...(numaNode === undefined ? {} : { topology: { nodes: [{ ID: numaNode }] } }),
  };
}
