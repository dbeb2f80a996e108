/**
 * Device setup inside the agent: reconciles the host with the NetworkNodePolicies after every rediscovery
 * (periodic, and on every policy or label change), planning from that same discovery, and when pods go while a
 * change waits for them; after an apply that changed the host the agent reads it again at once, so the
 * device-plugin pools (ListAndWatch) and the report follow.
 * Nothing is planned before the kubelet's pod-resources has answered: without the allocations a plan could
 * destroy VFs pods hold.
 */
import type { SyncStatus } from '../../api/wirespeed-v1alpha1.js';
import type { ObservedHost } from '../../core/host/observed.js';
import type { HeldDevices } from '../../core/reconcile/types.js';
import { type NodePod, type PodResources, podKey } from '../../core/report/accounting.js';
import type { Logger } from '../../telemetry/logger.js';
import type { SetupInput, SetupResult } from './setup.js';

export interface SetupRunner {
  reconcile(input: SetupInput): Promise<SetupResult>;
  close?(): Promise<void>;
}

export interface SetupLoopDeps {
  setup: SetupRunner;
  log: Logger;
  policies: () => readonly unknown[];
  nodeLabels: () => Readonly<Record<string, string>>;
  /** pod-resources List, null until the kubelet has answered. */
  podResources: () => readonly PodResources[] | null;
  pods: () => ReadonlyMap<string, NodePod>;
  /** Read the host again and serve it (the agent's rediscovery). */
  changed: () => Promise<void>;
  /** Publish the report (the sync status changed). */
  report: () => void;
}

export interface SetupLoop {
  /** Reconcile now; `observed`, a discovery made just now, spares reading the host again. */
  kick(observed?: ObservedHost): Promise<void>;
  /** Pods changed: reconcile again if a change waits for pods to go. */
  podsChanged(): void;
  reportFields(): {
    syncStatus?: SyncStatus;
    syncMessage?: string;
    appliedPfs?: SetupResult['appliedPfs'];
    appliedHugepages?: SetupResult['appliedHugepages'];
  };
  stop(): void;
}

const TERMINAL = new Set(['Succeeded', 'Failed']);

export function heldDevices(
  list: readonly PodResources[],
  pods: ReadonlyMap<string, NodePod>,
): HeldDevices[] {
  return list
    .filter((p) => !TERMINAL.has(pods.get(podKey(p.namespace, p.name))?.phase ?? ''))
    .map((p) => ({
      namespace: p.namespace,
      name: p.name,
      deviceIds: p.containers.flatMap((c) => c.devices.flatMap((d) => d.deviceIds)),
    }))
    .filter((p) => p.deviceIds.length > 0);
}

export function setupLoop(deps: SetupLoopDeps): SetupLoop {
  let last: SetupResult | undefined;
  let failure: string | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const once = async (observed?: ObservedHost) => {
    const list = deps.podResources();
    if (list === null || stopped) return;
    const before = JSON.stringify([last?.syncStatus, last?.syncMessage, last?.appliedPfs, failure]);
    try {
      last = await deps.setup.reconcile({
        ...(observed ? { observed } : {}),
        policies: deps.policies(),
        nodeLabels: deps.nodeLabels(),
        allocations: heldDevices(list, deps.pods()),
      });
      failure = undefined;
      if (last.syncStatus !== 'Succeeded')
        deps.log.warn({ sync: last.syncStatus, message: last.syncMessage }, 'device setup');
      else if (last.changed) deps.log.info({ pfs: last.appliedPfs.length }, 'device setup applied');
    } catch (err) {
      failure = `device setup failed: ${(err as Error).message}`;
      deps.log.error({ err }, 'device setup failed');
    }
    if (last?.changed) await deps.changed();
    else if (before !== JSON.stringify([last?.syncStatus, last?.syncMessage, last?.appliedPfs, failure]))
      deps.report();
  };
  const kick = (observed?: ObservedHost): Promise<void> => {
    if (running) {
      // The run after this one observes for itself: an observation made meanwhile may predate its writes.
      again = true;
      return running;
    }
    running = (async () => {
      let given = observed;
      do {
        again = false;
        await once(given);
        given = undefined;
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
  return {
    kick,
    podsChanged: () => {
      // Also the first pod-resources answer: nothing is planned before it.
      if (!last || last.syncStatus === 'InProgress' || last.syncStatus === 'NeedsEviction') void kick();
    },
    reportFields: () => {
      if (failure) return { syncStatus: 'Failed', syncMessage: failure };
      if (!last) return {};
      return {
        syncStatus: last.syncStatus,
        syncMessage: last.syncMessage,
        appliedPfs: last.appliedPfs,
        appliedHugepages: last.appliedHugepages,
      };
    },
    stop: () => {
      stopped = true;
    },
  };
}

const WORST: SyncStatus[] = ['Stuck', 'Failed', 'NeedsEviction', 'InProgress', 'Succeeded'];

/** The report's sync fields: what the policies were told (pool selection) and what device setup did. */
export function mergeSync(
  policies: { syncStatus: SyncStatus; syncMessage?: string; policyGenerations: Record<string, number> },
  setup: ReturnType<SetupLoop['reportFields']>,
) {
  if (!setup.syncStatus) return policies;
  const syncStatus =
    WORST.indexOf(setup.syncStatus) < WORST.indexOf(policies.syncStatus)
      ? setup.syncStatus
      : policies.syncStatus;
  const messages = [policies.syncMessage, setup.syncMessage].filter((m): m is string => !!m);
  return {
    syncStatus,
    syncMessage: messages.join('; '),
    policyGenerations: policies.policyGenerations,
    ...(setup.appliedPfs ? { appliedPfs: setup.appliedPfs } : {}),
    ...(setup.appliedHugepages ? { appliedHugepages: setup.appliedHugepages } : {}),
  };
}
