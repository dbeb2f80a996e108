import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The kubelet's NUMA view comes from cadvisor, which reads `/sys/devices/system/node/node<N>/`: the `cpu<K>`
 * entries (followed to `topology/core_id` and `physical_package_id`), `meminfo` (a `Node N MemTotal:` line),
 * `distance` and `hugepages/`. A real node runs its kubelet over a tree made here, bind-mounted over that
 * directory in the kubelet's mount namespace, so one machine looks like several NUMA nodes.
 */

/** The topology manager refuses machines with more NUMA nodes than this unless told otherwise. */
export const MAX_NUMA_NODES = 8;

export interface NumaLayout {
  /** CPU ids per NUMA node, index = node id. */
  cpus: number[][];
  /** MemTotal per node in kB. */
  memTotalKb: number;
  /** Hugepage sizes (e.g. `hugepages-2048kB`) and their page count per node, index = node id. */
  hugepages: Record<string, number>[];
}

/** Online CPUs spread round-robin: on 2 CPUs and 2 nodes, node0 = cpu0 and node1 = cpu1. */
export function spreadCpus(onlineCpus: readonly number[], numaNodes: number): number[][] {
  const nodes: number[][] = Array.from({ length: numaNodes }, () => []);
  onlineCpus.forEach((cpu, i) => {
    nodes[i % numaNodes]?.push(cpu);
  });
  return nodes;
}

/** A kernel cpulist (`0-3,8,10-11`) as CPU ids; throws on text that is not one. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`not a cpulist: ${JSON.stringify(text.trim())}`);
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (last < first || last - first > 4096) throw new Error(`not a cpulist: ${JSON.stringify(text.trim())}`);
    for (let cpu = first; cpu <= last; cpu++) cpus.push(cpu);
  }
  return cpus;
}

/** Node ids as a cpulist-style range text (`0-1`), as the kernel writes `online` and `possible`. */
export function rangeText(count: number): string {
  return count === 1 ? '0' : `0-${count - 1}`;
}

/** The `distance` line of node `id` among `count`: 10 to itself, 20 to every other node. */
export function distanceLine(id: number, count: number): string {
  return Array.from({ length: count }, (_, j) => (j === id ? '10' : '20')).join(' ');
}

/** The NUMA node ids of a simulated host rooted at `hostRoot` (`<root>/sys/devices/system/node/node<N>`). */
export function simulatedNumaNodes(hostRoot: string): number[] {
  const dir = join(hostRoot, 'sys', 'devices', 'system', 'node');
  if (!existsSync(dir)) {
    throw new Error(`simulated host ${hostRoot} has no ${dir}; create it with \`wirespeed sim-host create\``);
  }
  const ids = readdirSync(dir)
    .map((name) => /^node(\d+)$/.exec(name)?.[1])
    .filter((id): id is string => id !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  if (ids.length === 0) throw new Error(`simulated host ${hostRoot} has no NUMA node under ${dir}`);
  // cadvisor numbers the zones by directory name; a gap would give the kubelet ids the host does not have.
  if (ids.some((id, i) => id !== i)) {
    throw new Error(
      `simulated host ${hostRoot} has NUMA nodes ${ids.join(',')}; expected 0..${ids.length - 1}`,
    );
  }
  return ids;
}

/** Per-node hugepage counts of a simulated host, read from `nodeN/hugepages/<size>/nr_hugepages`. */
export function simulatedHugepages(hostRoot: string, count: number): Record<string, number>[] {
  return Array.from({ length: count }, (_, id) => {
    const dir = join(hostRoot, 'sys', 'devices', 'system', 'node', `node${id}`, 'hugepages');
    const pages: Record<string, number> = {};
    if (!existsSync(dir)) return pages;
    for (const size of readdirSync(dir)) {
      if (!/^hugepages-\d+kB$/.test(size)) continue;
      const text = readOptional(join(dir, size, 'nr_hugepages'));
      const n = Number(text?.trim() ?? '0');
      pages[size] = Number.isInteger(n) && n >= 0 ? n : 0;
    }
    return pages;
  });
}

/** The layout of `numaNodes` nodes over this machine's online CPUs and memory (`sys` is the real `/sys`). */
export function hostLayout(
  numaNodes: number,
  hugepages?: Record<string, number>[],
  sys = '/sys',
  meminfo = '/proc/meminfo',
): NumaLayout {
  if (!Number.isInteger(numaNodes) || numaNodes < 1 || numaNodes > MAX_NUMA_NODES) {
    throw new Error(`numaNodes must be an integer from 1 to ${MAX_NUMA_NODES}, got ${numaNodes}`);
  }
  const online = parseCpuList(readFileSync(join(sys, 'devices', 'system', 'cpu', 'online'), 'utf8'));
  const total = /^MemTotal:\s+(\d+) kB$/m.exec(readFileSync(meminfo, 'utf8'))?.[1];
  if (total === undefined) throw new Error(`${meminfo} has no MemTotal line`);
  return {
    cpus: spreadCpus(online, numaNodes),
    memTotalKb: Math.floor(Number(total) / numaNodes),
    hugepages: hugepages ?? Array.from({ length: numaNodes }, () => ({})),
  };
}

/**
 * Writes the node tree for `layout` into `dir` (which becomes `/sys/devices/system/node`). Each `cpu<K>` is a
 * symlink to the real `<sys>/devices/system/cpu/cpu<K>`, which cadvisor follows for the core and socket ids.
 */
export function writeNumaTree(dir: string, layout: NumaLayout, sys = '/sys'): void {
  const count = layout.cpus.length;
  mkdirSync(dir, { recursive: true });
  const all = rangeText(count);
  const withCpus = layout.cpus.flatMap((cpus, id) => (cpus.length > 0 ? [id] : [])).join(',');
  for (const file of ['online', 'possible', 'has_memory', 'has_normal_memory']) {
    writeFileSync(join(dir, file), `${all}\n`);
  }
  writeFileSync(join(dir, 'has_cpu'), `${withCpus}\n`);
  layout.cpus.forEach((cpus, id) => {
    const node = join(dir, `node${id}`);
    mkdirSync(node);
    for (const cpu of cpus)
      symlinkSync(join(sys, 'devices', 'system', 'cpu', `cpu${cpu}`), join(node, `cpu${cpu}`));
    writeFileSync(join(node, 'cpulist'), `${cpus.join(',')}\n`);
    writeFileSync(join(node, 'distance'), `${distanceLine(id, count)}\n`);
    const kb = layout.memTotalKb;
    writeFileSync(
      join(node, 'meminfo'),
      `Node ${id} MemTotal: ${pad(kb)} kB\nNode ${id} MemFree: ${pad(kb)} kB\nNode ${id} MemUsed: ${pad(0)} kB\n`,
    );
    for (const [size, pages] of Object.entries(layout.hugepages[id] ?? {})) {
      const hp = join(node, 'hugepages', size);
      mkdirSync(hp, { recursive: true });
      for (const file of ['nr_hugepages', 'free_hugepages']) writeFileSync(join(hp, file), `${pages}\n`);
      writeFileSync(join(hp, 'surplus_hugepages'), '0\n');
    }
  });
}

/**
 * The kubelet's hugepages capacity comes from cadvisor's machine-wide `/sys/kernel/mm/hugepages/hugepages-<size>/
 * nr_hugepages`, not from the node tree: this writes that directory with the layout's pages summed over the NUMA
 * nodes, for `node-namespace.sh` to bind over the real one. Writes nothing (and returns false) when the layout
 * has no hugepage sizes, so the kubelet then sees the machine's own.
 */
export function writeHugepagesTree(dir: string, layout: NumaLayout): boolean {
  const total = new Map<string, number>();
  for (const node of layout.hugepages)
    for (const [size, pages] of Object.entries(node)) total.set(size, (total.get(size) ?? 0) + pages);
  if (total.size === 0) return false;
  for (const [size, pages] of total) {
    const hp = join(dir, size);
    mkdirSync(hp, { recursive: true });
    for (const file of ['nr_hugepages', 'free_hugepages']) writeFileSync(join(hp, file), `${pages}\n`);
    for (const file of ['nr_overcommit_hugepages', 'resv_hugepages', 'surplus_hugepages'])
      writeFileSync(join(hp, file), '0\n');
  }
  return true;
}

function pad(kb: number): string {
  return String(kb).padStart(8);
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
