import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { findNodeBinaries, K8S_NODE_BINARIES } from './binaries.js';

/**
 * Why real nodes cannot run here, or undefined when they can: they need Linux, root (a mount namespace and
 * bind mounts), util-linux `unshare`, an address other than loopback for the node IP, and the built kubelet and
 * fakecri (from `binDir`, or as `scripts/k8s-binaries --node` built them; `checkBinaries: false` skips that, for
 * callers that build them with `resolveNodeBinaries()`).
 */
export function realNodeSupport(opts: { binDir?: string; checkBinaries?: boolean } = {}): string | undefined {
  if (process.platform !== 'linux')
    return `real nodes need Linux (mount namespaces); this is ${process.platform}`;
  const uid = process.getuid?.();
  if (uid !== 0) return `real nodes need root (unshare -m and bind mounts); running as uid ${uid}`;
  const probe = spawnSync('unshare', ['-m', '--propagation', 'private', 'true'], { encoding: 'utf8' });
  if (probe.error) return `real nodes need util-linux unshare on PATH (${probe.error.message})`;
  if (probe.status !== 0) {
    return `\`unshare -m\` fails here, so the kubelet cannot get its own mount namespace: ${probe.stderr.trim()}`;
  }
  if (!hasNodeAddress())
    return 'the kubelet needs a non-loopback IPv4 address for its node IP, and there is none';
  if (opts.checkBinaries === false) return undefined;
  if (opts.binDir) {
    const missing = K8S_NODE_BINARIES.filter((b) => !existsSync(join(opts.binDir as string, b)));
    if (missing.length > 0)
      return `${opts.binDir} lacks ${missing.join(', ')}: run scripts/k8s-binaries --node`;
    return undefined;
  }
  const found = findNodeBinaries();
  return 'missing' in found ? found.missing : undefined;
}

let deathPrefix: string[] | undefined;

/**
 * `setpriv --pdeathsig KILL`, when this machine's setpriv has it: the kernel then kills the kubelet and fakecri
 * when this process dies, even by SIGKILL, where no exit handler runs. The setting survives the execs.
 */
export function parentDeathPrefix(): string[] {
  if (deathPrefix === undefined) {
    const help = spawnSync('setpriv', ['--help'], { encoding: 'utf8' });
    deathPrefix =
      !help.error && help.stdout.includes('--pdeathsig') ? ['setpriv', '--pdeathsig', 'KILL'] : [];
  }
  return deathPrefix;
}

function hasNodeAddress(): boolean {
  return Object.values(networkInterfaces()).some((addrs) =>
    (addrs ?? []).some((a) => a.family === 'IPv4' && !a.internal),
  );
}
