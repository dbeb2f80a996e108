import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../telemetry/logger.js';
import { heldDevices, mergeSync, setupLoop } from './agent-setup.js';
import type { SetupInput, SetupResult } from './setup.js';

const entry = (name: string, ids: string[]) => ({
  namespace: 'ns',
  name,
  containers: [{ name: 'c', devices: [{ resourceName: 'wirespeed.io/a', deviceIds: ids }] }],
});

describe('heldDevices', () => {
  it('lists pods holding devices, leaving out terminal pods and pods holding none', () => {
    const pods = new Map([
      ['ns/done', { uid: 'u1', phase: 'Succeeded' }],
      ['ns/run', { uid: 'u2', phase: 'Running' }],
    ]);
    expect(
      heldDevices(
        [entry('done', ['a']), entry('run', ['b', 'c']), entry('none', []), entry('new', ['d'])],
        pods,
      ),
    ).toEqual([
      { namespace: 'ns', name: 'run', deviceIds: ['b', 'c'] },
      { namespace: 'ns', name: 'new', deviceIds: ['d'] },
    ]);
  });
});

describe('setupLoop', () => {
  const result = (over: Partial<SetupResult>): SetupResult => ({
    syncStatus: 'Succeeded',
    syncMessage: '1 PF set up as the policies ask',
    appliedPfs: [],
    appliedHugepages: [],
    changed: false,
    generations: {},
    plan: { pfs: [], hugepages: [], problems: [], generations: {} },
    rounds: 0,
    ...over,
  });

  it('plans nothing before pod-resources has answered; then reconciles with the allocations', async () => {
    const inputs: SetupInput[] = [];
    let answered: ReturnType<typeof entry>[] | null = null;
    let changed = 0;
    const loop = setupLoop({
      setup: {
        reconcile: async (input) => {
          inputs.push(input);
          return result({ changed: inputs.length === 1 });
        },
      },
      log: silentLogger,
      policies: () => ['p'],
      nodeLabels: () => ({ zone: 'a' }),
      podResources: () => answered,
      pods: () => new Map(),
      changed: async () => {
        changed++;
      },
      report: () => undefined,
    });
    await loop.kick();
    expect(inputs).toEqual([]);
    answered = [entry('cnf', ['0000:18:02.0'])];
    loop.podsChanged();
    await loop.kick();
    expect(inputs[0]).toEqual({
      policies: ['p'],
      nodeLabels: { zone: 'a' },
      allocations: [{ namespace: 'ns', name: 'cnf', deviceIds: ['0000:18:02.0'] }],
    });
    expect(changed).toBe(1);
    expect(loop.reportFields()).toEqual({
      syncStatus: 'Succeeded',
      syncMessage: '1 PF set up as the policies ask',
      appliedPfs: [],
      appliedHugepages: [],
    });
  });
});

describe('mergeSync', () => {
  it('keeps the worse status and both messages', () => {
    const policies = {
      syncStatus: 'Failed' as const,
      syncMessage: 'policy ws/a InvalidSpec: x',
      policyGenerations: { 'ws/b': 2 },
    };
    expect(
      mergeSync(policies, { syncStatus: 'NeedsEviction', syncMessage: 'pods hold them', appliedPfs: [] }),
    ).toEqual({
      syncStatus: 'Failed',
      syncMessage: 'policy ws/a InvalidSpec: x; pods hold them',
      policyGenerations: { 'ws/b': 2 },
      appliedPfs: [],
    });
    expect(
      mergeSync(
        { syncStatus: 'Succeeded', policyGenerations: {} },
        { syncStatus: 'Stuck', syncMessage: 'hung' },
      ),
    ).toEqual({
      syncStatus: 'Stuck',
      syncMessage: 'hung',
      policyGenerations: {},
    });
    expect(mergeSync(policies, {})).toBe(policies);
  });
});
