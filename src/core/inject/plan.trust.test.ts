/**
 * Who may grant what: host paths only from the administrator's allow-list, read-only unless it permits
 * writes; mounts and hugepages from another namespace's NAD only when that namespace is trusted; and messages
 * about another namespace's NAD that name none of its pools, host paths or node labels.
 */
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../api/core-v1.js';
import type { NetworkAttachmentDefinition } from '../../api/nad.js';
import { defaultInjectionConfig } from './config.js';
import { parseAllowedHostPaths } from './host-paths.js';
import { hostVolumeName, type InjectionDecision, nadKey, planInjection } from './plan.js';

const NETS = 'k8s.v1.cni.cncf.io/networks';
const POOL = 'k8s.v1.cni.cncf.io/resourceName';
const MOUNTS = 'wirespeed.io/mounts';
const HUGEPAGES = 'wirespeed.io/hugepages';
const SELECTOR = 'k8s.v1.cni.cncf.io/nodeSelector';

const nad = (
  namespace: string,
  name: string,
  annotations: Record<string, string>,
): NetworkAttachmentDefinition => ({
  metadata: { name, namespace, annotations },
});
const index = (...nads: NetworkAttachmentDefinition[]) =>
  new Map(nads.map((n) => [nadKey({ namespace: n.metadata.namespace!, name: n.metadata.name }), n]));
const pod = (networks: string, spec: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name: 'p', namespace: 'team', annotations: { [NETS]: networks } },
  spec: {
    containers: [{ name: 'app', resources: { requests: { memory: '1Gi' }, limits: { memory: '1Gi' } } }],
    ...spec,
  },
});
const rules = (text: string) => {
  const parsed = parseAllowedHostPaths(text, 'test');
  if (!parsed.ok) throw new Error(parsed.problem.message);
  return parsed.value;
};
const denial = (d: InjectionDecision) => {
  if (d.ok) throw new Error(`expected a deny, got ${JSON.stringify(d.value.ops)}`);
  return d.problem;
};
const opsOf = (d: InjectionDecision) => {
  if (!d.ok) throw new Error(`unexpected deny: ${d.problem.message}`);
  return d.value.ops;
};
const volumesAdded = (d: InjectionDecision) =>
  opsOf(d)
    .filter((o) => o.op === 'add' && o.path === '/spec/volumes/-')
    .map((o) => ('value' in o ? o.value : undefined));
const mountsAdded = (d: InjectionDecision) =>
  opsOf(d)
    .filter((o) => o.op === 'add' && o.path === '/spec/containers/0/volumeMounts/-')
    .map((o) => ('value' in o ? o.value : undefined));

describe('planInjection: host paths come from the allow-list', () => {
  it('refuses the reported grant of / and the Docker socket, even from the pod’s own namespace', () => {
    const evil = nad('team', 'evil', {
      [POOL]: 'example.com/vhost',
      [MOUNTS]: '/:/host,/var/run/docker.sock',
    });
    expect(denial(planInjection(pod('evil'), index(evil), defaultInjectionConfig()))).toEqual({
      code: 'NotPermitted',
      message:
        "network-attachment-definition team/evil annotation wirespeed.io/mounts asks for host path /, which the webhook's allow-list does not permit (allowed: /var/run/vhost-user (rw), /var/lib/vhost_sockets (rw), /run/memif (rw), /dev/vfio); use one of those or ask the cluster administrator to extend --allowed-host-paths",
    });
  });

  it('compares normalised paths: /./etc is /etc, a sibling with a longer name is not below an entry', () => {
    for (const [path, shown] of [
      ['/./etc', '/etc'],
      ['//var/run/docker.sock/', '/var/run/docker.sock'],
      ['/var/run/vhost-user-evil', '/var/run/vhost-user-evil'],
    ] as const) {
      const n = nad('team', 'n', { [MOUNTS]: path });
      const d = denial(planInjection(pod('n'), index(n), defaultInjectionConfig()));
      expect(d.code).toBe('NotPermitted');
      expect(d.message).toContain(`asks for host path ${shown},`);
    }
    const dotdot = nad('team', 'n', { [MOUNTS]: '/var/run/vhost-user/../../etc' });
    expect(denial(planInjection(pod('n'), index(dotdot), defaultInjectionConfig())).code).toBe(
      'InvalidNetworkAttachment',
    );
  });

  it('mounts read-only unless the entry permits writes, with the entry’s hostPath type', () => {
    const config = defaultInjectionConfig({
      allowedHostPaths: rules('/var/run/vhost-user:rw:DirectoryOrCreate,/dev/vfio'),
    });
    const n = nad('team', 'n', { [POOL]: 'example.com/vhost', [MOUNTS]: '/var/run/vhost-user/a,/dev/vfio' });
    const d = planInjection(pod('n'), index(n), config);
    expect(volumesAdded(d).slice(0, 2)).toEqual([
      {
        name: hostVolumeName('/var/run/vhost-user/a'),
        hostPath: { path: '/var/run/vhost-user/a', type: 'DirectoryOrCreate' },
      },
      { name: hostVolumeName('/dev/vfio'), hostPath: { path: '/dev/vfio', type: 'Directory' } },
    ]);
    expect(mountsAdded(d).slice(0, 2)).toEqual([
      { name: hostVolumeName('/var/run/vhost-user/a'), mountPath: '/var/run/vhost-user/a' },
      { name: hostVolumeName('/dev/vfio'), mountPath: '/dev/vfio', readOnly: true },
    ]);
    const ro = planInjection(
      pod('n'),
      index(nad('team', 'n', { [MOUNTS]: '/var/run/vhost-user:ro' })),
      config,
    );
    expect(mountsAdded(ro)).toEqual([
      { name: hostVolumeName('/var/run/vhost-user'), mountPath: '/var/run/vhost-user', readOnly: true },
    ]);
    const rw = nad('team', 'n', { [MOUNTS]: '/dev/vfio:rw' });
    expect(denial(planInjection(pod('n'), index(rw), config))).toEqual({
      code: 'NotPermitted',
      message:
        'network-attachment-definition team/n annotation wirespeed.io/mounts asks for host path /dev/vfio read-write, but the webhook\'s allow-list permits /dev/vfio read-only; drop ":rw" or ask the cluster administrator to allow writes (/dev/vfio:rw)',
    });
  });

  it('an empty allow-list permits no host path', () => {
    const n = nad('team', 'n', { [MOUNTS]: '/var/run/vhost-user' });
    const d = denial(planInjection(pod('n'), index(n), defaultInjectionConfig({ allowedHostPaths: [] })));
    expect(d.message).toContain('(allowed: none: the allow-list is empty)');
  });

  it('normalises container paths, so /etc/podnetinfo/. clashes with the podnetinfo volume', () => {
    const n = nad('team', 'n', {
      [POOL]: 'example.com/vhost',
      [MOUNTS]: '/var/run/vhost-user:/etc/podnetinfo/.',
    });
    expect(denial(planInjection(pod('n'), index(n), defaultInjectionConfig())).message).toBe(
      `container app already mounts volume ${hostVolumeName('/var/run/vhost-user')} at /etc/podnetinfo, where the podnetinfo volume goes; free the path`,
    );
    const own = pod('n', {
      containers: [{ name: 'app', volumeMounts: [{ name: 'mine', mountPath: '/etc//podnetinfo/' }] }],
    });
    const sriov = nad('team', 'n', { [POOL]: 'intel.com/sriov' });
    expect(denial(planInjection(own, index(sriov), defaultInjectionConfig())).message).toBe(
      'container app already mounts volume mine at /etc/podnetinfo, where the podnetinfo volume goes; free the path',
    );
  });
});

describe('planInjection: NADs of other namespaces', () => {
  const evil = nad('tenant', 'evil', {
    [POOL]: 'example.com/vhost',
    [MOUNTS]: '/var/run/vhost-user',
    [HUGEPAGES]: '1Gi=1Gi',
  });

  it('refuses their mounts and hugepages without naming them', () => {
    expect(denial(planInjection(pod('tenant/evil'), index(evil), defaultInjectionConfig()))).toEqual({
      code: 'NotPermitted',
      message:
        "network tenant/evil is not permitted for pods in namespace team: it asks for host mounts or hugepages, which only networks in the pod's own namespace or in a namespace the administrator trusts (--trusted-nad-namespaces) may grant; ask the owners of namespace tenant or the cluster administrator",
    });
    const hugepagesOnly = nad('tenant', 'hp', { [HUGEPAGES]: '2Mi=64Mi' });
    expect(denial(planInjection(pod('tenant/hp'), index(hugepagesOnly), defaultInjectionConfig())).code).toBe(
      'NotPermitted',
    );
  });

  it('grants them when the namespace is trusted, still within the allow-list and without details', () => {
    const config = defaultInjectionConfig({ trustedNadNamespaces: ['tenant'] });
    const d = planInjection(pod('tenant/evil'), index(evil), config);
    expect(mountsAdded(d)).toContainEqual({
      name: hostVolumeName('/var/run/vhost-user'),
      mountPath: '/var/run/vhost-user',
    });
    const outside = nad('tenant', 'out', { [MOUNTS]: '/srv/secret' });
    const denied = denial(planInjection(pod('tenant/out'), index(outside), config));
    expect(denied).toEqual({
      code: 'NotPermitted',
      message:
        "network tenant/out is not permitted for pods in namespace team: a host path it mounts is not on the webhook's allow-list; ask the owners of namespace tenant or the cluster administrator",
    });
  });

  it('still gives devices and node selectors, as Multus allows cross-namespace references', () => {
    const shared = nad('shared', 'sriov', { [POOL]: 'intel.com/sriov', [SELECTOR]: 'nic=e810' });
    const d = planInjection(pod('shared/sriov'), index(shared), defaultInjectionConfig());
    expect(d.ok && d.value.record).toEqual({ app: { 'intel.com/sriov': '1' } });
    expect(opsOf(d)).toContainEqual({ op: 'add', path: '/spec/nodeSelector', value: { nic: 'e810' } });
  });

  it('reports their bad annotations and conflicts without their values or labels', () => {
    const bad = nad('tenant', 'bad', { [POOL]: 'secret-pool-name' });
    expect(denial(planInjection(pod('tenant/bad'), index(bad), defaultInjectionConfig()))).toEqual({
      code: 'InvalidNetworkAttachment',
      message:
        'network-attachment-definition tenant/bad has invalid annotations; its owners in namespace tenant must fix them',
    });
    const a = nad('tenant', 'a', { [SELECTOR]: 'secret-label=one' });
    const b = nad('team', 'b', { [SELECTOR]: 'secret-label=two' });
    const conflict = denial(planInjection(pod('tenant/a,b'), index(a, b), defaultInjectionConfig()));
    expect(conflict).toEqual({
      code: 'ConflictingNodeSelector',
      message: 'network-attachment-definitions tenant/a and team/b require different values for a node label',
    });
    const own = denial(
      planInjection(
        pod('tenant/a', { nodeSelector: { 'secret-label': 'mine' } }),
        index(a),
        defaultInjectionConfig(),
      ),
    );
    expect(own.message).toBe(
      'pod nodeSelector conflicts with the node labels network-attachment-definition tenant/a requires',
    );
  });

  it('keeps every detail for NADs of the pod’s own namespace', () => {
    const a = nad('team', 'a', { [SELECTOR]: 'nic=e810' });
    const own = denial(
      planInjection(pod('a', { nodeSelector: { nic: 'x' } }), index(a), defaultInjectionConfig()),
    );
    expect(own.message).toBe(
      'pod nodeSelector nic="x" conflicts with nic="e810" required by network-attachment-definition team/a',
    );
  });
});
