import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentFlags, agentCommand, agentConfig, KUBELET_CONFIG } from './command.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ws-agent-cmd-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const flags = (over: Partial<AgentFlags> = {}): AgentFlags => ({
  nodeName: 'worker-1',
  namespace: 'wirespeed-agent',
  hostRoot: '/',
  devicePluginDir: '/var/lib/kubelet/device-plugins',
  podResourcesSocket: '/var/lib/kubelet/pod-resources/kubelet.sock',
  kubeletConfig: '',
  resourcePrefix: 'wirespeed.io',
  rediscoverInterval: 10_000,
  podResourcesInterval: 500,
  preferredAllocation: 'pack',
  metricsPort: 8445,
  bindAddress: '0.0.0.0',
  logLevel: 'info',
  deviceSetup: true,
  evict: false,
  writeTimeout: 120_000,
  ...over,
});

describe('agentConfig', () => {
  it('maps flags to plain config', () => {
    expect(agentConfig(flags({ preferredAllocation: 'spread' }))).toEqual({
      nodeName: 'worker-1',
      devicePluginDir: '/var/lib/kubelet/device-plugins',
      podResourcesSocket: '/var/lib/kubelet/pod-resources/kubelet.sock',
      resourcePrefix: 'wirespeed.io',
      preferredAllocation: 'spread',
      rediscoverIntervalMs: 10_000,
      podResourcesIntervalMs: 500,
      kubelet: { topologyManagerPolicy: 'none', topologyManagerScope: 'container' },
      metricsPort: 8445,
      bindAddress: '0.0.0.0',
    });
  });

  it('reads the Topology Manager policy and scope from the kubelet configuration', async () => {
    const path = join(dir, 'kubelet.yaml');
    await writeFile(
      path,
      'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ntopologyManagerPolicy: single-numa-node\ntopologyManagerScope: pod\n',
    );
    expect(agentConfig(flags({ kubeletConfig: path })).kubelet).toEqual({
      topologyManagerPolicy: 'single-numa-node',
      topologyManagerScope: 'pod',
    });
  });

  it.each([
    [
      { nodeName: undefined },
      '--node-name is required (or set NODE_NAME, e.g. from the Downward API spec.nodeName)',
    ],
    [
      { resourcePrefix: 'Intel' },
      `--resource-prefix: "Intel" is not a DNS subdomain (lower-case letters, digits, '-' and '.'), e.g. wirespeed.io`,
    ],
    [{ devicePluginDir: 'dp' }, '--device-plugin-dir must be an absolute path, not "dp"'],
    [
      { kubeletConfig: '/nonexistent/kubelet.yaml' },
      "--kubelet-config: cannot read /nonexistent/kubelet.yaml: ENOENT: no such file or directory, open '/nonexistent/kubelet.yaml'",
    ],
  ] as [Partial<AgentFlags>, string][])('refuses %j', (over, message) => {
    expect(() => agentConfig(flags(over))).toThrow(message);
  });

  it('refuses a configuration with an unknown policy, naming the file', async () => {
    const path = join(dir, 'bad.yaml');
    await writeFile(path, 'kind: KubeletConfiguration\ntopologyManagerPolicy: numa-please\n');
    expect(() => agentConfig(flags({ kubeletConfig: path }))).toThrow(
      `--kubelet-config: kubelet configuration ${path}: topologyManagerPolicy "numa-please" is not one of none, best-effort, restricted, single-numa-node`,
    );
  });

  // On a machine with a real kubelet configuration there, the fallback cannot be shown.
  it.skipIf(existsSync(KUBELET_CONFIG))(
    'falls back to the defaults, with a warning, when the default path is absent',
    () => {
      const warnings: string[] = [];
      expect(agentConfig(flags({ kubeletConfig: KUBELET_CONFIG }), (m) => warnings.push(m)).kubelet).toEqual({
        topologyManagerPolicy: 'none',
        topologyManagerScope: 'container',
      });
      expect(warnings).toEqual([
        "/var/lib/kubelet/config.yaml does not exist: reporting the kubelet's default Topology Manager policy none, scope container; pass --kubelet-config",
      ]);
    },
  );
});

describe('agent command', () => {
  it('declares every flag of the brief', () => {
    expect(agentCommand().options.map((o) => o.long)).toEqual([
      '--node-name',
      '--namespace',
      '--host-root',
      '--device-plugin-dir',
      '--pod-resources-socket',
      '--kubelet-config',
      '--resource-prefix',
      '--rediscover-interval',
      '--pod-resources-interval',
      '--preferred-allocation',
      '--metrics-port',
      '--bind-address',
      '--no-device-setup',
      '--evict',
      '--write-timeout',
      '--kubeconfig',
      '--log-level',
    ]);
  });
});
