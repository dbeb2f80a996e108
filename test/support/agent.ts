/** The agent's configuration on a real node stand-in, as the integration tests run it: short intervals. */
import { kubeletTopology } from '../../src/agent/command.js';
import type { AgentConfig } from '../../src/agent/main.js';
import type { RealNode } from '../../src/devcluster/kubelet.js';

export function agentConfigOn(
  nodeName: string,
  node: Pick<RealNode, 'devicePluginDir' | 'podResourcesSocket' | 'kubeletConfigPath'>,
  overrides: Partial<AgentConfig> = {},
): AgentConfig {
  return {
    nodeName,
    devicePluginDir: node.devicePluginDir,
    podResourcesSocket: node.podResourcesSocket,
    resourcePrefix: 'wirespeed.io',
    preferredAllocation: 'pack',
    rediscoverIntervalMs: 500,
    podResourcesIntervalMs: 200,
    kubelet: kubeletTopology(node.kubeletConfigPath),
    metricsPort: 0,
    bindAddress: '127.0.0.1',
    socketCheckIntervalMs: 200,
    ...overrides,
  };
}
