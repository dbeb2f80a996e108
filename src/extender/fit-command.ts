/**
 * `wirespeed fit`: the extender's decision, offline. Reads a Pod and NodeNetworkState objects and prints, per
 * node, whether the pod fits, on which NUMA node the kubelet would put its devices, the score and the reason,
 * from the same core as the server (src/core/fit).
 */
import { Command, Option } from 'commander';
import type { Pod } from '../api/core-v1.js';
import type { NodeNetworkState } from '../api/wirespeed-v1alpha1.js';
import { CommandExit, EXIT, UsageError } from '../cli/errors.js';
import { objectsOfKind, readObjects } from '../cli/objects.js';
import { table } from '../cli/table.js';
import {
  type Demand,
  demandRecord,
  type Fit,
  fitNode,
  indexReport,
  type MissingReportPolicy,
  type NodeCapacity,
  podDemand,
  type ScoreStrategy,
} from '../core/fit/index.js';

export interface FitFlags {
  file: string;
  states: string;
  nodes?: string[];
  managedResources?: string[];
  score: ScoreStrategy;
  missingReport: MissingReportPolicy;
  output: 'table' | 'json';
}

/** What `-o json` prints (one line). */
export interface FitReport {
  pod: string;
  demand: Record<string, number>;
  nodes: { name: string; fits: boolean; numaNode: number | null; score: number; reason: string | null }[];
}

const list = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
];

export function fitCommand(): Command {
  const command = new Command('fit')
    .description('Decide offline where a pod fits: per node, NUMA-aligned fit, NUMA node, score and reason')
    .requiredOption('-f, --file <pod>', 'the Pod, YAML or JSON ("-" for standard input)')
    .requiredOption(
      '--states <file>',
      'NodeNetworkState objects: a List, an array or multi-document YAML ("-" for standard input)',
    )
    .option('--nodes <names>', 'nodes to decide for, comma-separated (default: the nodes of --states)', list)
    .option(
      '--managed-resources <names>',
      'more pools to decide on, comma-separated (every pool a state names is managed already)',
      list,
    )
    .addOption(
      new Option('--score <strategy>', 'tight: best fit on the chosen NUMA node; spread: most left over')
        .choices(['tight', 'spread'])
        .default('tight'),
    )
    .addOption(
      new Option('--missing-report <policy>', 'a node without a state: reject it, or allow it (fail open)')
        .choices(['reject', 'allow'])
        .default('reject'),
    )
    .addOption(
      new Option('-o, --output <format>', 'what to print').choices(['table', 'json']).default('table'),
    );
  command.addHelpText(
    'after',
    `
The kubelet's Topology Manager policy and scope come from each state's status.kubelet. A node named in
--nodes without a state does not fit ("no topology report"). Offline there is no agent Lease, so report
staleness is not checked: every state given is taken as current.

Exit codes: 0 some node fits, 3 no node fits, 2 unreadable input.

Examples:
  wirespeed fit -f pod.yaml --states states.yaml
  kubectl get nodenetworkstates -o yaml | wirespeed fit -f pod.yaml --states - --nodes worker-1,worker-2 -o json`,
  );
  command.action(async (flags: FitFlags) => {
    await runFit(flags, (text) => process.stdout.write(text));
  });
  return command;
}

/** Prints the decision; throws `UsageError` (exit 2) on unusable input, `CommandExit(3)` when no node fits. */
export async function runFit(flags: FitFlags, out: (text: string) => void): Promise<void> {
  if (flags.file === '-' && flags.states === '-')
    throw new UsageError('only one of --file and --states can read standard input');
  const pod = onePod(await readObjects(flags.file), flags.file);
  const states = statesByNode(await readObjects(flags.states), flags.states);
  const nodes = flags.nodes ?? [...states.keys()];
  if (flags.nodes?.length === 0) throw new UsageError('--nodes names no node');
  if (nodes.length === 0)
    throw new UsageError(
      `${flags.states} holds no NodeNetworkState and --nodes names none: nothing to decide`,
    );

  const managed = new Set(flags.managedResources ?? []);
  for (const capacity of states.values()) for (const pool of capacity?.pools.keys() ?? []) managed.add(pool);
  const demand = podDemand(pod, managed);
  if (!demand.ok) throw new UsageError(`${flags.file}: ${demand.problem.message}`);

  const options = { score: flags.score, missingReport: flags.missingReport };
  const fits = nodes.map((name) => ({
    name,
    fit: fitNode(demand.value, { capacity: states.get(name) }, options),
  }));
  const report: FitReport = {
    pod: `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name}`,
    demand: demandRecord(demand.value.pod),
    nodes: fits.map(({ name, fit }) => ({
      name,
      fits: fit.fits,
      numaNode: fit.numaNode,
      score: fit.score,
      reason: fit.reason,
    })),
  };
  out(flags.output === 'json' ? `${JSON.stringify(report)}\n` : render(report.pod, demand.value.pod, fits));
  if (!fits.some(({ fit }) => fit.fits)) throw new CommandExit(EXIT.denied);
}

function onePod(objects: unknown[], source: string): Pod {
  const pods = objectsOfKind<Pod>(objects, 'Pod', source);
  if (pods.length !== 1) throw new UsageError(`${source} must hold exactly one Pod, found ${pods.length}`);
  return pods[0]!;
}

/** Node name → its indexed report (undefined: a state without status, i.e. no report yet). */
function statesByNode(objects: unknown[], source: string): Map<string, NodeCapacity | undefined> {
  const out = new Map<string, NodeCapacity | undefined>();
  for (const state of objectsOfKind<NodeNetworkState>(objects, 'NodeNetworkState', source)) {
    const name = state.metadata.name;
    if (out.has(name)) throw new UsageError(`${source}: two NodeNetworkState objects are named ${name}`);
    const status = state.status as unknown;
    if (status !== undefined && (status === null || typeof status !== 'object' || Array.isArray(status)))
      throw new UsageError(`${source}: NodeNetworkState ${name} has a status that is not an object`);
    out.set(name, state.status ? indexReport(state.status) : undefined);
  }
  return out;
}

function render(pod: string, demand: Demand, fits: { name: string; fit: Fit }[]): string {
  const wants = [...demand].map(([pool, n]) => `${pool}=${n}`).join(', ') || 'no managed pool';
  const rows = [
    ['NODE', 'FITS', 'NUMA', 'SCORE', 'REASON'],
    ...fits.map(({ name, fit }) => [
      name,
      fit.fits ? 'yes' : 'no',
      fit.numaNode === null ? '-' : String(fit.numaNode),
      String(fit.score),
      fit.reason ?? '',
    ]),
  ];
  return `pod ${pod} needs ${wants}\n${table(rows).replace(/ +$/gm, '')}`;
}
