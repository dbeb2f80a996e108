import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../telemetry/logger.js';
import type { PodResourcesClient, PodResourcesEntry, ResourceDevices } from './client.js';
import { PodResourcesPoller, type PodResourcesSnapshot } from './poller.js';

/** A client whose answers the test sets, counting calls; `gate` holds List until released. */
function scriptedClient() {
  const state = {
    allocatable: [] as ResourceDevices[],
    pods: [] as PodResourcesEntry[],
    failure: undefined as string | undefined,
    lists: 0,
    gate: undefined as Promise<void> | undefined,
  };
  const client: PodResourcesClient = {
    allocatable: async () => {
      if (state.failure) throw new Error(state.failure);
      return state.allocatable;
    },
    list: async () => {
      state.lists += 1;
      await state.gate;
      if (state.failure) throw new Error(state.failure);
      return state.pods;
    },
    close: () => undefined,
  };
  return { client, state };
}

const device = (id: string): ResourceDevices => ({
  resourceName: 'example.com/a',
  deviceIds: [id],
  numaNodes: [0],
});

describe('PodResourcesPoller', () => {
  it('reports a change once, not an unchanged answer', async () => {
    const { client, state } = scriptedClient();
    const changes: PodResourcesSnapshot[] = [];
    const poller = new PodResourcesPoller(
      client,
      { intervalMs: 60_000, socket: '/k.sock' },
      {
        log: silentLogger,
        onChange: (s) => changes.push(structuredClone(s)),
      },
    );
    state.allocatable = [device('x')];
    await poller.start();
    await poller.pollSoon();
    state.pods = [{ namespace: 'ns', name: 'p', containers: [{ name: 'c', devices: [device('x')] }] }];
    await poller.pollSoon();
    poller.stop();
    expect(changes).toEqual([
      { allocatable: [device('x')], pods: [] },
      { allocatable: [device('x')], pods: state.pods },
    ]);
  });

  it('requests while a round runs coalesce into one more round', async () => {
    const { client, state } = scriptedClient();
    let release = () => undefined as unknown;
    state.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const poller = new PodResourcesPoller(
      client,
      { intervalMs: 60_000, socket: '/k.sock' },
      {
        log: silentLogger,
        onChange: () => undefined,
      },
    );
    const first = poller.start();
    void poller.pollSoon();
    void poller.pollSoon();
    const last = poller.pollSoon();
    release();
    await Promise.all([first, last]);
    poller.stop();
    expect(state.lists).toBe(2);
  });

  it('says why it is not ready until the kubelet answers, and keeps the last snapshot on errors', async () => {
    const { client, state } = scriptedClient();
    const polled: string[] = [];
    const poller = new PodResourcesPoller(
      client,
      { intervalMs: 60_000, socket: '/k.sock' },
      {
        log: silentLogger,
        onChange: () => undefined,
        polled: (r) => polled.push(r),
      },
    );
    expect(poller.notReadyReason()).toBe('pod-resources at /k.sock: pod-resources has not been read yet');
    state.failure = 'connect ENOENT /k.sock';
    await poller.start();
    expect(poller.notReadyReason()).toBe('pod-resources at /k.sock: connect ENOENT /k.sock');
    expect(poller.snapshot).toEqual({ allocatable: null, pods: [] });
    state.failure = undefined;
    await poller.pollSoon();
    expect(poller.notReadyReason()).toBeUndefined();
    expect(polled).toEqual(['error', 'ok']);
    poller.stop();
  });
});
