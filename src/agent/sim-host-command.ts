/**
 * `wirespeed sim-host create DIR`: a simulated host (a directory laid out like /sys) for tests, the demo and
 * trying `wirespeed discover` or the agent without SR-IOV hardware. Flags only; the builder is imported when run.
 */
import { Command, Option } from 'commander';
import { UsageError } from '../cli/errors.js';
import { intOption } from '../cli/flags.js';
import { SIM_LIMITS, SIM_VENDOR_NAMES, type SimVendor } from './host/simulated/layout.js';

export interface SimHostCreateFlags {
  pfs: number;
  vfs: number;
  numa: number;
  vendor: SimVendor;
  numvfs?: number;
  cpus?: number;
  unreportedNuma?: boolean;
  iommu: boolean;
  force?: boolean;
}

export function simHostCommand(): Command {
  const create = new Command('create')
    .description(
      'Build a simulated host in DIR: SR-IOV PFs (and VFs) under sys/bus/pci, NUMA nodes, hugepages',
    )
    .argument('<dir>', 'an empty directory (created when missing)')
    .addOption(
      intOption('--pfs <n>', 'SR-IOV PFs, spread over the NUMA nodes round-robin', 4, 0, SIM_LIMITS.pfs),
    )
    .addOption(intOption('--vfs <n>', "every PF's sriov_totalvfs", 16, 0, SIM_LIMITS.vfs))
    .addOption(intOption('--numa <n>', 'NUMA nodes', 2, 1, SIM_LIMITS.numa))
    .addOption(
      new Option(
        '--vendor <vendor>',
        'intel: i40e PF 8086:158b, iavf VFs 154c; mellanox: mlx5_core 15b3:101d, VFs 101e',
      )
        .choices(SIM_VENDOR_NAMES)
        .default('intel'),
    )
    .addOption(
      intOption(
        '--numvfs <n>',
        'VFs already created on every PF, bound to the VF driver (default none)',
        0,
        0,
        SIM_LIMITS.vfs,
      ).default(undefined),
    )
    .addOption(
      intOption(
        '--cpus <n>',
        'CPUs, split into contiguous blocks per NUMA node (default 2 per node)',
        0,
        1,
        SIM_LIMITS.cpus,
      ).default(undefined),
    )
    .option('--unreported-numa', "every PF's numa_node reads -1, as on firmware that reports none")
    .option('--no-iommu', 'no IOMMU: no iommu_group links, /sys/class/iommu empty')
    .option('--force', 'replace a simulated host already in DIR (nothing else in DIR is touched)');
  create.addHelpText(
    'after',
    `
Exit codes: 0 created, 2 bad flags or DIR not empty.

Examples:
  wirespeed sim-host create /tmp/host --pfs 4 --vfs 16 --numa 2
  wirespeed sim-host create /tmp/host --pfs 2 --vfs 8 --numvfs 8 --vendor mellanox --force
  wirespeed discover --root /tmp/host`,
  );
  create.action(async (dir: string, flags: SimHostCreateFlags) => {
    await runSimHostCreate(dir, flags, (t) => process.stdout.write(t));
  });
  return new Command('sim-host')
    .description('Simulated SR-IOV hosts (directories laid out like /sys) for tests and the demo')
    .addCommand(create);
}

export async function runSimHostCreate(dir: string, flags: SimHostCreateFlags, out: (text: string) => void) {
  if (flags.numvfs !== undefined && flags.numvfs > flags.vfs)
    throw new UsageError(
      `--numvfs ${flags.numvfs} is more than --vfs ${flags.vfs} (each PF's sriov_totalvfs)`,
    );
  if (flags.cpus !== undefined && flags.cpus < flags.numa)
    throw new UsageError(
      `--cpus ${flags.cpus} leaves a NUMA node without CPUs; give at least --numa (${flags.numa})`,
    );
  const { simulatedLayout } = await import('./host/simulated/layout.js');
  const { createSimulatedHost, SimulatedHostError } = await import('./host/simulated/simulated-host.js');
  const layout = simulatedLayout({
    pfs: flags.pfs,
    vfs: flags.vfs,
    numa: flags.numa,
    vendor: flags.vendor,
    ...(flags.numvfs !== undefined ? { numVfs: flags.numvfs } : {}),
    ...(flags.cpus !== undefined ? { cpus: flags.cpus } : {}),
    unreportedNuma: flags.unreportedNuma === true,
    iommu: flags.iommu,
  });
  try {
    await createSimulatedHost(dir, layout, { force: flags.force === true });
  } catch (err) {
    if (err instanceof SimulatedHostError) throw new UsageError(err.message);
    throw err;
  }
  const pf = layout.pfs[0];
  out(
    `simulated host in ${dir}: ${flags.pfs} PFs` +
      (pf
        ? ` (${flags.vendor} ${pf.vendor}:${pf.deviceID} on ${pf.driver}, VFs ${pf.vfDeviceID} on ${pf.vfDriver})`
        : '') +
      `, sriov_totalvfs ${flags.vfs}, ${flags.numvfs ?? 0} VFs created per PF, ${flags.numa} NUMA nodes\n`,
  );
  for (const p of layout.pfs) out(`  ${p.pciAddress}  ${p.name}  NUMA node ${p.numaNode}\n`);
}
