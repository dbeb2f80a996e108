import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EXIT, errorMessage, exitCodeOf } from '../cli/errors.js';
import { run as runCli } from '../cli/main.js';
import { runInject } from './inject-command.js';

const dir = mkdtempSync(join(tmpdir(), 'wirespeed-inject-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const podYaml = `
apiVersion: v1
kind: Pod
metadata:
  name: app
  namespace: cnf
  annotations:
    k8s.v1.cni.cncf.io/networks: sriov-a, sriov-a@net2
spec:
  containers:
    - name: app
      image: app
      resources: {}
`;
const nad = (name: string, resource: string) => ({
  apiVersion: 'k8s.cni.cncf.io/v1',
  kind: 'NetworkAttachmentDefinition',
  metadata: { name, annotations: { 'k8s.v1.cni.cncf.io/resourceName': resource } },
});
const decision = {
  networkResourceNameKeys: 'k8s.v1.cni.cncf.io/resourceName',
  honorResources: false,
  injectHugepageDownApi: false,
  hugepagesMountPath: '/dev/hugepages',
};

/** Runs the command as the CLI entry would: a thrown error becomes its exit code, its message stderr. */
async function run(opts: Record<string, unknown>) {
  let out = '';
  let err = '';
  let code: number = EXIT.ok;
  try {
    await runInject(
      { ...decision, output: 'yaml', ...opts } as Parameters<typeof runInject>[0],
      (s) => {
        out += s;
      },
      (s) => {
        err += s;
      },
    );
  } catch (e) {
    code = exitCodeOf(e);
    const message = errorMessage(e);
    if (message) err += `wirespeed: ${message}\n`;
  }
  return { code, out, err };
}

describe('wirespeed inject', () => {
  const pod = file('pod.yaml', podYaml);

  it('prints the mutated pod from multi-document NAD YAML, NADs defaulting to the pod namespace', async () => {
    const nads = file(
      'nads.yaml',
      `${JSON.stringify(nad('sriov-a', 'intel.com/sriov_a'))}\n---\n${JSON.stringify(nad('other', 'x.io/y'))}\n`,
    );
    const { code, out } = await run({ file: pod, nads });
    expect(code).toBe(0);
    const mutated = parse(out);
    expect(mutated.spec.containers[0].resources.limits).toEqual({ 'intel.com/sriov_a': '2' });
  });

  it('accepts a List and an array, and prints JSON or the patch', async () => {
    const list = file(
      'list.json',
      JSON.stringify({ kind: 'List', items: [nad('sriov-a', 'intel.com/sriov_a')] }),
    );
    const array = file('array.json', JSON.stringify([nad('sriov-a', 'intel.com/sriov_a')]));
    const json = await run({ file: pod, nads: list, output: 'json' });
    expect(JSON.parse(json.out).spec.containers[0].resources.requests).toEqual({ 'intel.com/sriov_a': '2' });
    const patch = await run({ file: pod, nads: array, output: 'patch' });
    expect(JSON.parse(patch.out)).toContainEqual({
      op: 'add',
      path: '/spec/containers/0/resources/limits/intel.com~1sriov_a',
      value: '2',
    });
  });

  it('applies the control switches from a ConfigMap file', async () => {
    const nads = file('n.yaml', JSON.stringify(nad('sriov-a', 'intel.com/sriov_a')));
    const honorPod = file(
      'honor.yaml',
      podYaml.replace(
        'resources: {}',
        "resources: {requests: {intel.com/sriov_a: '1'}, limits: {intel.com/sriov_a: '1'}}",
      ),
    );
    const cm = file(
      'cm.yaml',
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nri-control-switches}\ndata:\n  config.json: '{"features":{"enableHonorExistingResources":true,"bogus":1}}'\n`,
    );
    const { code, out, err } = await run({ file: honorPod, nads, config: cm });
    expect(code).toBe(0);
    expect(parse(out).spec.containers[0].resources.limits['intel.com/sriov_a']).toBe('3');
    expect(err).toContain('feature "bogus" is unknown');
  });

  it('exits 3 with the reason on stderr when denied', async () => {
    const { code, out, err } = await run({ file: pod });
    expect(code).toBe(EXIT.denied);
    expect(out).toBe('');
    expect(err).toContain('denied (NetworkNotFound): network-attachment-definition cnf/sriov-a not found');
  });

  it('exits 2 naming the problem for unreadable or unusable input', async () => {
    const missing = await run({ file: join(dir, 'absent.yaml') });
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.err).toContain('cannot read');
    const broken = await run({ file: file('broken.yaml', 'kind: Pod\n  bad: [indent') });
    expect(broken.code).toBe(EXIT.usage);
    expect(broken.err).toContain('not valid YAML or JSON');
    const notPod = await run({ file: file('svc.yaml', 'kind: Service\nmetadata: {name: x}') });
    expect(notPod.err).toContain('exactly one Pod, found 0');
    const badNad = await run({
      file: pod,
      nads: file('bad-nad.yaml', 'kind: ConfigMap\nmetadata: {name: x}'),
    });
    expect(badNad.err).toContain('item 1 is not a NetworkAttachmentDefinition');
    const badKeys = await run({ file: pod, networkResourceNameKeys: 'a,,b' });
    expect(badKeys.code).toBe(EXIT.usage);
    expect(badKeys.err).toContain('empty key');
  });

  it('exits 2 on YAML-typed annotation values, naming the key and saying to quote it', async () => {
    const cases: Array<[string, string]> = [
      ['1', 'the number 1'],
      ['null', 'null'],
      ['true', 'the boolean true'],
      ['[a]', 'the object ["a"]'],
    ];
    for (const [written, shown] of cases) {
      const typed = file('typed.yaml', podYaml.replace('sriov-a, sriov-a@net2', written));
      const { code, err } = await run({ file: typed });
      expect(code, written).toBe(EXIT.usage);
      expect(err).toBe(
        `wirespeed: ${typed}: metadata.annotations "k8s.v1.cni.cncf.io/networks" is ${shown}, but values there are strings; quote it in the YAML\n`,
      );
    }
    const nads = file(
      'typed-nads.yaml',
      'kind: NetworkAttachmentDefinition\nmetadata:\n  name: sriov-a\n  annotations:\n    k8s.v1.cni.cncf.io/resourceName: 7\n',
    );
    const badNad = await run({ file: pod, nads });
    expect(badNad.code).toBe(EXIT.usage);
    expect(badNad.err).toContain(
      'item 1 (sriov-a): metadata.annotations "k8s.v1.cni.cncf.io/resourceName" is the number 7',
    );
  });

  it('exits 2 on a YAML alias bomb instead of expanding it', async () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    const bomb = file('bomb.yaml', `kind: Pod\nspec: {containers: [{name: app}]}\n${levels.join('\n')}\n`);
    const { code, err } = await run({ file: bomb });
    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(/^wirespeed: .*bomb\.yaml cannot be read: .*alias/i);
  });

  it('keeps its exit codes through the CLI entry: 2 for bad input, 3 for a deny', async () => {
    let stderr = '';
    const typed = file('typed-cli.yaml', podYaml.replace('sriov-a, sriov-a@net2', 'true'));
    expect(await runCli(['node', 'wirespeed', 'inject', '-f', typed], (t) => (stderr += t))).toBe(EXIT.usage);
    expect(stderr).toContain('is the boolean true, but values there are strings');
    const refused = await runCli(
      ['node', 'wirespeed', 'inject', '-f', pod, '--allowed-host-paths', '/etc'],
      (t) => (stderr += t),
    );
    expect(refused).toBe(EXIT.usage);
    expect(stderr).toContain('--allowed-host-paths entry "/etc": /etc holds the node\'s configuration');
    expect(await runCli(['node', 'wirespeed', 'inject', '-f', pod], () => {})).toBe(EXIT.denied);
  });
});
