import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { KubeletTopology } from '../api/wirespeed-v1alpha1.js';
import { UsageError } from '../cli/errors.js';
import { durationOption, kubeconfigOption, logLevelOption, portOption } from '../cli/flags.js';
import { DEFAULT_RESOURCE_PREFIX, resourcePrefixProblem } from '../core/pools/policy.js';
import { DEFAULT_KUBELET_TOPOLOGY, kubeletTopologyFromText } from '../core/report/kubelet-config.js';
import { DEFAULT_AGENT_NAMESPACE } from '../core/report/liveness.js';
import type { AgentConfig } from './main.js';

const DEVICE_PLUGIN_DIR = '/var/lib/kubelet/device-plugins';
const POD_RESOURCES_SOCKET = '/var/lib/kubelet/pod-resources/kubelet.sock';
/** Where kubeadm and most distributions keep the kubelet's configuration; the DaemonSet mounts it there. */
export const KUBELET_CONFIG = '/var/lib/kubelet/config.yaml';
export const METRICS_PORT = 8445;

export interface AgentFlags {
  nodeName?: string;
  namespace: string;
  hostRoot: string;
  devicePluginDir: string;
  podResourcesSocket: string;
  kubeletConfig: string;
  resourcePrefix: string;
  rediscoverInterval: number;
  podResourcesInterval: number;
  preferredAllocation: 'pack' | 'spread';
  metricsPort: number;
  bindAddress: string;
  kubeconfig?: string;
  logLevel: string;
  /** `--no-device-setup` sets it false: discover and serve only, never write to the host. */
  deviceSetup: boolean;
  evict: boolean;
  writeTimeout: number;
}

/**
 * The Topology Manager settings of the kubelet's configuration file. `""` means none: the kubelet's defaults.
 * The default path may be absent (a kubelet configured by flags only): then the defaults too, with `missing`.
 */
export function kubeletTopology(
  path: string,
  missing: (message: string) => void = () => undefined,
): KubeletTopology {
  if (path === '') return DEFAULT_KUBELET_TOPOLOGY;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (path === KUBELET_CONFIG && code === 'ENOENT') {
      missing(
        `${path} does not exist: reporting the kubelet's default Topology Manager policy none, scope container; pass --kubelet-config`,
      );
      return DEFAULT_KUBELET_TOPOLOGY;
    }
    throw new UsageError(`--kubelet-config: cannot read ${path}: ${(err as Error).message}`);
  }
  const result = kubeletTopologyFromText(text, path);
  if (!result.ok) throw new UsageError(`--kubelet-config: ${result.problem.message}`);
  return result.value;
}

/** Flags to config: plain data, durations in ms. */
export function agentConfig(
  flags: AgentFlags,
  warn: (message: string) => void = () => undefined,
): AgentConfig {
  if (!flags.nodeName) {
    throw new UsageError(
      '--node-name is required (or set NODE_NAME, e.g. from the Downward API spec.nodeName)',
    );
  }
  const prefixProblem = resourcePrefixProblem(flags.resourcePrefix);
  if (prefixProblem) throw new UsageError(`--resource-prefix: ${prefixProblem}`);
  for (const [flag, path] of [
    ['--device-plugin-dir', flags.devicePluginDir],
    ['--pod-resources-socket', flags.podResourcesSocket],
    ['--host-root', flags.hostRoot],
  ] as const) {
    if (!path.startsWith('/')) throw new UsageError(`${flag} must be an absolute path, not "${path}"`);
  }
  return {
    nodeName: flags.nodeName,
    devicePluginDir: flags.devicePluginDir,
    podResourcesSocket: flags.podResourcesSocket,
    resourcePrefix: flags.resourcePrefix,
    preferredAllocation: flags.preferredAllocation,
    rediscoverIntervalMs: flags.rediscoverInterval,
    podResourcesIntervalMs: flags.podResourcesInterval,
    kubelet: kubeletTopology(flags.kubeletConfig, warn),
    metricsPort: flags.metricsPort,
    bindAddress: flags.bindAddress,
  };
}

export function agentCommand(): Command {
  const command = new Command('agent')
    .description(
      "Run the node agent: serve the node's SR-IOV VFs to the kubelet as device-plugin pools with their NUMA node, and report what is free per NUMA node",
    )
    .option('--node-name <name>', 'this node (default $NODE_NAME)', process.env.NODE_NAME)
    .option(
      '--namespace <namespace>',
      'namespace of the NetworkNodePolicies and of the agent Lease',
      process.env.NAMESPACE ?? DEFAULT_AGENT_NAMESPACE,
    )
    .option('--host-root <dir>', "where the host's /sys is mounted (a simulated host in tests)", '/')
    .option('--device-plugin-dir <dir>', "the kubelet's device-plugin directory", DEVICE_PLUGIN_DIR)
    .option('--pod-resources-socket <path>', "the kubelet's pod-resources socket", POD_RESOURCES_SOCKET)
    .option(
      '--kubelet-config <file>',
      'the kubelet\'s KubeletConfiguration, for its Topology Manager policy and scope ("": the kubelet\'s defaults)',
      KUBELET_CONFIG,
    )
    .option(
      '--resource-prefix <prefix>',
      'prefix of a policy resourceName that has none',
      DEFAULT_RESOURCE_PREFIX,
    )
    .addOption(
      durationOption(
        '--rediscover-interval <duration>',
        'read the host again this often (also on every policy or node label change)',
        10_000,
        { minMs: 500 },
      ),
    )
    .addOption(
      durationOption(
        '--pod-resources-interval <duration>',
        'read pod-resources this often (also right after each Allocate)',
        500,
        { minMs: 100 },
      ),
    )
    .addOption(
      new Option(
        '--preferred-allocation <policy>',
        'GetPreferredAllocation: pack VFs onto one PF, or spread them across PFs',
      )
        .choices(['pack', 'spread'])
        .default('pack'),
    )
    .addOption(
      portOption(
        '--metrics-port <port>',
        'plain-HTTP port of /healthz, /readyz and /metrics',
        METRICS_PORT,
        true,
      ),
    )
    .option('--bind-address <address>', 'address of --metrics-port', '0.0.0.0')
    .option('--no-device-setup', 'never write to the host: discover and serve the VFs as they are')
    .option(
      '--evict',
      'evict (Eviction API, PodDisruptionBudgets honoured) exactly the pods holding VFs a policy change would destroy, instead of refusing the change',
      false,
    )
    .addOption(
      durationOption(
        '--write-timeout <duration>',
        'a sysfs write that has not returned by then marks its PF Stuck (the writer process is killed)',
        120_000,
        { minMs: 100 },
      ),
    )
    .addOption(kubeconfigOption())
    .addOption(logLevelOption());
  command.addHelpText(
    'after',
    `
Serves one device-plugin socket per pool in --device-plugin-dir and registers it with the kubelet (again after a
kubelet restart); writes NodeNetworkState and NodeResourceTopology named after the node, renews the Lease
<namespace>/<node>, labels the node feature.node.kubernetes.io/network-sriov.capable. GET /healthz, /readyz
(ready once every pool is registered, pod-resources answers and the first report is written), /metrics.

Example:
  wirespeed agent --node-name worker-1 --kubelet-config /var/lib/kubelet/config.yaml`,
  );
  command.action(async (flags: AgentFlags) => {
    const { createLogger } = await import('../telemetry/logger.js');
    const log = createLogger({ level: flags.logLevel, name: 'wirespeed-agent' });
    const config = agentConfig(flags, (message) => log.warn(message));
    const { loadKubeEndpoint } = await import('../kube/endpoint.js');
    const { createAgentMetrics } = await import('./metrics.js');
    const { clusterDeps } = await import('./production.js');
    const { startAgent } = await import('./main.js');
    const endpoint = loadKubeEndpoint(flags.kubeconfig);
    const metrics = createAgentMetrics();
    const agent = await startAgent(
      config,
      clusterDeps(
        endpoint,
        {
          nodeName: config.nodeName,
          namespace: flags.namespace,
          hostRoot: flags.hostRoot,
          ...(flags.deviceSetup
            ? { setup: { evict: flags.evict, writeTimeoutMs: flags.writeTimeout, parallelism: 4 } }
            : {}),
          ...(process.env.POD_NAME ? { holderIdentity: process.env.POD_NAME } : {}),
        },
        { log, metrics },
      ),
    );
    const { stopOnSignals } = await import('../serve/shutdown.js');
    stopOnSignals(async () => {
      await agent.stop();
      endpoint.close();
    }, log);
  });
  return command;
}
