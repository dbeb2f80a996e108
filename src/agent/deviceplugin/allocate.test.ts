import { describe, expect, it } from 'vitest';
import { pool, vf, vfs } from '../../../test/support/pools.js';
import { containerAllocation, pciDeviceEnvName } from './allocate.js';

describe('pciDeviceEnvName', () => {
  it.each([
    ['intel.com/sriov_net_A', 'PCIDEVICE_INTEL_COM_SRIOV_NET_A'],
    ['openshift.io/p6rdma', 'PCIDEVICE_OPENSHIFT_IO_P6RDMA'],
    ['wirespeed.io/sriov-a', 'PCIDEVICE_WIRESPEED_IO_SRIOV-A'],
    ['a.b.c/x.y', 'PCIDEVICE_A_B_C_X_Y'],
  ])('%s → %s', (resource, env) => {
    expect(pciDeviceEnvName(resource)).toBe(env);
  });
});

describe('containerAllocation', () => {
  it('vfio-pci: the PCIDEVICE env in the order the kubelet gives, its _INFO twin, /dev/vfio/vfio and one node per IOMMU group in group order', () => {
    const devices = [
      vf(0x3b, 0, { iommuGroup: 40 }),
      vf(0x3b, 1, { iommuGroup: 41 }),
      vf(0x3b, 2, { iommuGroup: 41 }),
    ];
    const result = containerAllocation(pool('intel.com/sriov_a', devices), [
      '0000:3b:02.2',
      '0000:3b:02.0',
      '0000:3b:02.1',
    ]);
    expect(result).toEqual({
      ok: true,
      value: {
        envs: {
          PCIDEVICE_INTEL_COM_SRIOV_A: '0000:3b:02.2,0000:3b:02.0,0000:3b:02.1',
          PCIDEVICE_INTEL_COM_SRIOV_A_INFO: JSON.stringify({
            '0000:3b:02.2': {
              generic: { deviceID: '0000:3b:02.2' },
              vfio: { 'dev-mount': '/dev/vfio/41', mount: '/dev/vfio/vfio' },
            },
            '0000:3b:02.0': {
              generic: { deviceID: '0000:3b:02.0' },
              vfio: { 'dev-mount': '/dev/vfio/40', mount: '/dev/vfio/vfio' },
            },
            '0000:3b:02.1': {
              generic: { deviceID: '0000:3b:02.1' },
              vfio: { 'dev-mount': '/dev/vfio/41', mount: '/dev/vfio/vfio' },
            },
          }),
        },
        mounts: [],
        devices: [
          { container_path: '/dev/vfio/vfio', host_path: '/dev/vfio/vfio', permissions: 'rw' },
          { container_path: '/dev/vfio/40', host_path: '/dev/vfio/40', permissions: 'rw' },
          { container_path: '/dev/vfio/41', host_path: '/dev/vfio/41', permissions: 'rw' },
        ],
        annotations: {},
        cdi_devices: [],
      },
    });
  });

  it('netdevice: env only, no device nodes', () => {
    const result = containerAllocation(pool('intel.com/net', vfs(0x5e, 2, { driver: 'iavf' }), 'netdevice'), [
      '0000:5e:02.1',
    ]);
    expect(result).toEqual({
      ok: true,
      value: {
        envs: {
          PCIDEVICE_INTEL_COM_NET: '0000:5e:02.1',
          PCIDEVICE_INTEL_COM_NET_INFO: '{"0000:5e:02.1":{"generic":{"deviceID":"0000:5e:02.1"}}}',
        },
        mounts: [],
        devices: [],
        annotations: {},
        cdi_devices: [],
      },
    });
  });

  it('refuses an ID the pool does not have, naming it', () => {
    expect(containerAllocation(pool('intel.com/a', vfs(0x3b, 2)), ['0000:3b:02.0', '0000:99:02.0'])).toEqual({
      ok: false,
      problem: {
        code: 'InvalidRequest',
        message:
          "device 0000:99:02.0 is not in pool intel.com/a (it has 2 devices); the kubelet's view is stale, it will be corrected by the next ListAndWatch update",
      },
    });
  });

  it('refuses a vfio-pci device without an IOMMU group', () => {
    const result = containerAllocation(pool('intel.com/a', [vf(0x3b, 0, { iommuGroup: null })]), [
      '0000:3b:02.0',
    ]);
    expect(result.ok ? '' : result.problem.message).toBe(
      'device 0000:3b:02.0 of vfio-pci pool intel.com/a has no IOMMU group; enable the IOMMU (intel_iommu=on iommu=pt) and rebind it',
    );
  });
});
