import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { componentRegistry } from '../telemetry/metrics.js';
import type { DevicePluginsEvents } from './deviceplugin/device-plugins.js';

/** The agent's metrics, on a registry of its own so several agents in one process (tests) never collide. */
export interface AgentMetrics {
  registry: Registry;
  devices: Gauge<'pool' | 'numa_node' | 'health'>;
  registrations: Counter<'pool' | 'result'>;
  reserves: Counter<'pool'>;
  rpcs: Counter<'pool' | 'method' | 'result'>;
  listAndWatchUpdates: Counter<'pool'>;
  discoveries: Counter<'result'>;
  discoveryDuration: Histogram;
  podResourcesPolls: Counter<'result'>;
  reports: Counter<'result'>;
}

export function createAgentMetrics(opts: { processMetrics?: boolean } = {}): AgentMetrics {
  const registry = componentRegistry(opts);
  const registers = [registry];
  return {
    registry,
    devices: new Gauge({
      name: 'wirespeed_agent_devices',
      help: 'Devices served per pool, NUMA node (-1: none reported) and health (Healthy, Unhealthy).',
      labelNames: ['pool', 'numa_node', 'health'],
      registers,
    }),
    registrations: new Counter({
      name: 'wirespeed_agent_registrations_total',
      help: 'Register calls to the kubelet per pool by result (ok, error).',
      labelNames: ['pool', 'result'],
      registers,
    }),
    reserves: new Counter({
      name: 'wirespeed_agent_socket_reserves_total',
      help: 'Times a pool socket was found deleted (a kubelet restart) and served again.',
      labelNames: ['pool'],
      registers,
    }),
    rpcs: new Counter({
      name: 'wirespeed_agent_device_plugin_rpcs_total',
      help: 'Device-plugin calls from the kubelet per pool, method and result (ok, error).',
      labelNames: ['pool', 'method', 'result'],
      registers,
    }),
    listAndWatchUpdates: new Counter({
      name: 'wirespeed_agent_list_and_watch_messages_total',
      help: 'ListAndWatch messages sent per pool (the first on each stream and every change).',
      labelNames: ['pool'],
      registers,
    }),
    discoveries: new Counter({
      name: 'wirespeed_agent_discoveries_total',
      help: 'Host discoveries by result (ok, error).',
      labelNames: ['result'],
      registers,
    }),
    discoveryDuration: new Histogram({
      name: 'wirespeed_agent_discovery_duration_seconds',
      help: 'Time to read the host (PFs, VFs, NUMA nodes).',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    podResourcesPolls: new Counter({
      name: 'wirespeed_agent_pod_resources_polls_total',
      help: 'pod-resources List + GetAllocatableResources rounds by result (ok, error).',
      labelNames: ['result'],
      registers,
    }),
    reports: new Counter({
      name: 'wirespeed_agent_reports_total',
      help: 'Report rounds by result: written (changed), unchanged, or error.',
      labelNames: ['result'],
      registers,
    }),
  };
}

/** Device-plugin events counted into the metrics. */
export function devicePluginEvents(metrics: AgentMetrics): DevicePluginsEvents {
  return {
    registered: (pool, result) => metrics.registrations.inc({ pool, result }),
    reserved: (pool) => metrics.reserves.inc({ pool }),
    call: (pool, method, result) => metrics.rpcs.inc({ pool, method, result }),
    listed: (pool) => metrics.listAndWatchUpdates.inc({ pool }),
  };
}
