import { describe, expect, it } from 'vitest';
import { kubeletArgs, kubeletConfiguration, nodePaths } from './real-node-config.js';

const base = {
  dir: '/tmp/wsnode-x',
  port: 10250,
  healthzPort: 10248,
  topologyManagerPolicy: 'single-numa-node' as const,
  topologyManagerScope: 'container' as const,
};

describe('kubeletConfiguration', () => {
  it('points the kubelet at the node directory and loopback ports, with the static CPU manager', () => {
    const config = kubeletConfiguration({ ...base, cpuManager: true });
    expect(config).toMatchObject({
      containerRuntimeEndpoint: 'unix:///tmp/wsnode-x/cri.sock',
      imageServiceEndpoint: 'unix:///tmp/wsnode-x/cri.sock',
      address: '127.0.0.1',
      port: 10250,
      healthzBindAddress: '127.0.0.1',
      healthzPort: 10248,
      readOnlyPort: 0,
      cgroupsPerQOS: false,
      failCgroupV1: false,
      cpuManagerPolicy: 'static',
      reservedSystemCPUs: '0',
      topologyManagerPolicy: 'single-numa-node',
      topologyManagerScope: 'container',
      nodeStatusUpdateFrequency: '1s',
      podLogsDir: '/tmp/wsnode-x/pod-logs',
    });
  });

  it('runs the none CPU policy with no reserved CPUs when the CPU manager is off', () => {
    const config = kubeletConfiguration({ ...base, topologyManagerScope: 'pod', cpuManager: false });
    expect(config.cpuManagerPolicy).toBe('none');
    expect('reservedSystemCPUs' in config).toBe(false);
    expect(config.topologyManagerScope).toBe('pod');
  });
});

describe('nodePaths and kubeletArgs', () => {
  it('keep the kubelet root under the node directory, seen as /var/lib/kubelet by the kubelet', () => {
    const p = nodePaths('/tmp/wsnode-x');
    expect(p.devicePluginDir).toBe('/tmp/wsnode-x/kubelet/device-plugins');
    expect(p.podResourcesSocket).toBe('/tmp/wsnode-x/kubelet/pod-resources/kubelet.sock');
    expect(kubeletArgs('/tmp/wsnode-x', 'n1')).toEqual([
      '--config=/tmp/wsnode-x/kubelet-config.yaml',
      '--kubeconfig=/tmp/wsnode-x/kubeconfig',
      '--root-dir=/var/lib/kubelet',
      '--cert-dir=/tmp/wsnode-x/pki',
      '--hostname-override=n1',
      '--v=2',
    ]);
  });
});
