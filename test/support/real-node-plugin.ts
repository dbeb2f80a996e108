import { join } from 'node:path';
import {
  type Client,
  credentials,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { devicePluginService, registrationService } from '../../src/agent/deviceplugin/protos.js';

export interface TestDevice {
  id: string;
  numaNode: number;
}

export interface TestDevicePlugin {
  /** Device ids of every Allocate, in call order. */
  readonly allocations: string[][];
  stop(): Promise<void>;
}

/**
 * The smallest device plugin the kubelet accepts, for testing the real-node harness itself (the project's own
 * plugin lives in src/agent/deviceplugin): serves `devices` with their NUMA nodes, answers Allocate with the ids
 * in `<ENV>=id,id`, and registers with the kubelet through `devicePluginDir`, from outside its namespace.
 * It does not register again after a kubelet restart.
 */
export async function startTestDevicePlugin(opts: {
  devicePluginDir: string;
  resourceName: string;
  devices: TestDevice[];
  env: string;
}): Promise<TestDevicePlugin> {
  const endpoint = `${opts.resourceName.replace(/[^a-z0-9]/gi, '-')}.sock`;
  const allocations: string[][] = [];
  const streams = new Set<ServerWritableStream<unknown, unknown>>();
  const server = new Server();
  server.addService(devicePluginService().service, {
    GetDevicePluginOptions: (_: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) =>
      cb(null, { pre_start_required: false, get_preferred_allocation_available: false }),
    ListAndWatch: (call: ServerWritableStream<unknown, unknown>) => {
      streams.add(call);
      call.on('cancelled', () => streams.delete(call));
      call.write({
        devices: opts.devices.map((d) => ({
          ID: d.id,
          health: 'Healthy',
          topology: { nodes: [{ ID: d.numaNode }] },
        })),
      });
    },
    Allocate: (
      call: ServerUnaryCall<{ container_requests: { devices_ids: string[] }[] }, unknown>,
      cb: sendUnaryData<unknown>,
    ) => {
      const container_responses = call.request.container_requests.map((req) => {
        const ids = [...req.devices_ids].sort();
        allocations.push(ids);
        return { envs: { [opts.env]: ids.join(',') } };
      });
      cb(null, { container_responses });
    },
    GetPreferredAllocation: (_: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) =>
      cb(null, { container_responses: [] }),
    PreStartContainer: (_: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => cb(null, {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(
      `unix://${join(opts.devicePluginDir, endpoint)}`,
      ServerCredentials.createInsecure(),
      (err) => (err ? reject(err) : resolve()),
    );
  });
  const Registration = registrationService();
  const client = new Registration(
    `unix://${join(opts.devicePluginDir, 'kubelet.sock')}`,
    credentials.createInsecure(),
  ) as unknown as Client & { Register: (req: unknown, cb: (err: Error | null) => void) => void };
  try {
    await new Promise<void>((resolve, reject) => {
      client.Register(
        { version: 'v1beta1', endpoint, resource_name: opts.resourceName, options: {} },
        (err: Error | null) => (err ? reject(err) : resolve()),
      );
    });
  } catch (err) {
    server.forceShutdown();
    throw err;
  } finally {
    client.close();
  }
  return {
    allocations,
    async stop() {
      for (const s of streams) s.end();
      server.forceShutdown();
    },
  };
}
