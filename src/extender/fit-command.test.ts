import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { container, nodeState, podOf } from '../../test/support/fit.js';
import { CommandExit, EXIT, UsageError } from '../cli/errors.js';
import { run } from '../cli/main.js';
import { type FitFlags, fitCommand, runFit } from './fit-command.js';

const A = 'intel.com/sriov_a';
const dir = mkdtempSync(join(tmpdir(), 'wirespeed-fit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const podFile = file(
  'pod.yaml',
  stringify(podOf('cnf-1', [container('app', { [A]: 3, cpu: 2 })], [], 'telco')),
);
const states = [
  nodeState('n1', { pools: { [A]: { 0: 2, 1: 2 } } }),
  nodeState('n2', { pools: { [A]: { 0: { free: 3, allocatable: 4 }, 1: 8 } } }),
  nodeState('n3', { policy: 'best-effort', pools: { [A]: { 0: 2, 1: 2 } } }),
];
const statesFile = file('states.yaml', states.map((s) => stringify(s)).join('---\n'));
const listFile = file('states.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', items: states }));

const flags = (over: Partial<FitFlags> = {}): FitFlags => ({
  file: podFile,
  states: statesFile,
  managedResources: [],
  score: 'tight',
  missingReport: 'reject',
  output: 'json',
  ...over,
});

async function decide(over: Partial<FitFlags> = {}): Promise<{ out: string; thrown?: unknown }> {
  let out = '';
  try {
    await runFit(flags(over), (t) => {
      out += t;
    });
    return { out };
  } catch (thrown) {
    return { out, thrown };
  }
}

describe('wirespeed fit', () => {
  it('prints exactly the JSON decision per node', async () => {
    const { out, thrown } = await decide();
    expect(thrown).toBeUndefined();
    expect(out).toBe(
      '{"pod":"telco/cnf-1","demand":{"intel.com/sriov_a":3},"nodes":[' +
        '{"name":"n1","fits":false,"numaNode":null,"score":0,"reason":"no NUMA node has 3 allocatable intel.com/sriov_a"},' +
        '{"name":"n2","fits":true,"numaNode":0,"score":10,"reason":null},' +
        '{"name":"n3","fits":true,"numaNode":null,"score":1,"reason":null}]}\n',
    );
  });

  it('reads a List the same as multi-document YAML, and spread scoring changes only scores', async () => {
    const { out } = await decide({ states: listFile, score: 'spread', nodes: ['n2'] });
    expect(out).toBe(
      '{"pod":"telco/cnf-1","demand":{"intel.com/sriov_a":3},"nodes":[{"name":"n2","fits":true,"numaNode":0,"score":2,"reason":null}]}\n',
    );
  });

  it('a named node without a state does not fit; --missing-report allow lets it in', async () => {
    const rejected = await decide({ nodes: ['n9', 'n1'] });
    expect(rejected.out).toBe(
      '{"pod":"telco/cnf-1","demand":{"intel.com/sriov_a":3},"nodes":[' +
        '{"name":"n9","fits":false,"numaNode":null,"score":0,"reason":"no topology report"},' +
        '{"name":"n1","fits":false,"numaNode":null,"score":0,"reason":"no NUMA node has 3 allocatable intel.com/sriov_a"}]}\n',
    );
    expect(rejected.thrown).toEqual(new CommandExit(EXIT.denied));
    expect((rejected.thrown as CommandExit).code).toBe(3);
    const allowed = await decide({ nodes: ['n9'], missingReport: 'allow' });
    expect([allowed.out, allowed.thrown]).toEqual([
      '{"pod":"telco/cnf-1","demand":{"intel.com/sriov_a":3},"nodes":[{"name":"n9","fits":true,"numaNode":null,"score":0,"reason":null}]}\n',
      undefined,
    ]);
  });

  it('a pod asking for no managed pool fits every node, with or without a state', async () => {
    const plain = file('plain.yaml', stringify(podOf('web', [container('app', { cpu: 1 })])));
    const { out, thrown } = await decide({ file: plain, nodes: ['n1', 'n9'] });
    expect([out, thrown]).toEqual([
      '{"pod":"default/web","demand":{},"nodes":[' +
        '{"name":"n1","fits":true,"numaNode":null,"score":0,"reason":null},' +
        '{"name":"n9","fits":true,"numaNode":null,"score":0,"reason":null}]}\n',
      undefined,
    ]);
  });

  it('--managed-resources adds pools no state names', async () => {
    const other = file('other.yaml', stringify(podOf('o', [container('app', { 'example.com/x': 1 })])));
    const { out } = await decide({ file: other, nodes: ['n1'], managedResources: ['example.com/x'] });
    expect(out).toBe(
      '{"pod":"default/o","demand":{"example.com/x":1},"nodes":[{"name":"n1","fits":false,"numaNode":null,"score":0,"reason":"node has no example.com/x"}]}\n',
    );
  });

  it('prints a table by default', async () => {
    const { out } = await decide({ output: 'table' });
    expect(out).toBe(
      [
        'pod telco/cnf-1 needs intel.com/sriov_a=3',
        'NODE  FITS  NUMA  SCORE  REASON',
        'n1    no    -     0      no NUMA node has 3 allocatable intel.com/sriov_a',
        'n2    yes   0     10',
        'n3    yes   -     1',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['a missing pod file', { file: join(dir, 'nope.yaml') }, `cannot read ${join(dir, 'nope.yaml')}: ENOENT`],
    ['no Pod in the file', { file: statesFile }, `${statesFile} must hold exactly one Pod, found 0`],
    [
      'invalid YAML',
      { states: file('bad.yaml', 'a: [\n') },
      `${join(dir, 'bad.yaml')} is not valid YAML or JSON`,
    ],
    [
      'a fractional device count',
      {
        file: file(
          'frac.yaml',
          stringify(podOf('f', [{ name: 'c', resources: { limits: { [A]: '0.5' } } }])),
        ),
      },
      `${join(dir, 'frac.yaml')}: pod default/f containers[0].resources.limits["intel.com/sriov_a"] is "0.5": a device count must be a whole number`,
    ],
    [
      'duplicate states',
      { states: file('dup.yaml', [stringify(states[0]), stringify(states[0])].join('---\n')) },
      `${join(dir, 'dup.yaml')}: two NodeNetworkState objects are named n1`,
    ],
    [
      'nothing to decide',
      { states: file('empty.yaml', '') },
      `${join(dir, 'empty.yaml')} holds no NodeNetworkState and --nodes names none: nothing to decide`,
    ],
    ['both on stdin', { file: '-', states: '-' }, 'only one of --file and --states can read standard input'],
    ['an empty --nodes', { nodes: [] }, '--nodes names no node'],
  ])('rejects %s with a usage error', async (_, over, message) => {
    const { thrown } = await decide(over);
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toContain(message);
  });
});

describe('wirespeed fit through the CLI', () => {
  afterEach(() => vi.restoreAllMocks());
  const cli = async (...args: string[]) => {
    let stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((t) => {
      stdout += String(t);
      return true;
    });
    let stderr = '';
    const code = await run(['node', 'wirespeed', 'fit', ...args], (t) => {
      stderr += t;
    });
    vi.restoreAllMocks();
    return { code, stdout, stderr };
  };

  it('exits 0 when some node fits, 3 when none, 2 on unreadable input', async () => {
    expect((await cli('-f', podFile, '--states', statesFile, '-o', 'json')).code).toBe(0);
    const none = await cli('-f', podFile, '--states', statesFile, '--nodes', 'n1, n9');
    expect([none.code, none.stderr]).toEqual([3, '']);
    expect(none.stdout).toContain('no NUMA node has 3 allocatable intel.com/sriov_a');
    const bad = await cli('-f', join(dir, 'nope.yaml'), '--states', statesFile);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`wirespeed: cannot read ${join(dir, 'nope.yaml')}`);
  });

  it('documents every flag, the exit codes and that staleness is not checked offline', () => {
    const help = fitCommand().helpInformation();
    for (const flag of [
      '-f, --file <pod>',
      '--states <file>',
      '--nodes <names>',
      '--managed-resources <names>',
      '--score <strategy>',
      '--missing-report <policy>',
      '-o, --output <format>',
    ])
      expect(help).toContain(flag);
    let after = '';
    const command = fitCommand().configureOutput({ writeOut: (t) => (after += t) });
    command.outputHelp();
    expect(after).toContain('Exit codes: 0 some node fits, 3 no node fits, 2 unreadable input.');
    expect(after).toContain('report\nstaleness is not checked');
  });
});
