/**
 * A stand-in for the kubelet's device manager, for unit tests of our device plugin (the real kubelet is in the
 * integration tests): it serves `Registration` on `kubelet.sock`, and on each Register dials the plugin back like
 * the kubelet does (GetDevicePluginOptions, then a ListAndWatch stream whose latest list it keeps).
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Client,
  type ClientReadableStream,
  credentials,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { devicePluginService, registrationService } from '../../src/agent/deviceplugin/protos.js';
import type { Device, RegisterRequest } from '../../src/agent/deviceplugin/wire.js';

export type DevicePluginClient = Client & Record<string, (...args: unknown[]) => unknown>;

export function devicePluginClient(socketPath: string): DevicePluginClient {
  const Ctor = devicePluginService();
  return new Ctor(`unix:${socketPath}`, credentials.createInsecure()) as DevicePluginClient;
}

/** Calls a unary method of a dynamic grpc client. */
export function unary<T>(client: DevicePluginClient, method: string, request: unknown): Promise<T> {
  return new Promise((resolve, reject) =>
    (client[method] as (r: unknown, cb: (e: Error | null, v: T) => void) => void).call(
      client,
      request,
      (err, value) => (err ? reject(err) : resolve(value)),
    ),
  );
}

export interface Registered {
  request: RegisterRequest;
  /** The latest ListAndWatch list from that plugin. */
  devices: Device[] | undefined;
  /** Every list received, in order. */
  lists: Device[][];
  stream: ClientReadableStream<{ devices: Device[] }>;
}

export class FakeDeviceManager {
  readonly registrations: Registered[] = [];
  private server: Server | undefined;
  private clients: DevicePluginClient[] = [];
  /** Set to make Register fail with this message. */
  refuse: string | undefined;

  constructor(readonly dir: string) {}

  get socket(): string {
    return join(this.dir, 'kubelet.sock');
  }

  async start(): Promise<void> {
    const server = new Server();
    server.addService(registrationService().service, {
      Register: (call: ServerUnaryCall<RegisterRequest, object>, callback: sendUnaryData<object>) => {
        if (this.refuse) {
          callback({ code: 3, details: this.refuse });
          return;
        }
        this.dialBack(call.request).then(
          () => callback(null, {}),
          (err: Error) => callback({ code: 14, details: err.message }),
        );
      },
    });
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix:${this.socket}`, ServerCredentials.createInsecure(), (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    this.server = server;
  }

  /** Like a kubelet restart: stop, delete every socket in the directory, serve a new kubelet.sock. */
  async restart(sockets: string[]): Promise<void> {
    this.stop();
    for (const name of sockets) await unlink(join(this.dir, name)).catch(() => undefined);
    await unlink(this.socket).catch(() => undefined);
    await this.start();
  }

  latest(resourceName: string): Registered | undefined {
    return this.registrations.filter((r) => r.request.resource_name === resourceName).at(-1);
  }

  stop(): void {
    for (const client of this.clients) client.close();
    this.clients = [];
    this.server?.forceShutdown();
    this.server = undefined;
  }

  private async dialBack(request: RegisterRequest): Promise<void> {
    const client = devicePluginClient(join(this.dir, request.endpoint));
    this.clients.push(client);
    await unary(client, 'GetDevicePluginOptions', {});
    const stream = (client.ListAndWatch as (r: unknown) => ClientReadableStream<{ devices: Device[] }>).call(
      client,
      {},
    );
    const entry: Registered = { request, devices: undefined, lists: [], stream };
    stream.on('data', (message: { devices: Device[] }) => {
      entry.devices = message.devices;
      entry.lists.push(message.devices);
    });
    stream.on('error', () => undefined);
    this.registrations.push(entry);
  }
}
