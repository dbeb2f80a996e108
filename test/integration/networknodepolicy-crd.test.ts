import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { waitFor } from '../../src/devcluster/index.js';
import { type KubeEndpoint, loadKubeEndpoint } from '../../src/kube/endpoint.js';
import { useControlPlane } from './support.js';

const MANIFEST = join(import.meta.dirname, '..', '..', 'manifests', '02-crd-networknodepolicy.yaml');
const NS = 'wirespeed-nnp';
const CRD = 'networknodepolicies.wirespeed.io';
const POLICIES = `/apis/wirespeed.io/v1alpha1/namespaces/${NS}/networknodepolicies`;

// Sent as JSON by our own client: @kubernetes/client-node's model serializer would drop `default`, `enum` and
// the x-kubernetes-* keys of a schema read from YAML.
describe('NetworkNodePolicy CRD on a real API server', () => {
  const plane = useControlPlane({ scheduler: false });
  let api: KubeEndpoint;
  const create = (name: string, spec: object) =>
    api.json(POLICIES, {
      method: 'POST',
      body: { apiVersion: 'wirespeed.io/v1alpha1', kind: 'NetworkNodePolicy', metadata: { name }, spec },
    });
  const rejection = async (name: string, spec: object) => {
    const res = await create(name, spec);
    return res.status === 201 ? 'accepted' : String((res.body as { message?: string }).message);
  };

  beforeAll(async () => {
    api = loadKubeEndpoint(plane.cp.kubeconfigPath);
    const crd = await api.json('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      method: 'POST',
      body: parse(readFileSync(MANIFEST, 'utf8')),
    });
    expect([crd.status, (crd.body as { message?: string }).message]).toEqual([201, undefined]);
    await waitFor(`CRD ${CRD} established`, async () => {
      const got = await api.json(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD}`);
      const conditions = (got.body as { status?: { conditions?: { type: string; status: string }[] } }).status
        ?.conditions;
      return conditions?.some((c) => c.type === 'Established' && c.status === 'True') || undefined;
    });
    await api.json('/api/v1/namespaces', { method: 'POST', body: { metadata: { name: NS } } });
    // The CRD's handler can lag Established by a moment: wait until a policy can be created at all.
    await waitFor('policies served', async () => {
      const res = await api.json(POLICIES);
      return res.status === 200 || undefined;
    });
  });

  it('accepts a full policy and fills in the defaults', async () => {
    const res = await create('ok', {
      resourceName: 'sriov_a',
      numVfs: 8,
      nicSelector: { vendor: '8086', pfNames: ['ens1f0#0-3'], rootDevices: ['0000:3b:00.0'] },
      hugepages: { '1Gi': { '0': 4, '1': 4 } },
      mtu: 9000,
    });
    const spec = (res.body as { spec: Record<string, unknown> }).spec;
    expect([res.status, spec.priority, spec.deviceType]).toEqual([201, 99, 'netdevice']);
  });

  it('refuses what the agent would refuse, saying which field', async () => {
    const base = { resourceName: 'sriov_a', numVfs: 8, nicSelector: { vendor: '8086' } };
    expect(await rejection('b1', { ...base, deviceType: 'dpdk' })).toContain('spec.deviceType');
    expect(await rejection('b2', { ...base, nicSelector: {} })).toContain('spec.nicSelector');
    expect(await rejection('b3', { ...base, nicSelector: { pfNames: ['ens1f0#a'] } })).toContain(
      'spec.nicSelector.pfNames[0]',
    );
    expect(await rejection('b4', { ...base, resourceName: 'kubernetes.io/x' })).toContain(
      'extended resources cannot be in the kubernetes.io or k8s.io domains',
    );
    expect(await rejection('b5', { ...base, hugepages: { '1G': { '0': 1 } } })).toContain(
      'page sizes are like 2Mi or 1Gi',
    );
    expect(await rejection('b6', { ...base, hugepages: { '1Gi': { x: 1 } } })).toContain(
      'NUMA nodes are numbers',
    );
    expect(await rejection('b7', { ...base, numVfs: 5000 })).toContain('spec.numVfs');
    expect(await rejection('b8', { numVfs: 1, nicSelector: { vendor: '8086' } })).toContain(
      'spec.resourceName',
    );
  });
});
