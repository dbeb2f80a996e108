/**
 * One pool's device-plugin v1beta1 gRPC server on its own unix socket. `update(pool)` pushes a new device list to
 * every open ListAndWatch stream when it differs from the last one sent, so VFs that appear, vanish or change
 * health reach the kubelet without a restart. `serve()` may be called again to bind a fresh socket after the
 * kubelet wiped its directory.
 */
import { lstat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import type { Pool } from '../../core/pools/types.js';
import type { Logger } from '../../telemetry/logger.js';
import { containerAllocation } from './allocate.js';
import { type PreferredAllocationPolicy, preferredAllocation } from './preferred.js';
import { devicePluginService } from './protos.js';
import {
  type AllocateRequest,
  type AllocateResponse,
  type Device,
  type DevicePluginOptions,
  HEALTHY,
  type ListAndWatchResponse,
  type PreferredAllocationRequest,
  type PreferredAllocationResponse,
  UNHEALTHY,
} from './wire.js';

/** sockaddr_un.sun_path holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH = 107;

export interface PoolServerEvents {
  /** After a successful Allocate, so the caller can read pod-resources at once. */
  allocated?(resourceName: string, ids: string[]): void;
  /** After each ListAndWatch message sent (the initial one and every update). */
  listed?(resourceName: string, devices: number): void;
  /** Each RPC by method and result (`ok` or `error`). */
  call?(resourceName: string, method: string, result: 'ok' | 'error'): void;
}

/** The socket file name for a pool: `wirespeed_intel.com_sriov_a.sock` (a name the kubelet resolves in its dir). */
export function socketName(resourceName: string): string {
  return `wirespeed_${resourceName.replace(/[^A-Za-z0-9._-]/g, '_')}.sock`;
}

/** The device list as ListAndWatch sends it: ID = PCI address, NUMA topology unless the kernel reports none. */
export function listedDevices(pool: Pool): Device[] {
  return pool.devices.map((d) => ({
    ID: d.id,
    health: d.healthy ? HEALTHY : UNHEALTHY,
    ...(d.numaNode >= 0 ? { topology: { nodes: [{ ID: d.numaNode }] } } : {}),
  }));
}

export class PoolServer {
  readonly resourceName: string;
  readonly socketPath: string;
  private pool: Pool;
  private server: Server | undefined;
  private readonly streams = new Set<ServerWritableStream<unknown, ListAndWatchResponse>>();
  private lastSent = '';

  constructor(
    pool: Pool,
    private readonly opts: { devicePluginDir: string; preferredAllocation: PreferredAllocationPolicy },
    private readonly deps: { log: Logger; events?: PoolServerEvents },
  ) {
    this.pool = pool;
    this.resourceName = pool.resourceName;
    this.socketPath = join(opts.devicePluginDir, socketName(pool.resourceName));
    if (Buffer.byteLength(this.socketPath) > MAX_SOCKET_PATH) {
      throw new Error(
        `device-plugin socket path ${this.socketPath} is longer than ${MAX_SOCKET_PATH} bytes; use a shorter --device-plugin-dir`,
      );
    }
  }

  get endpoint(): string {
    return socketName(this.resourceName);
  }

  get devices(): Device[] {
    return listedDevices(this.pool);
  }

  /** Binds (or binds again) the socket: any previous server is shut down and a stale file removed first. */
  async serve(): Promise<void> {
    this.shutdownServer();
    await unlink(this.socketPath).catch(ignoreMissing);
    const server = new Server();
    server.addService(devicePluginService().service, {
      GetDevicePluginOptions: this.onOptions,
      ListAndWatch: this.onListAndWatch,
      GetPreferredAllocation: this.onPreferred,
      Allocate: this.onAllocate,
      PreStartContainer: this.onPreStart,
    });
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix:${this.socketPath}`, ServerCredentials.createInsecure(), (err) =>
        err ? reject(new Error(`cannot serve ${this.socketPath}: ${err.message}`)) : resolve(),
      ),
    );
    this.server = server;
  }

  /** True while our socket file exists (the kubelet deletes it when it restarts). */
  async socketPresent(): Promise<boolean> {
    try {
      return (await lstat(this.socketPath)).isSocket();
    } catch {
      return false;
    }
  }

  update(pool: Pool): void {
    this.pool = pool;
    const message = { devices: listedDevices(pool) };
    const text = JSON.stringify(message);
    if (text === this.lastSent) return;
    this.lastSent = text;
    for (const stream of this.streams) stream.write(message);
    if (this.streams.size > 0) this.deps.events?.listed?.(this.resourceName, message.devices.length);
  }

  /** Open ListAndWatch streams (one per kubelet connection). */
  get watchers(): number {
    return this.streams.size;
  }

  async close(): Promise<void> {
    this.shutdownServer();
    await unlink(this.socketPath).catch(ignoreMissing);
  }

  private shutdownServer(): void {
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    this.server?.forceShutdown();
    this.server = undefined;
  }

  private readonly onOptions = (
    _call: ServerUnaryCall<unknown, DevicePluginOptions>,
    callback: sendUnaryData<DevicePluginOptions>,
  ): void => {
    this.deps.events?.call?.(this.resourceName, 'GetDevicePluginOptions', 'ok');
    callback(null, { pre_start_required: false, get_preferred_allocation_available: true });
  };

  private readonly onListAndWatch = (stream: ServerWritableStream<unknown, ListAndWatchResponse>): void => {
    this.streams.add(stream);
    const forget = () => this.streams.delete(stream);
    stream.on('cancelled', forget);
    stream.on('close', forget);
    stream.on('error', forget);
    const message = { devices: listedDevices(this.pool) };
    this.lastSent = JSON.stringify(message);
    stream.write(message);
    this.deps.events?.call?.(this.resourceName, 'ListAndWatch', 'ok');
    this.deps.events?.listed?.(this.resourceName, message.devices.length);
  };

  private readonly onPreferred = (
    call: ServerUnaryCall<PreferredAllocationRequest, PreferredAllocationResponse>,
    callback: sendUnaryData<PreferredAllocationResponse>,
  ): void => {
    const container_responses = call.request.container_requests.map((r) => ({
      deviceIDs: preferredAllocation(
        this.pool.devices,
        { available: r.available_deviceIDs, mustInclude: r.must_include_deviceIDs, size: r.allocation_size },
        this.opts.preferredAllocation,
      ),
    }));
    this.deps.log.debug({ pool: this.resourceName, container_responses }, 'preferred allocation');
    this.deps.events?.call?.(this.resourceName, 'GetPreferredAllocation', 'ok');
    callback(null, { container_responses });
  };

  private readonly onAllocate = (
    call: ServerUnaryCall<AllocateRequest, AllocateResponse>,
    callback: sendUnaryData<AllocateResponse>,
  ): void => {
    const container_responses = [];
    const ids: string[] = [];
    for (const request of call.request.container_requests) {
      const result = containerAllocation(this.pool, request.devices_ids);
      if (!result.ok) {
        this.deps.log.warn({ pool: this.resourceName, ids: request.devices_ids }, result.problem.message);
        this.deps.events?.call?.(this.resourceName, 'Allocate', 'error');
        callback({ code: status.INVALID_ARGUMENT, details: result.problem.message });
        return;
      }
      container_responses.push(result.value);
      ids.push(...request.devices_ids);
    }
    this.deps.log.info({ pool: this.resourceName, ids }, 'allocated');
    this.deps.events?.call?.(this.resourceName, 'Allocate', 'ok');
    callback(null, { container_responses });
    this.deps.events?.allocated?.(this.resourceName, ids);
  };

  private readonly onPreStart = (
    _call: ServerUnaryCall<unknown, Record<string, never>>,
    callback: sendUnaryData<Record<string, never>>,
  ): void => {
    this.deps.events?.call?.(this.resourceName, 'PreStartContainer', 'ok');
    callback(null, {});
  };
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}
