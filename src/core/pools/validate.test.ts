import { describe, expect, it } from 'vitest';
import { parsePfName, resourceNameProblem, resourcePrefixProblem } from './policy.js';
import { validatePolicy } from './validate.js';

const policy = (spec: unknown, name = 'a') => ({
  apiVersion: 'wirespeed.io/v1alpha1',
  kind: 'NetworkNodePolicy',
  metadata: { name, namespace: 'wirespeed', generation: 3 },
  spec,
});
const base = { resourceName: 'sriov_a', numVfs: 8, nicSelector: { pfNames: ['enp24s0f0'] } };

describe('validatePolicy', () => {
  it('normalises a valid policy: prefix, defaults, lower-case IDs, parsed ranges', () => {
    const got = validatePolicy(
      policy({
        resourceName: 'sriov_a',
        numVfs: 8,
        deviceType: 'vfio-pci',
        mtu: 9000,
        nodeSelector: { 'kubernetes.io/hostname': 'n1' },
        nicSelector: {
          vendor: '8086',
          deviceID: '158B',
          pfNames: ['enp24s0f0#0-3', 'enp26s0f0'],
          rootDevices: ['0000:3B:00.0'],
        },
        hugepages: { '1Gi': { '0': 4 } },
      }),
    );
    expect(got).toEqual({
      ok: true,
      value: {
        key: 'wirespeed/a',
        generation: 3,
        resourceName: 'wirespeed.io/sriov_a',
        priority: 99,
        nodeSelector: { 'kubernetes.io/hostname': 'n1' },
        deviceType: 'vfio-pci',
        numVfs: 8,
        mtu: 9000,
        nicSelector: {
          vendor: '8086',
          deviceID: '158b',
          pfNames: [{ name: 'enp24s0f0', range: { first: 0, last: 3 } }, { name: 'enp26s0f0' }],
          rootDevices: ['0000:3b:00.0'],
        },
        hugepages: { '1Gi': { '0': 4 } },
      },
    });
    expect(validatePolicy(policy({ ...base, resourceName: 'example.com/x' }), 'other.io')).toMatchObject({
      ok: true,
      value: { resourceName: 'example.com/x', deviceType: 'netdevice' },
    });
    expect(validatePolicy(policy(base), 'intel.com')).toMatchObject({
      value: { resourceName: 'intel.com/sriov_a' },
    });
  });

  it.each([
    [
      'no spec',
      undefined,
      'NetworkNodePolicy wirespeed/a: spec is missing; a policy needs at least spec.resourceName, spec.nicSelector and spec.numVfs',
    ],
    [
      'empty spec',
      {},
      'NetworkNodePolicy wirespeed/a: spec.resourceName is missing; name the pool, e.g. sriov_a or example.com/sriov_a; spec.numVfs is missing; it must be a whole number 0-4096; spec.nicSelector is missing; select PFs by vendor, deviceID, pfNames, rootDevices or netFilter',
    ],
    [
      'range beyond numVfs',
      { ...base, numVfs: 4, nicSelector: { pfNames: ['enp24s0f0#2-5'] } },
      'NetworkNodePolicy wirespeed/a: spec.nicSelector.pfNames[0] "enp24s0f0#2-5" reaches VF 5, but numVfs 4 makes VFs 0-3; raise numVfs or lower the range',
    ],
    [
      'bad range syntax and reversed range',
      { ...base, nicSelector: { pfNames: ['enp24s0f0#a-b', 'x#5-2', 'has space'] } },
      'NetworkNodePolicy wirespeed/a: spec.nicSelector.pfNames[0] "enp24s0f0#a-b": the VF range must be first-last, e.g. enp24s0f0#0-7; spec.nicSelector.pfNames[1] "x#5-2": the VF range starts after it ends; write x#2-5; spec.nicSelector.pfNames[2] "has space" is not a PF name with an optional VF range, e.g. ens1f0 or ens1f0#0-7',
    ],
    [
      'wrong types everywhere',
      {
        resourceName: 'bad name!',
        numVfs: -1,
        priority: 100,
        deviceType: 'dpdk',
        mtu: 10,
        nodeSelector: { a: 1 },
        nicSelector: { vendor: '0x8086', rootDevices: ['3b:00.0'], pfNames: 'ens1f0' },
        hugepages: { '1G': { x: -2 } },
      },
      'NetworkNodePolicy wirespeed/a: spec.resourceName "bad name!": the name must be 1-63 letters, digits, \'_\', \'-\' or \'.\', starting and ending with a letter or digit, e.g. sriov_a; spec.numVfs -1; it must be a whole number 0-4096; spec.priority 100 must be a whole number 0-99 (0 wins); spec.deviceType "dpdk" must be one of netdevice, vfio-pci, vdpa-virtio, vdpa-vhost; spec.mtu 10 must be a whole number 68-65535; spec.nodeSelector must map label names to string values; spec.nicSelector.vendor "0x8086" must be 4 hex digits without 0x, e.g. 8086; spec.nicSelector.pfNames must be a list of strings; spec.nicSelector.rootDevices[0] "3b:00.0" is not a PCI address, e.g. 0000:3b:00.0; spec.hugepages: "1G" is not a page size like 2Mi or 1Gi; spec.hugepages.1G: "x" is not a NUMA node number; spec.hugepages.1G.x: -2 pages must be a whole number 0-1000000',
    ],
    [
      'a selector that selects nothing',
      { ...base, nicSelector: {} },
      'NetworkNodePolicy wirespeed/a: spec.nicSelector selects nothing; set vendor, deviceID, pfNames, rootDevices or netFilter',
    ],
    [
      'a reserved prefix',
      { ...base, resourceName: 'kubernetes.io/sriov' },
      'NetworkNodePolicy wirespeed/a: spec.resourceName "kubernetes.io" is reserved for Kubernetes; extended resources need another domain, e.g. wirespeed.io',
    ],
  ])('%s', (_name, spec, message) => {
    expect(validatePolicy(policy(spec))).toEqual({ ok: false, problem: { code: 'InvalidPolicy', message } });
  });

  it('never throws on values that are not policies', () => {
    for (const v of [
      null,
      3,
      'x',
      [],
      { metadata: 1 },
      { spec: [] },
      { metadata: { name: 'n' }, spec: { nicSelector: [] } },
    ]) {
      expect(validatePolicy(v).ok).toBe(false);
    }
    expect(validatePolicy({ spec: base })).toEqual({
      ok: false,
      problem: { code: 'InvalidPolicy', message: 'NetworkNodePolicy (unnamed): metadata.name is missing' },
    });
  });
});

describe('pfNames, resource names and prefixes', () => {
  it('parses name#first-last and name#n', () => {
    expect(parsePfName('ens1f0')).toEqual({ ok: true, value: { name: 'ens1f0' } });
    expect(parsePfName('ens1f0#3')).toEqual({
      ok: true,
      value: { name: 'ens1f0', range: { first: 3, last: 3 } },
    });
    expect(parsePfName('ens1f0#0-7#1').ok).toBe(false);
    expect(parsePfName('averyveryverylongname').ok).toBe(false);
  });

  it('checks resource names and prefixes as Kubernetes does for extended resources', () => {
    expect(resourceNameProblem('intel.com/sriov_net_A')).toBeNull();
    expect(resourceNameProblem('sriov-a.b')).toBeNull();
    expect(resourceNameProblem('Intel.com/a')).toBe(
      "\"Intel.com\" is not a DNS subdomain (lower-case letters, digits, '-' and '.'), e.g. wirespeed.io",
    );
    expect(resourcePrefixProblem('sub.k8s.io')).toBe(
      '"sub.k8s.io" is reserved for Kubernetes; extended resources need another domain, e.g. wirespeed.io',
    );
    expect(resourcePrefixProblem('example.com')).toBeNull();
  });
});
