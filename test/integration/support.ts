import { afterAll, beforeAll, beforeEach, inject } from 'vitest';
import {
  type ControlPlane,
  type ControlPlaneOptions,
  startControlPlane,
} from '../../src/devcluster/controlplane.js';

/**
 * One control plane for the test file (or describe block) that calls this: started before its tests, stopped
 * after them. When a test fails the state directory, with each component's log, is kept and its path
 * printed, so the failure can be read against what etcd, the API server and the scheduler said.
 */
export function useControlPlane(opts: Omit<ControlPlaneOptions, 'binDir'> = {}): {
  readonly cp: ControlPlane;
} {
  let cp: ControlPlane | undefined;
  let failed = false;
  beforeAll(async () => {
    cp = await startControlPlane({ binDir: inject('k8sBinDir'), ...opts });
  });
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      failed = true;
    });
  });
  afterAll(async () => {
    if (!cp) return;
    await cp.stop({ keepDir: failed });
    if (failed) process.stderr.write(`control plane logs kept in ${cp.logsDir}\n`);
  });
  return {
    get cp(): ControlPlane {
      if (!cp) throw new Error('the control plane is not started yet (use it inside tests or hooks)');
      return cp;
    },
  };
}
