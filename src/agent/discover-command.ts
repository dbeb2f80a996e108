/**
 * `wirespeed discover`: what the agent sees on a host, offline: PFs, VFs, NUMA nodes, drivers, and the pools
 * the given NetworkNodePolicies make. `-o json` prints `{"interfaces":[...]}` in exactly the shape of
 * NodeNetworkState `status.interfaces`; with `--policies` it adds `pools` and `policies` (what each policy is
 * told). Discovery and selection are imported when the command runs.
 */
import { stat } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { NetworkNodePolicy } from '../api/wirespeed-v1alpha1.js';
import { CommandExit, EXIT, UsageError } from '../cli/errors.js';
import { objectsOfKind, readObjects } from '../cli/objects.js';
import type { ObservedHost } from '../core/host/observed.js';
import type { PoolSelection } from '../core/pools/select-pools.js';

export interface DiscoverFlags {
  root: string;
  policies?: string;
  nodeLabels?: Record<string, string>;
  resourcePrefix: string;
  output: 'table' | 'json';
}

export function parseNodeLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const m = /^([A-Za-z0-9][-A-Za-z0-9_./]{0,315})=([-A-Za-z0-9_.]{0,63})$/.exec(part);
    if (!m)
      throw new InvalidArgumentError(
        `"${part}" is not a label key=value, e.g. kubernetes.io/hostname=node-1`,
      );
    labels[m[1] as string] = m[2] as string;
  }
  return labels;
}

export function discoverCommand(): Command {
  const command = new Command('discover')
    .description(
      "Show what the agent sees on a host: SR-IOV PFs and VFs, NUMA nodes, drivers, and the policies' pools",
    )
    .option(
      '--root <dir>',
      'the host root: / on this machine, or a simulated host (wirespeed sim-host create)',
      '/',
    )
    .option(
      '--policies <file>',
      'NetworkNodePolicies, YAML or JSON, one or more documents or a List ("-" for stdin)',
    )
    .addOption(
      new Option(
        '--node-labels <k=v,...>',
        "the node's labels for the policies' nodeSelectors (default: every policy applies)",
      ).argParser(parseNodeLabels),
    )
    .option('--resource-prefix <domain>', 'the prefix of a resourceName without one', 'wirespeed.io')
    .addOption(
      new Option('-o, --output <format>', 'what to print').choices(['table', 'json']).default('table'),
    );
  command.addHelpText(
    'after',
    `
Exit codes: 0 done, 3 a policy is invalid or overlaps another at the same priority (conditions printed),
2 unreadable input.

Examples:
  wirespeed sim-host create /tmp/host --pfs 2 --vfs 8 --numvfs 8
  wirespeed discover --root /tmp/host
  wirespeed discover --root /tmp/host --policies policies.yaml --node-labels zone=a -o json
  kubectl get networknodepolicies -n wirespeed -o yaml | sudo wirespeed discover --policies -`,
  );
  command.action(async (flags: DiscoverFlags) => {
    await runDiscover(flags, (t) => process.stdout.write(t));
  });
  return command;
}

export async function runDiscover(flags: DiscoverFlags, out: (text: string) => void): Promise<void> {
  const { resourcePrefixProblem } = await import('../core/pools/policy.js');
  const prefixProblem = resourcePrefixProblem(flags.resourcePrefix);
  if (prefixProblem) throw new UsageError(`--resource-prefix ${prefixProblem}`);
  const isDir = await stat(flags.root).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new UsageError(`--root ${flags.root} is not a directory`);
  const source = flags.policies === '-' ? 'standard input' : flags.policies;
  const policies =
    flags.policies === undefined
      ? []
      : objectsOfKind<NetworkNodePolicy>(
          await readObjects(flags.policies),
          'NetworkNodePolicy',
          source as string,
        );
  const { rootedHost } = await import('./host/rooted-host.js');
  const { observeHost } = await import('./observe.js');
  const { selectPools } = await import('../core/pools/select-pools.js');
  const { interfacesStatus } = await import('../core/pools/interfaces.js');
  const observed = await observeHost(rootedHost(flags.root));
  const selection = selectPools({
    observed,
    policies,
    resourcePrefix: flags.resourcePrefix,
    ...(flags.nodeLabels ? { nodeLabels: flags.nodeLabels } : {}),
  });
  const interfaces = interfacesStatus(observed, selection.pools);
  if (flags.output === 'json') {
    const body = flags.policies === undefined ? { interfaces } : { interfaces, ...selection };
    out(`${JSON.stringify(body, null, 2)}\n`);
  } else out(formatTable(observed, selection, interfaces));
  if (selection.policies.some(refused)) throw new CommandExit(EXIT.denied);
}

/** Invalid, or overlapping another policy at the same priority, or asking a second device type for a pool. */
const refused = (p: PoolSelection['policies'][number]) =>
  p.conditions.some(
    (c) =>
      (c.type === 'Valid' && c.status === 'False') ||
      (c.type === 'Conflict' && (c.reason === 'OverlappingVfRange' || c.reason === 'ConflictingDeviceType')),
  );

function formatTable(
  observed: ObservedHost,
  selection: PoolSelection,
  interfaces: ReturnType<typeof import('../core/pools/interfaces.js').interfacesStatus>,
): string {
  const blocks: string[] = [];
  if (interfaces.length === 0)
    blocks.push('no SR-IOV PF (a PCI network device with sriov_totalvfs) on this host\n');
  for (const [i, pf] of interfaces.entries()) {
    const inferred = observed.pfs[i]?.numaInferred ? '*' : '';
    blocks.push(
      columns([
        ['PF', 'NAME', 'ID', 'DRIVER', 'NUMA', 'VFS', 'LINK', 'MTU'],
        [
          pf.pciAddress,
          pf.name ?? '-',
          `${pf.vendor}:${pf.deviceID}`,
          pf.driver ?? '-',
          `${pf.numaNode}${inferred}`,
          `${pf.numVfs}/${pf.totalVfs}`,
          pf.linkState,
          `${pf.mtu ?? '-'}`,
        ],
      ]) +
        (pf.vfs.length === 0
          ? ''
          : columns(
              [
                ['VF', 'PCI', 'DRIVER', 'IOMMU', 'NETDEV', 'POOL'],
                ...pf.vfs.map((v) => [
                  `${v.vfID}`,
                  v.pciAddress,
                  v.driver ?? '-',
                  `${v.iommuGroup ?? '-'}`,
                  v.netdev ?? '-',
                  v.pool ?? '-',
                ]),
              ],
              '  ',
            )),
    );
  }
  if (observed.pfs.some((p) => p.numaInferred))
    blocks.push('* NUMA node inferred: the kernel reports none and the host has one NUMA node\n');
  blocks.push(numaTable(observed));
  if (selection.pools.length > 0) blocks.push(poolTable(selection));
  if (selection.policies.length > 0) blocks.push(policyLines(selection));
  return blocks.join('\n');
}

function numaTable(observed: ObservedHost): string {
  if (observed.numaNodes.length === 0) return 'no NUMA nodes reported (a kernel without NUMA)\n';
  return columns([
    ['NUMA', 'CPUS', 'MEMORY', 'HUGEPAGES (total/free)'],
    ...observed.numaNodes.map((n) => [
      `${n.id}`,
      n.cpus || '-',
      n.memTotalKiB === null ? '-' : `${(n.memTotalKiB / 1048576).toFixed(1)} GiB`,
      n.hugepages.map((h) => `${h.sizeKiB}kB ${h.total}/${h.free}`).join(', ') || '-',
    ]),
  ]);
}

function poolTable(selection: PoolSelection): string {
  const rows = selection.pools.map((pool) => {
    const byNuma = new Map<number, { all: number; healthy: number }>();
    for (const d of pool.devices) {
      const n = byNuma.get(d.numaNode) ?? { all: 0, healthy: 0 };
      n.all++;
      if (d.healthy) n.healthy++;
      byNuma.set(d.numaNode, n);
    }
    const counts = [...byNuma.entries()].sort((a, b) => a[0] - b[0]);
    return [
      pool.resourceName,
      pool.deviceType,
      counts.map(([numa, n]) => `NUMA ${numa}: ${n.healthy}/${n.all}`).join(', ') || 'no devices',
    ];
  });
  const unhealthy = selection.pools.flatMap((p) =>
    p.devices.filter((d) => !d.healthy).map((d) => `  ${d.id} ${p.resourceName}: ${d.unhealthyReason}\n`),
  );
  return (
    columns([['POOL', 'TYPE', 'HEALTHY/DEVICES'], ...rows]) +
    (unhealthy.length === 0
      ? ''
      : `unhealthy:\n${unhealthy.slice(0, 20).join('')}${unhealthy.length > 20 ? `  and ${unhealthy.length - 20} more\n` : ''}`)
  );
}

function policyLines(selection: PoolSelection): string {
  return selection.policies
    .map((p) => {
      const lines = p.conditions
        .filter(
          (c) =>
            !(c.type === 'Valid' && c.status === 'True') && !(c.type === 'Conflict' && c.status === 'False'),
        )
        .map((c) => `  ${c.type}=${c.status} ${c.reason}: ${c.message}\n`);
      return `policy ${p.policy}: ${p.applied ? 'applied' : 'not applied'}\n${lines.join('')}`;
    })
    .join('');
}

function columns(rows: string[][], indent = ''): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map(
      (r) => `${indent}${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}\n`,
    )
    .join('');
}
