/**
 * A process that starts one real node and then waits to be killed, for testing what a test process that dies
 * leaves behind. Run as `node --import tsx test/support/real-node-child.ts '<json>'` with
 * `{ server, kubeconfigPath, caCertPem, caKeyPem, name, binDir }`; prints `{ dir, pids }` as one JSON line once the
 * node is Ready.
 */
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import type { ControlPlane } from '../../src/devcluster/controlplane.js';
import { startRealNode } from '../../src/devcluster/kubelet.js';

interface ChildArgs {
  server: string;
  kubeconfigPath: string;
  caCertPem: string;
  caKeyPem: string;
  name: string;
  binDir: string;
}

const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
const kc = new KubeConfig();
kc.loadFromString(readFileSync(args.kubeconfigPath, 'utf8'));
// startRealNode reads only the server, the admin client and the CA of the control plane.
const controlPlane = {
  server: args.server,
  kc,
  ca: { certPem: args.caCertPem, keyPem: args.caKeyPem },
} as unknown as ControlPlane;
const node = await startRealNode({ controlPlane, name: args.name, binDir: args.binDir });
process.stdout.write(`${JSON.stringify({ dir: node.dir, pids: node.pids() })}\n`);
setInterval(() => undefined, 60_000);
