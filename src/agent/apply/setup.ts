/**
 * Device setup, level-based: observe → plan (`planHost`) → evict the named pods if asked → apply → observe
 * again, until a plan has nothing left (at most `maxRounds`). Nothing is remembered between runs but PFs
 * whose write hung (left alone until the agent restarts): a run that was killed half-way is finished by the
 * next one from what the host shows, so it converges to the same host.
 */
import type { AppliedHugepages } from '../../api/wirespeed-v1alpha1.js';
import type { ObservedHost } from '../../core/host/observed.js';
import { planHost } from '../../core/reconcile/plan.js';
import { type SyncReport, syncReport } from '../../core/reconcile/status.js';
import { type HeldDevices, type HostPlan, stepCount } from '../../core/reconcile/types.js';
import type { Evictor } from '../evict.js';
import type { Host } from '../host/host.js';
import { observeHost } from '../observe.js';
import { type Applied, applyPlan } from './apply.js';
import { readFacts } from './facts.js';
import type { Writer } from './writer.js';

export interface SetupOptions {
  evict: boolean;
  /** PFs set up at once (and writer children). */
  parallelism: number;
  /** How long to wait for VF links and VF netdevs. */
  waitMs: number;
  maxRounds?: number;
  resourcePrefix?: string;
}

export interface SetupDeps {
  host: Host;
  writer: Writer;
  evictor?: Evictor;
  /** Tests: called before every write; throwing plays a crash. */
  beforeWrite?: (path: string) => void;
}

export interface SetupInput {
  /** A discovery made just now (the agent's rediscovery): the first round plans from it instead of reading
   * the host again. Later rounds always observe afresh. */
  observed?: ObservedHost;
  policies: readonly unknown[];
  nodeLabels?: Readonly<Record<string, string>>;
  allocations: readonly HeldDevices[];
}

export interface SetupResult extends SyncReport {
  /** Whether anything was written (the agent then reads the host again and serves the new pools). */
  changed: boolean;
  generations: Record<string, number>;
  /** The last plan made. */
  plan: HostPlan;
  rounds: number;
}

const sizeName = (kib: number) =>
  kib % 1048576 === 0 ? `${kib / 1048576}Gi` : kib % 1024 === 0 ? `${kib / 1024}Mi` : `${kib}Ki`;

export class DeviceSetup {
  private readonly stuck = new Map<string, { name: string | null; message: string }>();
  private readonly hugepages = new Map<string, AppliedHugepages>();
  private hugepagesChanged = false;
  /** Whether the last reconcile ended with nothing left to do: no override can be stale (see readFacts). */
  private settled = false;

  constructor(
    private readonly opts: SetupOptions,
    private readonly deps: SetupDeps,
  ) {}

  async reconcile(input: SetupInput): Promise<SetupResult> {
    const { host, writer } = this.deps;
    const failures = new Map<string, string>();
    const triedHugepages = new Set<string>();
    const evictionNotes: string[] = [];
    const hugepageErrors: string[] = [];
    let changed = false;
    let plan: HostPlan | undefined;
    let pending = new Set<string>();
    let rounds = 0;
    for (; rounds < (this.opts.maxRounds ?? 3); rounds++) {
      plan = await this.planRound(input, rounds);
      if (rounds === 0) await this.evict(plan, evictionNotes);
      const todo: HostPlan = {
        ...plan,
        pfs: plan.pfs.filter((pf) => !failures.has(pf.pciAddress)),
        hugepages: plan.hugepages.filter((h) => !triedHugepages.has(`${h.numaNode}/${h.sizeKiB}`)),
      };
      pending = new Set(
        todo.pfs.filter((pf) => pf.outcome !== 'Failed' && pf.steps.length > 0).map((pf) => pf.pciAddress),
      );
      if (stepCount({ ...todo, pfs: todo.pfs.filter((pf) => pending.has(pf.pciAddress)) }) === 0) break;
      changed = true;
      this.settled = false;
      const applied = await applyPlan(
        todo,
        {
          host,
          writer,
          waitMs: this.opts.waitMs,
          sleep,
          ...(this.deps.beforeWrite ? { beforeWrite: this.deps.beforeWrite } : {}),
        },
        this.opts.parallelism,
      );
      this.note(applied, plan, failures);
      for (const h of todo.hugepages) triedHugepages.add(`${h.numaNode}/${h.sizeKiB}`);
      hugepageErrors.push(...applied.hugepageErrors);
    }
    const last = plan as HostPlan;
    // Set only once the loop ended on an empty plan; a crash (an exception) leaves it false for the next run.
    this.settled = pending.size === 0 && failures.size === 0;
    for (const s of this.stuck.keys()) pending.delete(s);
    const report = syncReport({
      plan: { ...last, pfs: last.pfs.filter((pf) => !this.stuck.has(pf.pciAddress)) },
      failures,
      stuck: this.stuck,
      pending,
      evictionNotes,
      hugepages: [...this.hugepages.values()].sort(
        (a, b) => a.numaNode - b.numaNode || (a.pageSize < b.pageSize ? -1 : 1),
      ),
      hugepageErrors,
      hugepagesChanged: this.hugepagesChanged,
    });
    return { ...report, changed, generations: last.generations, plan: last, rounds };
  }

  /** Ends the writer's children. */
  close(): Promise<void> {
    return this.deps.writer.close();
  }

  /** Observes (or takes the caller's fresh observation in the first round), reads the facts, plans. */
  private async planRound(input: SetupInput, round: number): Promise<HostPlan> {
    const host = this.deps.host;
    const observed = round === 0 && input.observed ? input.observed : await observeHost(host);
    const pfs = observed.pfs.filter((pf) => !this.stuck.has(pf.pciAddress));
    const facts = await readFacts(host, pfs, { overrides: !this.settled || round > 0 });
    return planHost({
      policies: input.policies,
      allocations: input.allocations,
      ...(input.nodeLabels ? { nodeLabels: input.nodeLabels } : {}),
      observed: { ...observed, pfs },
      facts,
      evict: this.opts.evict,
      ...(this.opts.resourcePrefix ? { resourcePrefix: this.opts.resourcePrefix } : {}),
    });
  }

  /** Keeps what an apply round tells: failed and stuck PFs, hugepages granted. */
  private note(applied: Applied, plan: HostPlan, failures: Map<string, string>): void {
    for (const pf of applied.pfs) {
      if (pf.result === 'failed') failures.set(pf.pciAddress, pf.message ?? 'failed');
      if (pf.result === 'stuck')
        this.stuck.set(pf.pciAddress, {
          name: plan.pfs.find((p) => p.pciAddress === pf.pciAddress)?.name ?? null,
          message: pf.message ?? 'stuck',
        });
    }
    for (const h of applied.hugepages) {
      this.hugepagesChanged = true;
      this.hugepages.set(`${h.numaNode}/${h.sizeKiB}`, {
        numaNode: h.numaNode,
        pageSize: sizeName(h.sizeKiB),
        requested: h.requested,
        granted: h.granted,
      });
    }
  }

  private async evict(plan: HostPlan, notes: string[]): Promise<void> {
    const evictor = this.deps.evictor;
    for (const pf of plan.pfs) {
      if (pf.outcome !== 'Evict') continue;
      if (!evictor) {
        notes.push(
          `cannot evict ${pf.pods.map((p) => `${p.namespace}/${p.name}`).join(', ')}: the agent has no API access`,
        );
        continue;
      }
      for (const pod of pf.pods) {
        const r = await evictor.evict(pod);
        if (r.result === 'blocked' || r.result === 'failed') notes.push(r.message);
      }
    }
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
