/**
 * The node label saying the host has an SR-IOV NIC, under the key node-feature-discovery uses, so node
 * selectors written for NFD keep working on clusters that run our agent instead.
 */

export const SRIOV_CAPABLE_LABEL = 'feature.node.kubernetes.io/network-sriov.capable';

/**
 * The JSON merge patch that makes the node's labels say `capable`, or null when they already do. Only this
 * key is touched: `null` in a merge patch removes it, and nothing else of the node changes.
 */
export function sriovCapableLabelPatch(
  labels: Readonly<Record<string, string>> | undefined,
  capable: boolean,
): { metadata: { labels: Record<string, string | null> } } | null {
  const current = labels?.[SRIOV_CAPABLE_LABEL];
  if (capable) {
    return current === 'true' ? null : { metadata: { labels: { [SRIOV_CAPABLE_LABEL]: 'true' } } };
  }
  return current === undefined ? null : { metadata: { labels: { [SRIOV_CAPABLE_LABEL]: null } } };
}
