/**
 * A simulated host in a fresh temporary directory, for tests: the directory, a `Host` rooted there, and a
 * cleanup that removes it. Build the layout with `simulatedLayout` (and edit it) for anything unusual.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Host } from '../../src/agent/host/host.js';
import { rootedHost } from '../../src/agent/host/rooted-host.js';
import {
  type SimHostLayout,
  type SimHostOptions,
  simulatedLayout,
} from '../../src/agent/host/simulated/layout.js';
import { createSimulatedHost } from '../../src/agent/host/simulated/simulated-host.js';

export interface TestSimHost {
  dir: string;
  host: Host;
  layout: SimHostLayout;
  cleanup(): Promise<void>;
}

export async function testSimHost(layout: SimHostLayout | SimHostOptions): Promise<TestSimHost> {
  const full = 'numaNodes' in layout ? layout : simulatedLayout(layout);
  const dir = await mkdtemp(join(tmpdir(), 'wirespeed-simhost-'));
  await createSimulatedHost(dir, full);
  return {
    dir,
    host: rootedHost(dir),
    layout: full,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
