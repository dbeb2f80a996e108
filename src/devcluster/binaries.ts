import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const K8S_BINARIES = ['etcd', 'kube-apiserver', 'kube-scheduler'] as const;
/** What a real node runs: the kubelet and our fake CRI runtime (scripts/fakecri). */
export const K8S_NODE_BINARIES = ['kubelet', 'fakecri'] as const;

/**
 * The directory holding etcd, kube-apiserver and kube-scheduler, as `scripts/k8s-binaries --print-dir` reports
 * it (it honours WIRESPEED_K8S_BIN and KUBEBUILDER_ASSETS, and builds on a cold cache with progress on stderr).
 */
export async function resolveK8sBinaries(): Promise<string> {
  return resolveWith([], K8S_BINARIES);
}

/**
 * The directory holding kubelet and fakecri, built into the versioned cache when missing (about a minute on a
 * warm Go cache). WIRESPEED_K8S_BIN or KUBEBUILDER_ASSETS are used only when they hold these two as well.
 */
export async function resolveNodeBinaries(): Promise<string> {
  return resolveWith(['--node'], K8S_NODE_BINARIES);
}

/** The node binaries' directory if they are built, without building; the script's reason otherwise. */
export function findNodeBinaries(): { dir: string } | { missing: string } {
  const script = join(repoRoot(), 'scripts', 'k8s-binaries');
  const res = spawnSync('bash', [script, '--print-dir', '--node', '--check'], { encoding: 'utf8' });
  if (res.status === 0) return { dir: res.stdout.trim() };
  const reason = (res.stderr ?? '').trim().replace(/^\[k8s-binaries\] /gm, '');
  return { missing: reason || `${script} --check failed (${res.error?.message ?? `exit ${res.status}`})` };
}

async function resolveWith(flags: string[], binaries: readonly string[]): Promise<string> {
  const script = join(repoRoot(), 'scripts', 'k8s-binaries');
  const dir = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [script, '--print-dir', ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(out.trim());
      else reject(new Error(`${script} failed with exit code ${code}; see its output above`));
    });
  });
  const missing = binaries.filter((b) => !existsSync(join(dir, b)));
  if (missing.length > 0) throw new Error(`${dir} lacks ${missing.join(', ')}`);
  return dir;
}

/** The repository root, found from this file whether it runs from src/ or from the compiled dist/. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'scripts', 'k8s-binaries'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find scripts/k8s-binaries above the wirespeed sources');
    dir = parent;
  }
}
