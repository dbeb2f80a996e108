import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakePodResources, wireDevice } from '../../../test/support/fake-pod-resources.js';
import { createPodResourcesClient, type PodResourcesClient } from './client.js';

let dir: string;
let kubelet: FakePodResources;
let client: PodResourcesClient;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ws-pr-'));
  kubelet = new FakePodResources(join(dir, 'kubelet.sock'));
  await kubelet.start();
  client = createPodResourcesClient(kubelet.socket, { timeoutMs: 2000 });
});

afterEach(async () => {
  client.close();
  kubelet.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('pod-resources client', () => {
  it('GetAllocatableResources: one entry per device, NUMA node 0 kept, no topology as no NUMA node', async () => {
    kubelet.allocatable = [
      wireDevice('intel.com/a', '0000:3b:02.0', 0),
      wireDevice('intel.com/a', '0000:5e:02.0', 1),
      wireDevice('intel.com/b', '0000:86:02.0'),
      {
        resource_name: 'nvidia.com/gpu',
        device_ids: ['GPU-1', 'GPU-2'],
        topology: { nodes: [{ ID: 0 }, { ID: 1 }] },
      },
    ];
    expect(await client.allocatable()).toEqual([
      { resourceName: 'intel.com/a', deviceIds: ['0000:3b:02.0'], numaNodes: [0] },
      { resourceName: 'intel.com/a', deviceIds: ['0000:5e:02.0'], numaNodes: [1] },
      { resourceName: 'intel.com/b', deviceIds: ['0000:86:02.0'], numaNodes: [] },
      { resourceName: 'nvidia.com/gpu', deviceIds: ['GPU-1', 'GPU-2'], numaNodes: [0, 1] },
    ]);
  });

  it('List: pods → containers → devices, containers without devices kept', async () => {
    kubelet.pods = [
      {
        name: 'cnf-1',
        namespace: 'telco',
        containers: [
          {
            name: 'app',
            devices: [
              wireDevice('intel.com/a', '0000:3b:02.0', 0),
              wireDevice('intel.com/a', '0000:3b:02.1', 0),
            ],
          },
          { name: 'sidecar', devices: [], cpu_ids: [1] },
        ],
      },
      { name: 'plain', namespace: 'default', containers: [{ name: 'c', devices: [] }] },
    ];
    expect(await client.list()).toEqual([
      {
        namespace: 'telco',
        name: 'cnf-1',
        containers: [
          {
            name: 'app',
            devices: [
              { resourceName: 'intel.com/a', deviceIds: ['0000:3b:02.0'], numaNodes: [0] },
              { resourceName: 'intel.com/a', deviceIds: ['0000:3b:02.1'], numaNodes: [0] },
            ],
          },
          { name: 'sidecar', devices: [] },
        ],
      },
      { namespace: 'default', name: 'plain', containers: [{ name: 'c', devices: [] }] },
    ]);
  });

  it('an empty node answers empty lists', async () => {
    expect(await client.list()).toEqual([]);
    expect(await client.allocatable()).toEqual([]);
  });

  it('errors name the call and the socket', async () => {
    kubelet.failure = 'kubelet is shutting down';
    await expect(client.list()).rejects.toThrow(
      `pod-resources List at ${kubelet.socket}: 14 UNAVAILABLE: kubelet is shutting down`,
    );
  });

  it('a missing socket fails within the deadline, naming it', async () => {
    const missing = createPodResourcesClient(join(dir, 'none.sock'), { timeoutMs: 300 });
    await expect(missing.allocatable()).rejects.toThrow(
      `pod-resources GetAllocatableResources at ${join(dir, 'none.sock')}:`,
    );
    missing.close();
  });
});
