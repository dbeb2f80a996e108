import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  distanceLine,
  hostLayout,
  parseCpuList,
  rangeText,
  simulatedHugepages,
  simulatedNumaNodes,
  spreadCpus,
  writeHugepagesTree,
  writeNumaTree,
} from './numa.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wirespeed-numa-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const read = (...parts: string[]): string => readFileSync(join(dir, ...parts), 'utf8');

function simHostNodes(ids: number[], hugepages: Record<number, string> = {}): string {
  const root = join(dir, 'host');
  for (const id of ids) {
    const node = join(root, 'sys', 'devices', 'system', 'node', `node${id}`);
    mkdirSync(node, { recursive: true });
    const pages = hugepages[id];
    if (pages !== undefined) {
      mkdirSync(join(node, 'hugepages', 'hugepages-2048kB'), { recursive: true });
      writeFileSync(join(node, 'hugepages', 'hugepages-2048kB', 'nr_hugepages'), pages);
    }
  }
  return root;
}

describe('spreadCpus', () => {
  it.each([
    { cpus: [0, 1], nodes: 2, want: [[0], [1]] },
    {
      cpus: [0, 1, 2, 3],
      nodes: 2,
      want: [
        [0, 2],
        [1, 3],
      ],
    },
    { cpus: [0, 1], nodes: 1, want: [[0, 1]] },
    { cpus: [0, 1], nodes: 3, want: [[0], [1], []] },
    { cpus: [4, 5, 6], nodes: 2, want: [[4, 6], [5]] },
  ])('$cpus over $nodes nodes', ({ cpus, nodes, want }) => {
    expect(spreadCpus(cpus, nodes)).toEqual(want);
  });
});

describe('parseCpuList', () => {
  it('reads ranges and single CPUs', () => {
    expect(parseCpuList('0-3,8,10-11\n')).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(parseCpuList('0')).toEqual([0]);
  });
  it.each(['a', '3-1', '0-1,x', '-1'])('rejects %j', (text) => {
    expect(() => parseCpuList(text)).toThrow(`not a cpulist: ${JSON.stringify(text)}`);
  });
});

describe('rangeText and distanceLine', () => {
  it('write node ranges and distances as the kernel does', () => {
    expect(rangeText(1)).toBe('0');
    expect(rangeText(4)).toBe('0-3');
    expect(distanceLine(0, 2)).toBe('10 20');
    expect(distanceLine(2, 3)).toBe('20 20 10');
  });
});

describe('writeNumaTree', () => {
  it('lays out cpu links to the real sysfs, cpulist, distance, meminfo, hugepages and the node masks', () => {
    const tree = join(dir, 'tree');
    writeNumaTree(
      tree,
      { cpus: [[0], [1], []], memTotalKb: 4096, hugepages: [{ 'hugepages-2048kB': 8 }, {}, {}] },
      '/fake-sys',
    );
    expect(readdirSync(tree).sort()).toEqual([
      'has_cpu',
      'has_memory',
      'has_normal_memory',
      'node0',
      'node1',
      'node2',
      'online',
      'possible',
    ]);
    expect(read('tree', 'online')).toBe('0-2\n');
    expect(read('tree', 'has_cpu')).toBe('0,1\n');
    expect(readlinkSync(join(tree, 'node1', 'cpu1'))).toBe('/fake-sys/devices/system/cpu/cpu1');
    expect(readdirSync(join(tree, 'node2')).sort()).toEqual(['cpulist', 'distance', 'meminfo']);
    expect(read('tree', 'node0', 'cpulist')).toBe('0\n');
    expect(read('tree', 'node1', 'distance')).toBe('20 10 20\n');
    expect(read('tree', 'node1', 'meminfo')).toBe(
      'Node 1 MemTotal:     4096 kB\nNode 1 MemFree:     4096 kB\nNode 1 MemUsed:        0 kB\n',
    );
    expect(read('tree', 'node0', 'hugepages', 'hugepages-2048kB', 'nr_hugepages')).toBe('8\n');
    expect(read('tree', 'node0', 'hugepages', 'hugepages-2048kB', 'free_hugepages')).toBe('8\n');
  });
});

describe('writeHugepagesTree', () => {
  it("sums the nodes' pages per size, as /sys/kernel/mm/hugepages has them, and writes nothing without sizes", () => {
    const layout = (hugepages: Record<string, number>[]) => ({
      cpus: [[0], [1]],
      memTotalKb: 1024,
      hugepages,
    });
    const written = writeHugepagesTree(
      join(dir, 'mm'),
      layout([{ 'hugepages-1048576kB': 4, 'hugepages-2048kB': 0 }, { 'hugepages-1048576kB': 2 }]),
    );
    expect(written).toBe(true);
    expect(readdirSync(join(dir, 'mm')).sort()).toEqual(['hugepages-1048576kB', 'hugepages-2048kB']);
    expect(read('mm', 'hugepages-1048576kB', 'nr_hugepages')).toBe('6\n');
    expect(read('mm', 'hugepages-1048576kB', 'free_hugepages')).toBe('6\n');
    expect(read('mm', 'hugepages-1048576kB', 'resv_hugepages')).toBe('0\n');
    expect(read('mm', 'hugepages-2048kB', 'nr_hugepages')).toBe('0\n');
    expect(writeHugepagesTree(join(dir, 'none'), layout([{}, {}]))).toBe(false);
    expect(readdirSync(dir)).toEqual(['mm']);
  });
});

describe('hostLayout', () => {
  function fakeHost(online: string, memTotalKb: number): { sys: string; meminfo: string } {
    const sys = join(dir, 'sys');
    mkdirSync(join(sys, 'devices', 'system', 'cpu'), { recursive: true });
    writeFileSync(join(sys, 'devices', 'system', 'cpu', 'online'), `${online}\n`);
    const meminfo = join(dir, 'meminfo');
    writeFileSync(meminfo, `MemTotal:       ${memTotalKb} kB\nMemFree:        10 kB\n`);
    return { sys, meminfo };
  }

  it('splits the online CPUs round-robin and the memory evenly', () => {
    const { sys, meminfo } = fakeHost('0-1', 8_743_117);
    expect(hostLayout(2, undefined, sys, meminfo)).toEqual({
      cpus: [[0], [1]],
      memTotalKb: 4_371_558,
      hugepages: [{}, {}],
    });
  });

  it.each([0, 9, 1.5])('rejects %j NUMA nodes', (n) => {
    expect(() => hostLayout(n)).toThrow(`numaNodes must be an integer from 1 to 8, got ${n}`);
  });

  it('names a meminfo without MemTotal', () => {
    const { sys } = fakeHost('0', 1);
    const meminfo = join(dir, 'bad-meminfo');
    writeFileSync(meminfo, 'MemFree: 1 kB\n');
    expect(() => hostLayout(1, undefined, sys, meminfo)).toThrow(`${meminfo} has no MemTotal line`);
  });
});

describe('simulated hosts', () => {
  it('counts the NUMA nodes and reads their hugepages', () => {
    const root = simHostNodes([1, 0, 2], { 0: '4\n', 2: 'junk' });
    writeFileSync(join(root, 'sys', 'devices', 'system', 'node', 'online'), '0-2\n');
    expect(simulatedNumaNodes(root)).toEqual([0, 1, 2]);
    expect(simulatedHugepages(root, 3)).toEqual([{ 'hugepages-2048kB': 4 }, {}, { 'hugepages-2048kB': 0 }]);
  });

  it('names a host without a node directory', () => {
    const root = join(dir, 'empty-host');
    const nodeDir = join(root, 'sys', 'devices', 'system', 'node');
    expect(() => simulatedNumaNodes(root)).toThrow(
      `simulated host ${root} has no ${nodeDir}; create it with \`wirespeed sim-host create\``,
    );
    mkdirSync(nodeDir, { recursive: true });
    expect(() => simulatedNumaNodes(root)).toThrow(
      `simulated host ${root} has no NUMA node under ${nodeDir}`,
    );
  });

  it('rejects NUMA node ids with a gap', () => {
    const root = simHostNodes([0, 2]);
    expect(() => simulatedNumaNodes(root)).toThrow(
      `simulated host ${root} has NUMA nodes 0,2; expected 0..1`,
    );
  });
});
