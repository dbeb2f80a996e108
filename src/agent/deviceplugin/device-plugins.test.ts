import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeDeviceManager } from '../../../test/support/fake-device-manager.js';
import { pool, vf, vfs } from '../../../test/support/pools.js';
import { silentLogger } from '../../telemetry/logger.js';
import { DevicePlugins } from './device-plugins.js';

let dir: string;
let kubelet: FakeDeviceManager;
let plugins: DevicePlugins;
const events: string[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ws-dps-'));
  events.length = 0;
  kubelet = new FakeDeviceManager(dir);
  plugins = new DevicePlugins(
    { devicePluginDir: dir, preferredAllocation: 'pack', checkIntervalMs: 100, maxBackoffMs: 200 },
    {
      log: silentLogger,
      events: {
        registered: (name, result) => events.push(`registered ${name} ${result}`),
        reserved: (name) => events.push(`served again ${name}`),
      },
    },
  );
});

afterEach(async () => {
  await plugins.stop();
  kubelet.stop();
  await rm(dir, { recursive: true, force: true });
});

const a = pool('example.com/a', vfs(0x3b, 2));
const b = pool('example.com/b', [vf(0x5e, 0, { numaNode: 1, driver: 'iavf' })], 'netdevice');

describe('DevicePlugins', () => {
  it('serves one socket per pool and registers each with the kubelet', async () => {
    await kubelet.start();
    await plugins.start();
    await plugins.sync([a, b]);
    expect((await readdir(dir)).sort()).toEqual([
      'kubelet.sock',
      'wirespeed_example.com_a.sock',
      'wirespeed_example.com_b.sock',
    ]);
    expect(kubelet.registrations.map((r) => r.request)).toEqual([
      {
        version: 'v1beta1',
        endpoint: 'wirespeed_example.com_a.sock',
        resource_name: 'example.com/a',
        options: { pre_start_required: false, get_preferred_allocation_available: true },
      },
      {
        version: 'v1beta1',
        endpoint: 'wirespeed_example.com_b.sock',
        resource_name: 'example.com/b',
        options: { pre_start_required: false, get_preferred_allocation_available: true },
      },
    ]);
    await vi.waitFor(() =>
      expect(kubelet.latest('example.com/b')?.devices).toEqual([
        { ID: '0000:5e:02.0', health: 'Healthy', topology: { nodes: [{ ID: 1 }] } },
      ]),
    );
    expect(plugins.notReadyReason()).toBeUndefined();
  });

  it('pushes a changed pool on the open stream without registering again', async () => {
    await kubelet.start();
    await plugins.start();
    await plugins.sync([a]);
    await vi.waitFor(() => expect(kubelet.latest('example.com/a')?.lists).toHaveLength(1));
    await plugins.sync([pool('example.com/a', [...vfs(0x3b, 2), vf(0x3b, 2, { healthy: false })])]);
    await vi.waitFor(() => expect(kubelet.latest('example.com/a')?.lists).toHaveLength(2));
    expect(kubelet.latest('example.com/a')?.devices?.map((d) => `${d.ID} ${d.health}`)).toEqual([
      '0000:3b:02.0 Healthy',
      '0000:3b:02.1 Healthy',
      '0000:3b:02.2 Unhealthy',
    ]);
    expect(kubelet.registrations).toHaveLength(1);
  });

  it('waits for a kubelet that is not there yet, saying why, then registers', async () => {
    await plugins.start();
    await plugins.sync([a]);
    expect(plugins.notReadyReason()).toBe(
      `pool example.com/a is not registered with the kubelet at ${join(dir, 'kubelet.sock')}: ${join(dir, 'kubelet.sock')} does not exist (is the kubelet running, and is --device-plugin-dir its directory?)`,
    );
    await kubelet.start();
    await vi.waitFor(() => expect(kubelet.registrations).toHaveLength(1));
    await vi.waitFor(() => expect(plugins.notReadyReason()).toBeUndefined());
  });

  it('survives a kubelet restart that deletes every socket: serves again and registers again', async () => {
    await kubelet.start();
    await plugins.start();
    await plugins.sync([a, b]);
    await kubelet.restart(['wirespeed_example.com_a.sock', 'wirespeed_example.com_b.sock']);
    await vi.waitFor(() => expect(kubelet.registrations).toHaveLength(4), { timeout: 5000 });
    await vi.waitFor(() => expect(kubelet.latest('example.com/a')?.devices).toHaveLength(2));
    expect(events.filter((e) => e.startsWith('served again')).sort()).toEqual([
      'served again example.com/a',
      'served again example.com/b',
    ]);
    expect((await readdir(dir)).sort()).toEqual([
      'kubelet.sock',
      'wirespeed_example.com_a.sock',
      'wirespeed_example.com_b.sock',
    ]);
  });

  it('registers again with a new kubelet.sock even when our socket survived', async () => {
    await kubelet.start();
    await plugins.start();
    await plugins.sync([a]);
    await kubelet.restart([]);
    await vi.waitFor(() => expect(kubelet.registrations).toHaveLength(2), { timeout: 5000 });
    expect(events.filter((e) => e.startsWith('served again'))).toEqual([]);
    expect(events.filter((e) => e === 'registered example.com/a ok')).toHaveLength(2);
  });

  it('retries a refused registration with back-off and reports the reason meanwhile', async () => {
    kubelet.refuse = 'resource example.com/a already registered';
    await kubelet.start();
    await plugins.start();
    await plugins.sync([a]);
    expect(plugins.notReadyReason()).toContain('resource example.com/a already registered');
    kubelet.refuse = undefined;
    await vi.waitFor(() => expect(plugins.notReadyReason()).toBeUndefined(), { timeout: 5000 });
    expect(events[0]).toBe('registered example.com/a error');
    expect(events.at(-1)).toBe('registered example.com/a ok');
  });

  it('stops serving a pool that is gone and removes its socket', async () => {
    await kubelet.start();
    await plugins.start();
    await plugins.sync([a, b]);
    await plugins.sync([b]);
    expect((await readdir(dir)).sort()).toEqual(['kubelet.sock', 'wirespeed_example.com_b.sock']);
    expect(plugins.registrations().map((r) => r.resourceName)).toEqual(['example.com/b']);
  });
});
