/**
 * How a reader tells a live agent from a dead one: each agent renews a coordination.k8s.io/v1 Lease, as the
 * kubelet renews its node lease, so a report that has not changed for hours is still known to be current
 * while its agent renews. The extender reads these Leases; the names here are the contract.
 */

/** Renew every 10 s; a Lease not renewed for 40 s (four missed renewals) marks its agent, and report, stale. */
export const AGENT_LEASE_RENEW_MS = 10_000;
export const AGENT_LEASE_DURATION_SECONDS = 40;

/** The agent's Lease is `wirespeed-agent-<node>`, in the agent's namespace. */
export const AGENT_LEASE_NAME_PREFIX = 'wirespeed-agent-';

/**
 * The name of the Lease of the agent on `nodeName`. Node names are DNS subdomains of up to 253 characters, so a
 * node name longer than 237 characters gives no valid Lease name; real node names are host names (≤ 63).
 */
export const agentLeaseName = (nodeName: string): string => `${AGENT_LEASE_NAME_PREFIX}${nodeName}`;

/** The namespace the shipped manifests run the agent in, and so where its Leases are. */
export const DEFAULT_AGENT_NAMESPACE = 'wirespeed-agent';

/** The Lease fields a reader needs. */
export interface LeaseSpecLite {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** RFC 3339 with microseconds (metav1.MicroTime). */
  renewTime?: string;
  acquireTime?: string;
}

/** metav1.MicroTime: the API server parses exactly six fractional digits. */
export const formatMicroTime = (time: Date): string => time.toISOString().replace(/Z$/, '000Z');

/**
 * Whether the Lease was renewed within its duration at `now`. A Lease without renewTime or duration is not
 * live; a renewTime in the future (clock skew between nodes) counts as just renewed.
 */
export function leaseIsLive(spec: LeaseSpecLite | undefined, now: Date): boolean {
  if (!spec?.renewTime || !spec.leaseDurationSeconds || spec.leaseDurationSeconds <= 0) return false;
  const renewed = Date.parse(spec.renewTime);
  if (Number.isNaN(renewed)) return false;
  return now.getTime() - renewed < spec.leaseDurationSeconds * 1000;
}
