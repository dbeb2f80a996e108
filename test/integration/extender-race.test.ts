/**
 * The race the ledger exists for: a burst of pods asking for more NUMA-aligned devices than exist, scheduled
 * faster than the nodes report. Fake Nodes with a judge standing in for their kubelets (src/harness/numa-judge.ts:
 * single-numa-node admission, TopologyAffinityError for what it cannot align, reports 1 s after each change).
 * Three modes: reports only (no ledger) must show TopologyAffinityErrors, or the test could not see the race;
 * the ledger and bind mode must show none, and leave no pod Pending while an aligned slot is free.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { createFakeNode } from '../../src/devcluster/nodes.js';
import { waitFor } from '../../src/devcluster/wait.js';
import { devicePod, ensureNamespace, startLocalExtender } from '../../src/harness/local-extender.js';
import { NumaJudge } from '../../src/harness/numa-judge.js';
import { useControlPlane } from './support.js';

const NODES = 4;
/** Free devices per NUMA node: 5 + 5, so a node aligns two pods of 3 while its node-level count (10) admits three. */
const NUMA = [5, 5];
const POD_SIZE = 3;
const BURST = 200;
const REPORT_DELAY_MS = 1000;
/** No decision for this long after the burst: settled. */
const QUIET_MS = 5000;

type Mode = 'reports-only' | 'ledger' | 'bind';

interface Outcome {
  mode: Mode;
  topologyAffinityErrors: number;
  admitted: number;
  pendingWhileCapacity: number;
  settleMs: number;
}

describe('a burst of pods racing for the last aligned devices (fake nodes, judged as kubelets would)', () => {
  const plane = useControlPlane({ scheduler: false });
  const outcomes: Outcome[] = [];

  const run = async (mode: Mode): Promise<Outcome> => {
    const { cp } = plane;
    const core = cp.kc.makeApiClient(CoreV1Api);
    const pool = `example.com/race_${mode.replace('-', '_')}`;
    const namespace = `race-${mode}`;
    const local = await startLocalExtender(cp, {
      leaseNamespace: '',
      managedResources: [pool],
      ledger: mode !== 'reports-only',
      bindMode: mode === 'bind',
    });
    await ensureNamespace(local.endpoint, namespace);
    const nodes: Record<string, number[]> = {};
    for (let i = 0; i < NODES; i++) {
      const name = `${namespace}-${i}`;
      nodes[name] = NUMA;
      await createFakeNode(cp.kc, name, { [pool]: String(NUMA.reduce((a, b) => a + b)) });
    }
    const judge = new NumaJudge(local.endpoint, pool, nodes, REPORT_DELAY_MS);
    try {
      await judge.start();
      await waitFor('the extender to hold every report', async () =>
        Object.keys(nodes).every((n) => local.extender.reports.lookup(n, Date.now()).kind === 'fresh')
          ? true
          : undefined,
      );
      await cp.startScheduler(local.schedulerConfig({ managedResources: [pool], bind: mode === 'bind' }));
      const started = Date.now();
      const names = Array.from({ length: BURST }, (_, i) => `p-${i}`);
      for (let i = 0; i < names.length; i += 25) {
        await Promise.all(
          names
            .slice(i, i + 25)
            .map((name) =>
              core.createNamespacedPod({ namespace, body: devicePod(namespace, name, pool, POD_SIZE) }),
            ),
        );
      }
      const burstEnd = Date.now();
      await waitFor(
        `${mode}: no admission or failure for ${QUIET_MS} ms`,
        async () => (Date.now() - Math.max(judge.lastDecisionAt, burstEnd) > QUIET_MS ? true : undefined),
        { timeoutMs: 120_000, intervalMs: 250 },
      );
      await judge.settled();
      const pods = await core.listNamespacedPod({ namespace });
      const unbound = pods.items.filter((p) => !p.spec?.nodeName).length;
      return {
        mode,
        topologyAffinityErrors: judge.topologyAffinityErrors,
        admitted: judge.admitted,
        pendingWhileCapacity: Math.min(unbound, judge.freeSlots(POD_SIZE)),
        settleMs: judge.lastDecisionAt - started,
      };
    } finally {
      judge.stop();
      await cp.stopScheduler();
      await core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 });
      await local.stop();
    }
  };

  it.each<Mode>(['reports-only', 'ledger', 'bind'])('mode %s', async (mode) => {
    const outcome = await run(mode);
    outcomes.push(outcome);
    process.stdout.write(
      `race ${mode}: ${outcome.topologyAffinityErrors} TopologyAffinityErrors, ${outcome.admitted} admitted of ` +
        `${NODES * NUMA.length} aligned slots, ${outcome.pendingWhileCapacity} Pending while a slot was free, ` +
        `settled in ${outcome.settleMs} ms (${BURST} pods of ${POD_SIZE}, reports ${REPORT_DELAY_MS} ms late)\n`,
    );
    if (mode === 'reports-only') {
      // The race is real: trusting reports alone double-books devices the kubelet then refuses.
      expect(outcome.topologyAffinityErrors).toBeGreaterThan(0);
    } else {
      expect(outcome.topologyAffinityErrors).toBe(0);
      expect(outcome.pendingWhileCapacity).toBe(0);
      expect(outcome.admitted).toBe(NODES * NUMA.length);
    }
  });
});
