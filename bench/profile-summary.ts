/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and says where the busy time went: by package or area
 * (self time), and by function (self and inclusive). Idle time is left out so the shares are of CPU spent.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  busyMs: number;
  byArea: Share[];
  bySelf: Share[];
  byInclusive: Share[];
  /** Inclusive time of the project's own functions: the admission logic itself. */
  byProjectInclusive: Share[];
}

const NOT_BUSY = new Set(['(idle)', '(program)']);

/** The package, or `wirespeed <dir>`, or `node:<module>`, a frame belongs to. */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const own = /wirespeed-bench\/(?:run-[^/]+\/)?(src\/[^/]+(?:\/[^/]+(?=\/))?|bench)\//.exec(url);
  if (own) return `wirespeed ${own[1]}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(url);
  if (pkg) return pkg[1]!;
  return url;
}

function label(frame: CallFrame): string {
  const file = frame.url.replace(/^.*node_modules\//, '').replace(/^.*wirespeed-bench\/(run-[^/]+\/)?/, '');
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

export function summarizeProfile(path: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i + 1] is the time until the next sample, so it is the time sample i stood for.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }

  const area = new Map<string, number>();
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const projectInclusive = new Map<string, number>();
  let busyUs = 0;
  // Depth-first with the frames on the current path, so a recursive function counts once per sample.
  const walk = (node: ProfileNode, onPath: Set<string>): number => {
    const key = label(node.callFrame);
    const busy = !NOT_BUSY.has(node.callFrame.functionName);
    let total = busy ? (selfUs.get(node.id) ?? 0) : 0;
    if (busy && total > 0) {
      busyUs += total;
      area.set(areaOf(node.callFrame), (area.get(areaOf(node.callFrame)) ?? 0) + total);
      self.set(key, (self.get(key) ?? 0) + total);
    }
    const repeated = onPath.has(key);
    onPath.add(key);
    for (const child of node.children ?? []) {
      const c = byId.get(child);
      if (c) total += walk(c, onPath);
    }
    if (!repeated) {
      onPath.delete(key);
      if (node.callFrame.functionName !== '(root)') {
        inclusive.set(key, (inclusive.get(key) ?? 0) + total);
        if (areaOf(node.callFrame).startsWith('wirespeed src'))
          projectInclusive.set(key, (projectInclusive.get(key) ?? 0) + total);
      }
    }
    return total;
  };
  const root = profile.nodes[0];
  if (root) walk(root, new Set());

  const shares = (m: Map<string, number>): Share[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, percent: busyUs > 0 ? (100 * us) / busyUs : 0 }));
  return {
    busyMs: busyUs / 1000,
    byArea: shares(area),
    bySelf: shares(self),
    byInclusive: shares(inclusive),
    byProjectInclusive: shares(projectInclusive),
  };
}

export function formatSummary(summary: ProfileSummary, detail: 'full' | 'areas' = 'full'): string {
  const rows = (title: string, list: Share[]): string[] => [
    title,
    ...list.map(
      (s) => `  ${s.percent.toFixed(1).padStart(5)}%  ${s.ms.toFixed(0).padStart(6)} ms  ${s.name}`,
    ),
  ];
  const areas = [
    `busy CPU in profile: ${summary.busyMs.toFixed(0)} ms`,
    ...rows('self time by area:', summary.byArea),
  ];
  if (detail === 'areas') return areas.join('\n');
  return [
    ...areas,
    ...rows('self time by function:', summary.bySelf),
    ...rows('inclusive time by function:', summary.byInclusive),
    ...rows('inclusive time in wirespeed functions:', summary.byProjectInclusive),
  ].join('\n');
}
