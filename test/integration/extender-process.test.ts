/**
 * `wirespeed extender` as a process against a real API server: flags to a listening server, readiness once the
 * informers have listed, a filter answered from a report written after start, and SIGTERM draining to exit 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/devcluster/wait.js';
import {
  devicePod,
  ensureNamespace,
  ensureNodeNetworkStateCrd,
  reportStatus,
  writeAgentLease,
  writeNodeNetworkState,
} from '../../src/harness/local-extender.js';
import { loadKubeEndpoint } from '../../src/kube/endpoint.js';
import { useControlPlane } from './support.js';

const ROOT = join(import.meta.dirname, '..', '..');
const POOL = 'example.com/proc';

describe('wirespeed extender (the process)', () => {
  const plane = useControlPlane({ scheduler: false });
  let child: ChildProcess;
  const logLines: Record<string, unknown>[] = [];
  let exit: Promise<number | null>;

  beforeAll(async () => {
    const endpoint = loadKubeEndpoint(plane.cp.kubeconfigPath);
    await ensureNodeNetworkStateCrd(endpoint);
    await ensureNamespace(endpoint, 'wirespeed-agent');
    await writeNodeNetworkState(endpoint, 'proc-node', reportStatus({ [POOL]: [[2, 2]] }));
    await writeAgentLease(endpoint, 'wirespeed-agent', 'proc-node');
    endpoint.close();
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli.ts',
        'extender',
        `--kubeconfig=${plane.cp.kubeconfigPath}`,
        '--port=0',
        '--health-port=0',
        `--managed-resources=${POOL}`,
        '--url-prefix=/scheduler',
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    let buffered = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        try {
          logLines.push(JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>);
        } catch {
          logLines.push({ msg: buffered.slice(0, nl) });
        }
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
      }
    });
  });
  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('listens, becomes ready, answers filter, and exits 0 on SIGTERM', async () => {
    const listening = await waitFor(
      'the extender to log where it listens',
      async () =>
        logLines.find((l) => l.msg === 'extender listening') as
          | { port: number; healthPort: number }
          | undefined,
      { timeoutMs: 60_000, detail: () => JSON.stringify(logLines.slice(-5)) },
    );
    await waitFor('readiness', async () => {
      const res = await fetch(`http://127.0.0.1:${listening.healthPort}/readyz`);
      return res.status === 200 ? true : undefined;
    });
    const res = await fetch(`http://127.0.0.1:${listening.port}/scheduler/filter`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Pod: devicePod('default', 'p', POOL, 2), NodeNames: ['proc-node', 'other'] }),
    });
    expect(await res.json()).toEqual({
      NodeNames: ['proc-node'],
      FailedNodes: { other: 'no topology report' },
      FailedAndUnresolvableNodes: {},
      Error: '',
    });
    const metrics = await (await fetch(`http://127.0.0.1:${listening.healthPort}/metrics`)).text();
    expect(metrics).toContain('wirespeed_extender_request_duration_seconds_count{verb="filter"} 1');
    expect(metrics).toContain('wirespeed_nodejs_eventloop_lag_p99_seconds');
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(logLines.some((l) => l.msg === 'extender stopped')).toBe(true);
  });
});
