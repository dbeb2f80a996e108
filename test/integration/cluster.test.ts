/**
 * The local cluster stops everything it started when its start fails half-way, and when `stop()` comes while it
 * is still starting (Ctrl-C in the demo): no child process of this test outlives either, and no directory.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_POLICIES, demoNodes, POOLS } from '../../src/demo/scenario.js';
import { resolveNodeBinaries } from '../../src/devcluster/binaries.js';
import { ClusterStopped, LocalCluster } from '../../src/harness/cluster.js';
import { realNodeSkipReason } from '../support/real-node.js';

/** Commands of this process's live children (zombies excluded). */
function children(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [, state, ppid] = /\) (\S) (\d+)/.exec(stat) ?? [];
      if (Number(ppid) === process.pid && state !== 'Z')
        out.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? pid);
    } catch {
      // gone meanwhile
    }
  }
  return out.filter((cmd) => !cmd.includes('esbuild'));
}

describe.skipIf(realNodeSkipReason)('local cluster start and stop', () => {
  let nodeBinDir = '';
  beforeAll(async () => {
    nodeBinDir = await resolveNodeBinaries();
  }, 20 * 60_000);
  const options = () => ({
    policies: DEMO_POLICIES,
    managedResources: Object.values(POOLS),
    binDir: inject('k8sBinDir'),
    nodeBinDir,
  });

  it('a node that cannot start fails the start with its reason and leaves nothing running', async () => {
    const [good] = demoNodes(1);
    if (!good) throw new Error('no demo node');
    const lines: string[] = [];
    const local = new LocalCluster({
      ...options(),
      nodes: [good, { ...good, name: 'Not_A_Node_Name' }],
      progress: (line) => lines.push(line),
    });
    await expect(local.start()).rejects.toThrow('node name "Not_A_Node_Name" is not a DNS-1123 subdomain');
    expect(lines.some((l) => l.startsWith('==> 2 real nodes'))).toBe(true);
    expect(children()).toEqual([]);
  });

  it('stop() during the start stops what runs and fails the start with ClusterStopped', async () => {
    const ours = () =>
      readdirSync('/tmp').filter(
        (d) => d.startsWith('wirespeed-cluster-') || d.startsWith('wirespeed-hosts-'),
      );
    // Other runs on this machine have directories of the same kind: only those this start made count.
    const earlier = new Set(ours());
    let dirs: string[] = [];
    let stopping: Promise<void> | undefined;
    const local: LocalCluster = new LocalCluster({
      ...options(),
      nodes: demoNodes(2),
      progress: (line) => {
        if (!line.startsWith('==> 2 real nodes') || stopping) return;
        dirs = ours().filter((d) => !earlier.has(d));
        stopping = local.stop();
      },
    });
    await expect(local.start()).rejects.toBeInstanceOf(ClusterStopped);
    await stopping;
    expect(children()).toEqual([]);
    expect(dirs.length).toBe(2);
    expect(dirs.filter((d) => existsSync(`/tmp/${d}`))).toEqual([]);
  });
});
