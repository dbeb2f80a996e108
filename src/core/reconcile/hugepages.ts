/**
 * Hugepages per NUMA node: a step for each (node, size) whose `nr_hugepages` differs from the wish; a wish for
 * a node or page size the host does not have is a problem, not a step. The applier reads each count back,
 * since the kernel grants what it can and says nothing of a shortfall.
 */
import type { ObservedHost } from '../host/observed.js';
import type { DesiredHost } from './desired.js';
import type { HugepageStep } from './types.js';

export const KUBELET_RESTART =
  'kubelet restart needed to see new hugepage capacity (the kubelet reads it only at start-up)';

export function planHugepages(
  wish: DesiredHost['hugepages'],
  observed: ObservedHost,
): { steps: HugepageStep[]; problems: string[] } {
  const steps: HugepageStep[] = [];
  const problems: string[] = [];
  const keys = [...wish.keys()].sort();
  for (const key of keys) {
    const w = wish.get(key) as NonNullable<ReturnType<typeof wish.get>>;
    const node = observed.numaNodes.find((n) => n.id === w.numaNode);
    const size = node?.hugepages.find((h) => h.sizeKiB === w.sizeKiB);
    if (!node || !size) {
      problems.push(
        node
          ? `hugepages ${w.size} on NUMA node ${w.numaNode}: the host has no ${w.size} pages (sizes: ${node.hugepages.map((h) => `${h.sizeKiB}kB`).join(', ') || 'none'})`
          : `hugepages ${w.size} on NUMA node ${w.numaNode}: the host has no NUMA node ${w.numaNode}`,
      );
      continue;
    }
    if (size.total !== w.pages) steps.push({ numaNode: w.numaNode, sizeKiB: w.sizeKiB, pages: w.pages });
  }
  return { steps, problems };
}
