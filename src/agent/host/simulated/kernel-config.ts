/**
 * What a test asks of the simulated kernel, kept in a file beside the tree (`SIM_KERNEL_FILE`) rather than in
 * memory, so every process writing to the host (the agent's writer children, a test, the demo) sees the same
 * faults: a write to a matching path fails with an errno, is slow, or hangs until its process is killed; and
 * how many hugepages each NUMA node can still grant ("fragmented" memory).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Host-absolute, outside `/sys`: discovery never reads it. */
export const SIM_KERNEL_FILE = '/wirespeed-sim/kernel.json';

export interface KernelFault {
  /** The fault applies to writes whose host path contains this text (e.g. `0000:18:00.0/sriov_numvfs`). */
  match: string;
  /** Fail with this errno (`EBUSY`, `ENODEV`, `EIO`, ...). */
  error?: string;
  /** Wait this long before reacting (a slow driver, as i40e creating 64 VFs). */
  delayMs?: number;
  /** Never return: the write blocks until its process is killed (a driver stuck in the kernel). */
  hang?: boolean;
}

export interface KernelConfig {
  faults?: KernelFault[];
  /** `"<numaNode>/<sizeKiB>"` → the most pages that node can hold of that size (fragmented memory). */
  hugepageLimits?: Record<string, number>;
}

export async function readKernelConfig(root: string): Promise<KernelConfig> {
  try {
    return JSON.parse(await readFile(resolve(root) + SIM_KERNEL_FILE, 'utf8')) as KernelConfig;
  } catch {
    return {};
  }
}

export async function writeKernelConfig(root: string, config: KernelConfig): Promise<void> {
  const file = resolve(root) + SIM_KERNEL_FILE;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
}

/** Sets the faults, keeping the rest of the configuration; `[]` clears them. */
export async function setKernelFaults(root: string, faults: KernelFault[]): Promise<void> {
  await writeKernelConfig(root, { ...(await readKernelConfig(root)), faults });
}

export async function setHugepageLimit(
  root: string,
  numaNode: number,
  sizeKiB: number,
  pages: number,
): Promise<void> {
  const config = await readKernelConfig(root);
  await writeKernelConfig(root, {
    ...config,
    hugepageLimits: { ...config.hugepageLimits, [`${numaNode}/${sizeKiB}`]: pages },
  });
}

export const faultFor = (config: KernelConfig, path: string): KernelFault | undefined =>
  config.faults?.find((f) => path.includes(f.match));
