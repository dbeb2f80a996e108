import fastJsonPatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { nad, nadIndex } from '../../../test/support/builders.js';
import type { Pod } from '../../api/core-v1.js';
import type { NetworkAttachmentDefinition } from '../../api/nad.js';
import { defaultInjectionConfig, type InjectionConfig } from './config.js';
import { hostVolumeName, type InjectionDecision, planInjection, prepareInjection } from './plan.js';

const { applyPatch, deepClone } = fastJsonPatch;

const index = nadIndex;

function pod(
  annotations: Record<string, string>,
  spec: Partial<Pod['spec']> = {},
  labels?: Record<string, string>,
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', annotations, ...(labels ? { labels } : {}) },
    spec: { containers: [{ name: 'app', resources: {} }], ...spec },
  };
}

const sriovA = nad('sriov-a', { 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov_a' });
const sriovB = nad('sriov-b', { 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov_b' });
const NETS = 'k8s.v1.cni.cncf.io/networks';

function ops(decision: InjectionDecision) {
  if (!decision.ok) throw new Error(`unexpected deny: ${decision.problem.message}`);
  return decision.value.ops;
}

function denial(decision: InjectionDecision) {
  if (decision.ok) throw new Error(`expected a deny, got ${JSON.stringify(decision.value.ops)}`);
  return decision.problem;
}

function apply(p: Pod, decision: InjectionDecision): Pod {
  return applyPatch(deepClone(p), ops(decision) as fastJsonPatch.Operation[], true, false).newDocument as Pod;
}

/** Plans, applies, and checks that planning again finds nothing to do. */
function mutate(
  p: Pod,
  nads: Map<string, NetworkAttachmentDefinition>,
  config = defaultInjectionConfig(),
): Pod {
  const first = planInjection(p, nads, config);
  const after = apply(p, first);
  expect(ops(planInjection(after, nads, config))).toEqual([]);
  return after;
}

describe('planInjection: resources', () => {
  it('counts one device per selection element, summed per resource, requests == limits', () => {
    const out = mutate(pod({ [NETS]: 'sriov-a, sriov-a@net2, sriov-b' }), index(sriovA, sriovB));
    expect(out.spec!.containers[0]!.resources).toEqual({
      requests: { 'intel.com/sriov_a': '2', 'intel.com/sriov_b': '1' },
      limits: { 'intel.com/sriov_a': '2', 'intel.com/sriov_b': '1' },
    });
    expect(JSON.parse(out.metadata!.annotations!['wirespeed.io/injected']!)).toEqual({
      app: { 'intel.com/sriov_a': '2', 'intel.com/sriov_b': '1' },
    });
  });

  it('sums two NADs with the same resource name', () => {
    const other = nad('sriov-a2', { 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov_a' });
    const out = mutate(pod({ [NETS]: 'sriov-a,sriov-a2' }), index(sriovA, other));
    expect(out.spec!.containers[0]!.resources!.limits).toEqual({ 'intel.com/sriov_a': '2' });
  });

  it('counts every configured resource key present on the NAD', () => {
    const config = defaultInjectionConfig({
      resourceNameKeys: ['k8s.v1.cni.cncf.io/resourceName', 'example.com/bridge'],
    });
    const both = nad('both', {
      'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov_a',
      'example.com/bridge': 'ovs.io/br1',
    });
    const out = mutate(pod({ [NETS]: 'both' }), index(both), config);
    expect(out.spec!.containers[0]!.resources!.requests).toEqual({
      'intel.com/sriov_a': '1',
      'ovs.io/br1': '1',
    });
  });

  it('emits ops in a fixed order with the resources parent created when absent', () => {
    const p = pod({ [NETS]: 'sriov-b,sriov-a' }, { containers: [{ name: 'app' }] });
    expect(ops(planInjection(p, index(sriovA, sriovB), defaultInjectionConfig())).slice(0, 7)).toEqual([
      { op: 'add', path: '/spec/containers/0/resources', value: {} },
      { op: 'add', path: '/spec/containers/0/resources/requests', value: {} },
      { op: 'add', path: '/spec/containers/0/resources/limits', value: {} },
      { op: 'add', path: '/spec/containers/0/resources/requests/intel.com~1sriov_a', value: '1' },
      { op: 'add', path: '/spec/containers/0/resources/limits/intel.com~1sriov_a', value: '1' },
      { op: 'add', path: '/spec/containers/0/resources/requests/intel.com~1sriov_b', value: '1' },
      { op: 'add', path: '/spec/containers/0/resources/limits/intel.com~1sriov_b', value: '1' },
    ]);
  });

  it('leaves a resource the user set in any container alone by default', () => {
    const p = pod(
      { [NETS]: 'sriov-a,sriov-b' },
      {
        containers: [
          { name: 'app', resources: {} },
          {
            name: 'side',
            resources: { requests: { 'intel.com/sriov_a': '1' }, limits: { 'intel.com/sriov_a': '1' } },
          },
        ],
      },
    );
    const out = mutate(p, index(sriovA, sriovB));
    expect(out.spec!.containers[0]!.resources!.requests).toEqual({ 'intel.com/sriov_b': '1' });
    expect(out.spec!.containers[1]!.resources!.requests).toEqual({ 'intel.com/sriov_a': '1' });
  });

  it('adds to what the user set with honorResources, and a second pass does not count twice', () => {
    const p = pod(
      { [NETS]: 'sriov-a,sriov-a' },
      {
        containers: [
          {
            name: 'app',
            resources: { requests: { 'intel.com/sriov_a': '1' }, limits: { 'intel.com/sriov_a': '1' } },
          },
        ],
      },
    );
    const out = mutate(p, index(sriovA), defaultInjectionConfig({ honorResources: true }));
    expect(out.spec!.containers[0]!.resources!.limits).toEqual({ 'intel.com/sriov_a': '3' });
  });

  it('with honorResources, treats a missing request as equal to the limit, as the API server defaults it', () => {
    const p = pod(
      { [NETS]: 'sriov-a' },
      { containers: [{ name: 'app', resources: { limits: { 'intel.com/sriov_a': '1' } } }] },
    );
    const out = mutate(p, index(sriovA), defaultInjectionConfig({ honorResources: true }));
    expect(out.spec!.containers[0]!.resources).toEqual({
      limits: { 'intel.com/sriov_a': '2' },
      requests: { 'intel.com/sriov_a': '2' },
    });
  });

  it('no longer trusts its record once the networks changed between passes, and never removes by it', () => {
    const config = defaultInjectionConfig({ honorResources: true });
    const once = mutate(pod({ [NETS]: 'sriov-a,sriov-a' }), index(sriovA, sriovB), config);
    once.metadata!.annotations![NETS] = 'sriov-b';
    const again = mutate(once, index(sriovA, sriovB), config);
    // The record says sriov_a, which these networks do not bring: what it covers now counts as the user's.
    expect(again.spec!.containers[0]!.resources!.requests).toEqual({
      'intel.com/sriov_a': '2',
      'intel.com/sriov_b': '1',
    });
    expect(JSON.parse(again.metadata!.annotations!['wirespeed.io/injected']!)).toEqual({
      app: { 'intel.com/sriov_b': '1' },
    });
  });

  it('denies a NAD whose resource name is not an extended resource name', () => {
    for (const bad of ['sriov', 'intel.com/', 'Intel.com/x', 'kubernetes.io/x', 'a/b/c', '']) {
      const n = nad('bad', { 'k8s.v1.cni.cncf.io/resourceName': bad });
      const d = denial(planInjection(pod({ [NETS]: 'bad' }), index(n), defaultInjectionConfig()));
      expect(d.code).toBe('InvalidNetworkAttachment');
      expect(d.message).toContain('default/bad');
      expect(d.message).toContain(`"${bad}"`);
    }
  });

  it('rereads a NAD whose annotations changed in place', () => {
    const n = nad('changing', { 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/one' });
    const p = pod({ [NETS]: 'changing' });
    const first = apply(p, planInjection(p, index(n), defaultInjectionConfig()));
    expect(first.spec!.containers[0]!.resources!.requests).toEqual({ 'intel.com/one': '1' });
    n.metadata.annotations!['k8s.v1.cni.cncf.io/resourceName'] = 'intel.com/two';
    const second = apply(p, planInjection(p, index(n), defaultInjectionConfig()));
    expect(second.spec!.containers[0]!.resources!.requests).toEqual({ 'intel.com/two': '1' });
  });

  it('trims whitespace around a resource name', () => {
    const n = nad('ws', { 'k8s.v1.cni.cncf.io/resourceName': ' intel.com/sriov_a ' });
    const out = mutate(pod({ [NETS]: 'ws' }), index(n));
    expect(out.spec!.containers[0]!.resources!.requests).toEqual({ 'intel.com/sriov_a': '1' });
  });
});

describe('planInjection: selection and lookup', () => {
  it('denies a missing NAD naming namespace/name', () => {
    const d = denial(
      planInjection(pod({ [NETS]: 'other/missing' }), index(sriovA), defaultInjectionConfig()),
    );
    expect(d.code).toBe('NetworkNotFound');
    expect(d.message).toContain('other/missing');
  });

  it('denies a malformed annotation with the parser message', () => {
    const d = denial(
      planInjection(pod({ [NETS]: 'sriov-a,Bad Name' }), index(sriovA), defaultInjectionConfig()),
    );
    expect(d.code).toBe('InvalidNetworkAnnotation');
    expect(d.message).toContain('Bad Name');
  });

  it('counts the default network, looked up in the pod namespace unless configured', () => {
    const p = pod({ 'v1.multus-cni.io/default-network': 'sriov-a' });
    expect(mutate(p, index(sriovA)).spec!.containers[0]!.resources!.requests).toEqual({
      'intel.com/sriov_a': '1',
    });
    const sys = nad('sriov-a', { 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sys' }, 'kube-system');
    const config = defaultInjectionConfig({ defaultNetworkNamespace: 'kube-system' });
    expect(mutate(p, index(sriovA, sys), config).spec!.containers[0]!.resources!.requests).toEqual({
      'intel.com/sys': '1',
    });
  });

  it('uses the request namespace when the pod carries none', () => {
    const p = pod({ [NETS]: 'net' });
    delete p.metadata!.namespace;
    const n = nad('net', { 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/x' }, 'team');
    const prepared = prepareInjection(p, defaultInjectionConfig(), { namespace: 'team' });
    expect(prepared.ok && prepared.value.references).toEqual([{ namespace: 'team', name: 'net' }]);
    // The NAD found in the request's namespace is the one whose device the pod gets.
    expect(ops(planInjection(p, index(n), defaultInjectionConfig(), { namespace: 'team' }))).toEqual(
      expect.arrayContaining([
        { op: 'add', path: '/spec/containers/0/resources/requests/intel.com~1x', value: '1' },
        { op: 'add', path: '/spec/containers/0/resources/limits/intel.com~1x', value: '1' },
      ]),
    );
  });

  it('changes nothing for a pod without network annotations', () => {
    expect(ops(planInjection(pod({}), index(), defaultInjectionConfig()))).toEqual([]);
    expect(ops(planInjection(pod({ [NETS]: '' }), index(), defaultInjectionConfig()))).toEqual([]);
  });

  it('changes nothing but the record-free node selector for a NAD without a resource', () => {
    const plain = nad('plain', { 'k8s.v1.cni.cncf.io/nodeSelector': 'net=plain' });
    const out = mutate(pod({ [NETS]: 'plain' }), index(plain));
    expect(out.spec!.nodeSelector).toEqual({ net: 'plain' });
    expect(out.spec!.volumes).toBeUndefined();
    expect(out.metadata!.annotations!['wirespeed.io/injected']).toBeUndefined();
  });
});

describe('planInjection: target containers', () => {
  const two = { containers: [{ name: 'side' }, { name: 'dpdk' }] };

  it('puts devices into the named container', () => {
    const out = mutate(
      pod({ [NETS]: 'sriov-a', 'wirespeed.io/target-containers': 'dpdk' }, two),
      index(sriovA),
    );
    expect(out.spec!.containers[0]!.resources).toBeUndefined();
    expect(out.spec!.containers[1]!.resources!.requests).toEqual({ 'intel.com/sriov_a': '1' });
  });

  it('maps networks to containers', () => {
    const out = mutate(
      pod({ [NETS]: 'sriov-a,sriov-b', 'wirespeed.io/target-containers': 'side, sriov-b=dpdk' }, two),
      index(sriovA, sriovB),
    );
    expect(out.spec!.containers[0]!.resources!.requests).toEqual({ 'intel.com/sriov_a': '1' });
    expect(out.spec!.containers[1]!.resources!.requests).toEqual({ 'intel.com/sriov_b': '1' });
  });

  it('denies an unknown container naming it and the containers the pod has', () => {
    const d = denial(
      planInjection(
        pod({ [NETS]: 'sriov-a', 'wirespeed.io/target-containers': 'nope' }, two),
        index(sriovA),
        defaultInjectionConfig(),
      ),
    );
    expect(d.code).toBe('UnknownContainer');
    expect(d.message).toContain('"nope"');
    expect(d.message).toContain('side, dpdk');
  });

  it('denies a network mapped to two containers, by the same or another spelling of its name', () => {
    const cfg = defaultInjectionConfig();
    const twice = denial(
      planInjection(
        pod({ [NETS]: 'sriov-a', 'wirespeed.io/target-containers': 'sriov-a=side,sriov-a=dpdk' }, two),
        index(sriovA),
        cfg,
      ),
    );
    expect(twice).toEqual({
      code: 'InvalidPodAnnotation',
      message:
        'pod annotation wirespeed.io/target-containers "sriov-a=side,sriov-a=dpdk" maps network "sriov-a" to two containers ("side", "dpdk"); devices are per container, so map each network once',
    });
    const spelled = denial(
      planInjection(
        pod(
          { [NETS]: 'sriov-a', 'wirespeed.io/target-containers': 'default/sriov-a=side,sriov-a=dpdk' },
          two,
        ),
        index(sriovA),
        cfg,
      ),
    );
    expect(spelled.message).toBe(
      'pod annotation wirespeed.io/target-containers maps network default/sriov-a to two containers ("side" as default/sriov-a, "dpdk" as sriov-a); map it once',
    );
    const same = mutate(
      pod({ [NETS]: 'sriov-a', 'wirespeed.io/target-containers': 'sriov-a=dpdk, sriov-a=dpdk' }, two),
      index(sriovA),
    );
    expect(same.spec!.containers[1]!.resources!.requests).toEqual({ 'intel.com/sriov_a': '1' });
  });

  it('denies two default containers and a mapping for a network the pod does not select', () => {
    const cfg = defaultInjectionConfig();
    const a = denial(
      planInjection(
        pod({ [NETS]: 'sriov-a', 'wirespeed.io/target-containers': 'side,dpdk' }, two),
        index(sriovA),
        cfg,
      ),
    );
    expect(a.message).toContain('two default containers');
    const b = denial(
      planInjection(
        pod({ [NETS]: 'sriov-a', 'wirespeed.io/target-containers': 'sriov-b=dpdk' }, two),
        index(sriovA),
        cfg,
      ),
    );
    expect(b.message).toContain('"sriov-b"');
  });
});

describe('planInjection: hugepages', () => {
  const hp = nad('dpdk', {
    'k8s.v1.cni.cncf.io/resourceName': 'intel.com/vfio',
    'wirespeed.io/hugepages': '1Gi=2Gi',
  });
  const withMemory = {
    containers: [{ name: 'app', resources: { requests: { memory: '1Gi' }, limits: { memory: '1Gi' } } }],
  };

  it('adds requests, limits, an emptyDir with a sized medium and a mount at /dev/hugepages', () => {
    const out = mutate(pod({ [NETS]: 'dpdk,dpdk' }, withMemory), index(hp));
    const c = out.spec!.containers[0]!;
    expect(c.resources!.requests).toEqual({ memory: '1Gi', 'intel.com/vfio': '2', 'hugepages-1Gi': '4Gi' });
    expect(c.resources!.limits).toEqual(c.resources!.requests);
    expect(out.spec!.volumes).toContainEqual({ name: 'hugepages', emptyDir: { medium: 'HugePages-1Gi' } });
    expect(c.volumeMounts).toContainEqual({ name: 'hugepages', mountPath: '/dev/hugepages' });
  });

  it('uses one volume and mount path per size when several sizes are needed', () => {
    const small = nad('small', { 'wirespeed.io/hugepages': '2Mi=512Mi' });
    const out = mutate(pod({ [NETS]: 'dpdk,small' }, withMemory), index(hp, small));
    const c = out.spec!.containers[0]!;
    expect(c.resources!.requests!['hugepages-2Mi']).toBe('512Mi');
    expect(out.spec!.volumes).toContainEqual({
      name: 'hugepages-2mi',
      emptyDir: { medium: 'HugePages-2Mi' },
    });
    expect(c.volumeMounts).toContainEqual({ name: 'hugepages-1gi', mountPath: '/dev/hugepages-1Gi' });
    expect(c.volumeMounts).toContainEqual({ name: 'hugepages-2mi', mountPath: '/dev/hugepages-2Mi' });
  });

  it('keeps the user’s own hugepages volume at the mount path', () => {
    const p = pod(
      { [NETS]: 'dpdk' },
      {
        containers: [
          {
            name: 'app',
            resources: { limits: { memory: '1Gi' } },
            volumeMounts: [{ name: 'hp', mountPath: '/dev/hugepages' }],
          },
        ],
        volumes: [{ name: 'hp', emptyDir: { medium: 'HugePages' } }],
      },
    );
    const out = mutate(p, index(hp));
    expect(out.spec!.volumes).toEqual([
      { name: 'hp', emptyDir: { medium: 'HugePages' } },
      expect.objectContaining({ name: 'podnetinfo' }),
    ]);
  });

  it('denies a size that conflicts with an unsized HugePages volume', () => {
    const p = pod(
      { [NETS]: 'dpdk' },
      {
        containers: [
          {
            name: 'app',
            resources: {
              limits: { memory: '1Gi', 'hugepages-2Mi': '64Mi' },
              requests: { memory: '1Gi', 'hugepages-2Mi': '64Mi' },
            },
          },
        ],
        volumes: [{ name: 'hp', emptyDir: { medium: 'HugePages' } }],
      },
    );
    const d = denial(planInjection(p, index(hp), defaultInjectionConfig()));
    expect(d.code).toBe('ConflictingHugepages');
    expect(d.message).toContain('1Gi and 2Mi');
  });

  it('denies hugepages into a container with no cpu or memory, saying what to add', () => {
    const d = denial(planInjection(pod({ [NETS]: 'dpdk' }), index(hp), defaultInjectionConfig()));
    expect(d.code).toBe('ConflictingHugepages');
    expect(d.message).toContain('resources.requests.memory');
  });

  it('denies a malformed hugepages annotation naming the entry', () => {
    for (const bad of ['1Gi', '3Mi=6Mi', '2Mi=3Mi', '1Gi=0', 'x=y']) {
      const n = nad('h', { 'wirespeed.io/hugepages': bad });
      const d = denial(planInjection(pod({ [NETS]: 'h' }, withMemory), index(n), defaultInjectionConfig()));
      expect(d.code).toBe('InvalidNetworkAttachment');
      expect(d.message).toContain(bad);
    }
  });

  it('exposes hugepages through podnetinfo with CONTAINER_NAME when enabled', () => {
    const out = mutate(
      pod({ [NETS]: 'dpdk' }, withMemory),
      index(hp),
      defaultInjectionConfig({ injectHugepageDownApi: true }),
    );
    const volume = out.spec!.volumes!.find((v) => v.name === 'podnetinfo')!;
    expect(volume.downwardAPI!.items).toEqual([
      { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
      {
        path: 'hugepages_1G_request_app',
        resourceFieldRef: { containerName: 'app', resource: 'requests.hugepages-1Gi', divisor: '1Mi' },
      },
      {
        path: 'hugepages_1G_limit_app',
        resourceFieldRef: { containerName: 'app', resource: 'limits.hugepages-1Gi', divisor: '1Mi' },
      },
    ]);
    expect(out.spec!.containers[0]!.env).toEqual([{ name: 'CONTAINER_NAME', value: 'app' }]);
  });
});

describe('planInjection: mounts, podnetinfo and node selector', () => {
  it('adds hostPath volumes once per host path and mounts them', () => {
    const vhost = nad('vhost', {
      'k8s.v1.cni.cncf.io/resourceName': 'example.com/vhost',
      'wirespeed.io/mounts': '/var/run/vhost-user, /dev/vfio:ro',
    });
    const vhost2 = nad('vhost2', { 'wirespeed.io/mounts': '/var/run/vhost-user' });
    const out = mutate(pod({ [NETS]: 'vhost,vhost2' }), index(vhost, vhost2));
    const hostVolumes = out.spec!.volumes!.filter((v) => v.hostPath);
    expect(hostVolumes).toEqual([
      {
        name: hostVolumeName('/var/run/vhost-user'),
        hostPath: { path: '/var/run/vhost-user', type: 'Directory' },
      },
      { name: hostVolumeName('/dev/vfio'), hostPath: { path: '/dev/vfio', type: 'Directory' } },
    ]);
    expect(out.spec!.containers[0]!.volumeMounts).toEqual([
      { name: hostVolumeName('/var/run/vhost-user'), mountPath: '/var/run/vhost-user' },
      { name: hostVolumeName('/dev/vfio'), mountPath: '/dev/vfio', readOnly: true },
      { name: 'podnetinfo', readOnly: true, mountPath: '/etc/podnetinfo' },
    ]);
  });

  it('mounts podnetinfo in every container with labels and annotations items', () => {
    const p = pod(
      { [NETS]: 'sriov-a' },
      { containers: [{ name: 'a' }, { name: 'b', volumeMounts: [] }] },
      { app: 'x' },
    );
    const out = mutate(p, index(sriovA));
    for (const c of out.spec!.containers)
      expect(c.volumeMounts).toContainEqual({
        name: 'podnetinfo',
        readOnly: true,
        mountPath: '/etc/podnetinfo',
      });
    expect(out.spec!.volumes).toEqual([
      {
        name: 'podnetinfo',
        downwardAPI: {
          items: [
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
            { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
          ],
        },
      },
    ]);
  });

  it('denies another volume already mounted at /etc/podnetinfo', () => {
    const p = pod(
      { [NETS]: 'sriov-a' },
      { containers: [{ name: 'a', volumeMounts: [{ name: 'mine', mountPath: '/etc/podnetinfo' }] }] },
    );
    expect(denial(planInjection(p, index(sriovA), defaultInjectionConfig())).message).toContain(
      'volume mine at /etc/podnetinfo',
    );
  });

  it('merges NAD node selectors into the pod and denies conflicts', () => {
    const a = nad('a', { 'k8s.v1.cni.cncf.io/nodeSelector': 'nic=e810' });
    const b = nad('b', { 'k8s.v1.cni.cncf.io/nodeSelector': 'nic=cx6' });
    const out = mutate(pod({ [NETS]: 'a' }, { nodeSelector: { zone: 'z1' } }), index(a));
    expect(out.spec!.nodeSelector).toEqual({ zone: 'z1', nic: 'e810' });
    const cfg = defaultInjectionConfig();
    expect(denial(planInjection(pod({ [NETS]: 'a,b' }), index(a, b), cfg)).code).toBe(
      'ConflictingNodeSelector',
    );
    const own = denial(planInjection(pod({ [NETS]: 'a' }, { nodeSelector: { nic: 'x' } }), index(a), cfg));
    expect(own.message).toContain('nic="x"');
    expect(own.message).toContain('default/a');
  });
});

describe('planInjection: user-defined injections', () => {
  const config: InjectionConfig = defaultInjectionConfig({
    userDefinedInjections: [{ labelKey: 'use-sriov', annotations: { [NETS]: 'sriov-b' } }],
  });

  it('adds the annotations to labelled pods and counts the networks they carry', () => {
    const out = mutate(
      pod({ [NETS]: 'sriov-a' }, {}, { 'use-sriov': 'True' }),
      index(sriovA, sriovB),
      config,
    );
    expect(out.metadata!.annotations![NETS]).toBe('sriov-b');
    expect(out.spec!.containers[0]!.resources!.requests).toEqual({ 'intel.com/sriov_b': '1' });
  });

  it('ignores pods without the label set to true', () => {
    const out = mutate(pod({ [NETS]: 'sriov-a' }, {}, { 'use-sriov': 'no' }), index(sriovA, sriovB), config);
    expect(out.metadata!.annotations![NETS]).toBe('sriov-a');
  });
});
