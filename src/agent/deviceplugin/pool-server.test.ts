import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type DevicePluginClient,
  devicePluginClient,
  unary,
} from '../../../test/support/fake-device-manager.js';
import { pool, vf, vfs } from '../../../test/support/pools.js';
import { silentLogger } from '../../telemetry/logger.js';
import { listedDevices, PoolServer, socketName } from './pool-server.js';
import type { Device } from './wire.js';

let dir: string;
let server: PoolServer;
let client: DevicePluginClient;
const allocated: string[][] = [];

const devices = [vf(0x3b, 0), vf(0x3b, 1), vf(0x5e, 0, { numaNode: 1 }), vf(0x5e, 1, { numaNode: 1 })];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ws-dp-'));
  allocated.length = 0;
  server = new PoolServer(
    pool('intel.com/sriov_a', devices),
    { devicePluginDir: dir, preferredAllocation: 'pack' },
    { log: silentLogger, events: { allocated: (_name, ids) => allocated.push(ids) } },
  );
  await server.serve();
  client = devicePluginClient(server.socketPath);
});

afterEach(async () => {
  client.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function watch(): { lists: Device[][]; stream: ClientReadableStream<{ devices: Device[] }> } {
  const lists: Device[][] = [];
  const stream = (client.ListAndWatch as (r: unknown) => ClientReadableStream<{ devices: Device[] }>).call(
    client,
    {},
  );
  stream.on('data', (m: { devices: Device[] }) => lists.push(m.devices));
  stream.on('error', () => undefined);
  return { lists, stream };
}

describe('socketName and listedDevices', () => {
  it('names the socket after the pool', () => {
    expect(socketName('intel.com/sriov_a')).toBe('wirespeed_intel.com_sriov_a.sock');
    expect(server.socketPath).toBe(join(dir, 'wirespeed_intel.com_sriov_a.sock'));
  });

  it('omits topology for devices without a NUMA node and marks health', () => {
    expect(
      listedDevices(pool('p', [vf(1, 0, { numaNode: -1 }), vf(1, 1, { numaNode: 1, healthy: false })])),
    ).toEqual([
      { ID: '0000:01:02.0', health: 'Healthy' },
      { ID: '0000:01:02.1', health: 'Unhealthy', topology: { nodes: [{ ID: 1 }] } },
    ]);
  });
});

describe('PoolServer over gRPC', () => {
  it('GetDevicePluginOptions offers preferred allocation, no pre-start', async () => {
    expect(await unary(client, 'GetDevicePluginOptions', {})).toEqual({
      pre_start_required: false,
      get_preferred_allocation_available: true,
    });
  });

  it('ListAndWatch sends the devices with NUMA node 0 intact, then every change and nothing when unchanged', async () => {
    const { lists, stream } = watch();
    await vi.waitFor(() => expect(lists).toHaveLength(1));
    expect(lists[0]).toEqual([
      { ID: '0000:3b:02.0', health: 'Healthy', topology: { nodes: [{ ID: 0 }] } },
      { ID: '0000:3b:02.1', health: 'Healthy', topology: { nodes: [{ ID: 0 }] } },
      { ID: '0000:5e:02.0', health: 'Healthy', topology: { nodes: [{ ID: 1 }] } },
      { ID: '0000:5e:02.1', health: 'Healthy', topology: { nodes: [{ ID: 1 }] } },
    ]);
    server.update(pool('intel.com/sriov_a', devices));
    server.update(
      pool('intel.com/sriov_a', [
        devices[0]!,
        { ...devices[1]!, healthy: false },
        ...vfs(0x86, 1, { numaNode: 1 }),
      ]),
    );
    await vi.waitFor(() => expect(lists).toHaveLength(2));
    expect(lists[1]).toEqual([
      { ID: '0000:3b:02.0', health: 'Healthy', topology: { nodes: [{ ID: 0 }] } },
      { ID: '0000:3b:02.1', health: 'Unhealthy', topology: { nodes: [{ ID: 0 }] } },
      { ID: '0000:86:02.0', health: 'Healthy', topology: { nodes: [{ ID: 1 }] } },
    ]);
    expect(server.watchers).toBe(1);
    stream.cancel();
    await vi.waitFor(() => expect(server.watchers).toBe(0));
  });

  it('GetPreferredAllocation answers each container within what the kubelet offers', async () => {
    const response = await unary(client, 'GetPreferredAllocation', {
      container_requests: [
        {
          available_deviceIDs: ['0000:5e:02.1', '0000:3b:02.1', '0000:3b:02.0'],
          must_include_deviceIDs: [],
          allocation_size: 2,
        },
        {
          available_deviceIDs: ['0000:5e:02.1', '0000:5e:02.0'],
          must_include_deviceIDs: ['0000:5e:02.1'],
          allocation_size: 1,
        },
      ],
    });
    expect(response).toEqual({
      container_responses: [{ deviceIDs: ['0000:3b:02.0', '0000:3b:02.1'] }, { deviceIDs: ['0000:5e:02.1'] }],
    });
  });

  it('Allocate returns env and VFIO device specs per container and reports the allocation', async () => {
    const response = (await unary(client, 'Allocate', {
      container_requests: [
        { devices_ids: ['0000:3b:02.1'] },
        { devices_ids: ['0000:5e:02.0', '0000:5e:02.1'] },
      ],
    })) as { container_responses: { envs: Record<string, string>; devices: unknown[] }[] };
    expect(response.container_responses.map((c) => c.envs.PCIDEVICE_INTEL_COM_SRIOV_A)).toEqual([
      '0000:3b:02.1',
      '0000:5e:02.0,0000:5e:02.1',
    ]);
    expect(response.container_responses[1]!.devices).toEqual([
      { container_path: '/dev/vfio/vfio', host_path: '/dev/vfio/vfio', permissions: 'rw' },
      { container_path: '/dev/vfio/9400', host_path: '/dev/vfio/9400', permissions: 'rw' },
      { container_path: '/dev/vfio/9401', host_path: '/dev/vfio/9401', permissions: 'rw' },
    ]);
    expect(allocated).toEqual([['0000:3b:02.1', '0000:5e:02.0', '0000:5e:02.1']]);
  });

  it('Allocate of an unknown device fails with INVALID_ARGUMENT naming it', async () => {
    await expect(
      unary(client, 'Allocate', { container_requests: [{ devices_ids: ['0000:aa:02.0'] }] }),
    ).rejects.toMatchObject({
      code: 3,
      details: expect.stringContaining('device 0000:aa:02.0 is not in pool intel.com/sriov_a'),
    });
    expect(allocated).toEqual([]);
  });

  it('PreStartContainer is a no-op', async () => {
    expect(await unary(client, 'PreStartContainer', { devices_ids: ['0000:3b:02.0'] })).toEqual({});
  });

  it('serve() again binds a fresh socket after the file was deleted', async () => {
    await rm(server.socketPath);
    expect(await server.socketPresent()).toBe(false);
    await server.serve();
    expect(await server.socketPresent()).toBe(true);
    client.close();
    client = devicePluginClient(server.socketPath);
    expect(await unary(client, 'PreStartContainer', {})).toEqual({});
  });

  it('refuses a socket path longer than unix sockets allow', () => {
    expect(
      () =>
        new PoolServer(
          pool('a/b', []),
          { devicePluginDir: `/${'x'.repeat(120)}`, preferredAllocation: 'pack' },
          { log: silentLogger },
        ),
    ).toThrow(/is longer than 107 bytes; use a shorter --device-plugin-dir/);
  });
});
