import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EXIT_BAD_INPUT, EXIT_DENIED, runInject } from './inject-command.js';

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

async function run(opts: Record<string, unknown>) {
  let out = '';
  let err = '';
  const code = await runInject(
    { ...decision, output: 'yaml', ...opts } as Parameters<typeof runInject>[0],
    (s) => {
      out += s;
    },
    (s) => {
      err += s;
    },
  );
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
    expect(code).toBe(EXIT_DENIED);
    expect(out).toBe('');
    expect(err).toContain('denied (NetworkNotFound): network-attachment-definition cnf/sriov-a not found');
  });

  it('exits 2 naming the problem for unreadable or unusable input', async () => {
    const missing = await run({ file: join(dir, 'absent.yaml') });
    expect(missing.code).toBe(EXIT_BAD_INPUT);
    expect(missing.err).toContain('cannot read');
    const broken = await run({ file: file('broken.yaml', 'kind: Pod\n  bad: [indent') });
    expect(broken.code).toBe(EXIT_BAD_INPUT);
    expect(broken.err).toContain('not valid YAML or JSON');
    const notPod = await run({ file: file('svc.yaml', 'kind: Service\nmetadata: {name: x}') });
    expect(notPod.err).toContain('exactly one Pod, found 0');
    const badNad = await run({
      file: pod,
      nads: file('bad-nad.yaml', 'kind: ConfigMap\nmetadata: {name: x}'),
    });
    expect(badNad.err).toContain('item 1 is not a NetworkAttachmentDefinition');
    const badKeys = await run({ file: pod, networkResourceNameKeys: 'a,,b' });
    expect(badKeys.code).toBe(EXIT_BAD_INPUT);
    expect(badKeys.err).toContain('empty key');
  });
});
