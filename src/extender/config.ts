/** The extender's options (plain data from flags, durations in ms) and their defaults; no I/O imports. */
import type { FitOptions } from '../core/fit/index.js';
import { AGENT_LEASE_NAME_PREFIX, DEFAULT_AGENT_NAMESPACE } from '../core/report/liveness.js';
import type { ServingTls } from './server.js';

export interface ExtenderConfig {
  port: number;
  bindAddress: string;
  /** Plain-HTTP port for /healthz, /readyz, /metrics only; undefined: none (they stay on `port`). */
  healthPort?: number;
  tls?: ServingTls;
  /** Path prefix of the verbs (the path part of the scheduler's urlPrefix). */
  prefix: string;
  bindMode: boolean;
  fit: FitOptions;
  /** false: no ledger, reports alone (for comparison: shows the race the ledger closes). */
  ledger: boolean;
  maxReportAgeMs: number;
  reservationTtlMs: number;
  /** How long a filtered pod holds its demand on the nodes it passed while its binding is not seen. */
  inflightTtlMs: number;
  maxReservations: number;
  /** Namespace of the agents' Leases; '' judges liveness by reportTime alone. */
  leaseNamespace: string;
  leaseNamePrefix: string;
  managedResources: string[];
  bodyLimitBytes: number;
  keepAliveTimeoutMs: number;
  requestTimeoutMs: number;
  shutdownTimeoutMs: number;
}

export const DEFAULT_EXTENDER_CONFIG: ExtenderConfig = {
  port: 8890,
  bindAddress: '127.0.0.1',
  prefix: '',
  bindMode: false,
  fit: { score: 'tight', missingReport: 'reject' },
  ledger: true,
  maxReportAgeMs: 0,
  reservationTtlMs: 5 * 60_000,
  // Binding and its watch event take tens of milliseconds on a quiet API server, seconds on a loaded one (the
  // real-kubelet race test saw double-bookings with 3 s). A hold outliving its pod costs only pessimism, and a
  // pod the scheduler retries replaces its holds, so the window errs long.
  inflightTtlMs: 15_000,
  maxReservations: 100_000,
  leaseNamespace: DEFAULT_AGENT_NAMESPACE,
  leaseNamePrefix: AGENT_LEASE_NAME_PREFIX,
  managedResources: [],
  // A Pod is at most 1.5 MiB (etcd's default request limit) and 5,000 node names about 1.3 MB at the 253-
  // character maximum, so 16 MiB holds any nodeCacheCapable request with room for a few hundred full Node
  // objects (5-20 kB each with status.images) from a scheduler configured without it, while bounding what
  // one request can make us buffer.
  bodyLimitBytes: 16 * 1024 * 1024,
  // Above the 90 s for which the scheduler's Go transport keeps idle connections.
  keepAliveTimeoutMs: 120_000,
  // Below the httpTimeout of 5 s in manifests/60-scheduler-config.yaml.
  requestTimeoutMs: 4000,
  shutdownTimeoutMs: 10_000,
};
