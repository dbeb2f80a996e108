/**
 * The cluster's devices at a glance, from the NodeNetworkState reports: per node, per pool, per NUMA node, free
 * out of allocatable, with the sync status and how old the report is. Pure: the command fetches, this shapes.
 */
import type { NodeNetworkState } from '../api/wirespeed-v1alpha1.js';
import { table } from '../cli/table.js';

export interface NodeView {
  name: string;
  topologyManagerPolicy: string | null;
  syncStatus: string | null;
  /** Seconds since the report was written, or null when it has no reportTime. */
  reportAgeSeconds: number | null;
  pools: {
    resourceName: string;
    deviceType: string;
    numaNodes: { numaNode: number; free: number; allocatable: number; allocated: number; capacity: number }[];
  }[];
}

export function nodeViews(states: readonly NodeNetworkState[], now: Date): NodeView[] {
  return [...states]
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    .map((state) => {
      const status = state.status;
      const reported = status?.reportTime ? Date.parse(status.reportTime) : Number.NaN;
      return {
        name: state.metadata.name,
        topologyManagerPolicy: status?.kubelet?.topologyManagerPolicy ?? null,
        syncStatus: status?.syncStatus ?? null,
        reportAgeSeconds: Number.isNaN(reported)
          ? null
          : Math.max(0, Math.round((now.getTime() - reported) / 1000)),
        pools: (status?.pools ?? [])
          .map((pool) => ({
            resourceName: pool.resourceName,
            deviceType: pool.deviceType,
            numaNodes: [...(pool.numaNodes ?? [])]
              .sort((a, b) => a.numaNode - b.numaNode)
              .map(({ numaNode, free, allocatable, allocated, capacity }) => ({
                numaNode,
                free,
                allocatable,
                allocated,
                capacity,
              })),
          }))
          .sort((a, b) => a.resourceName.localeCompare(b.resourceName)),
      };
    });
}

/** `3s`, `4m`, `2h`, `5d`: kubectl's AGE style. */
export function shortAge(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

const numaLabel = (n: number): string => (n < 0 ? 'NUMA?' : `NUMA${n}`);

/**
 * One row per node and pool; one column per NUMA node seen anywhere, holding `free/allocatable`. A node without
 * pools gets one row with `-`.
 */
export function renderNodesTable(views: readonly NodeView[]): string {
  const numaNodes = [
    ...new Set(views.flatMap((v) => v.pools.flatMap((p) => p.numaNodes.map((n) => n.numaNode)))),
  ].sort((a, b) => a - b);
  const header = [
    'NODE',
    'POOL',
    'TYPE',
    ...numaNodes.map(numaLabel),
    'TOTAL',
    'SYNC',
    'POLICY',
    'REPORT AGE',
  ];
  const rows: string[][] = [];
  for (const v of views) {
    const tail = [v.syncStatus ?? '-', v.topologyManagerPolicy ?? '-', shortAge(v.reportAgeSeconds)];
    if (v.pools.length === 0) rows.push([v.name, '-', '-', ...numaNodes.map(() => '-'), '-', ...tail]);
    for (const pool of v.pools) {
      const byNuma = new Map(pool.numaNodes.map((n) => [n.numaNode, n]));
      const cells = numaNodes.map((n) => {
        const c = byNuma.get(n);
        return c ? `${c.free}/${c.allocatable}` : '-';
      });
      const free = pool.numaNodes.reduce((s, n) => s + n.free, 0);
      const allocatable = pool.numaNodes.reduce((s, n) => s + n.allocatable, 0);
      rows.push([v.name, pool.resourceName, pool.deviceType, ...cells, `${free}/${allocatable}`, ...tail]);
    }
  }
  return table([header, ...rows]);
}
