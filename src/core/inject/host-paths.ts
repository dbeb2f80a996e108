/**
 * The administrator's allow-list of host paths a NAD's `wirespeed.io/mounts` may name. A NAD is written by
 * whoever may create NADs in a namespace, and a hostPath mount is a grant on the node, so the paths come from
 * the cluster administrator: each entry is a directory (or file) pods may get, read-only unless the entry
 * says `rw`, with the `hostPath.type` the kubelet checks. Paths that would hand over the node (its root, its
 * configuration, the kubelet's and the container runtime's state and sockets, /proc, /sys) are refused even
 * when listed, when the webhook starts.
 */
import { fail, ok, type Result } from '../problem.js';
import { isWithin, normalizeAbsolutePath } from './paths.js';

export const HOST_PATH_TYPES = [
  'Directory',
  'DirectoryOrCreate',
  'File',
  'FileOrCreate',
  'Socket',
  'CharDevice',
  'BlockDevice',
] as const;
export type HostPathType = (typeof HOST_PATH_TYPES)[number];

export interface HostPathRule {
  /** Normalised absolute path; a NAD may name it or anything below it. */
  path: string;
  /** Whether mounts may be read-write; otherwise every mount of it is read-only. */
  writable: boolean;
  type: HostPathType;
}

/** Dataplane socket directories and the VFIO device directory: what vhost-user, memif and DPDK pods need. */
export const DEFAULT_ALLOWED_HOST_PATHS =
  '/var/run/vhost-user:rw,/var/lib/vhost_sockets:rw,/run/memif:rw,/dev/vfio:ro';

/**
 * Never mountable, with why. An entry is refused when it is one of these, below one, or above one (so `/var`
 * is refused for holding `/var/lib/kubelet`). `/var/run` is the same directory as `/run` on every distribution
 * the kubelet supports, so both spellings are checked.
 */
const FORBIDDEN: ReadonlyArray<readonly [string, string]> = [
  ['/etc', "holds the node's configuration and credentials"],
  ['/proc', "exposes the node's processes and kernel settings"],
  ['/sys', "exposes the node's kernel and devices"],
  ['/boot', "holds the node's kernel and boot loader"],
  ['/root', "is the node's root home"],
  ['/usr', "holds the node's programs"],
  ['/var/lib/kubelet', "holds the kubelet's state and every pod's volumes and secrets"],
  ['/var/lib/docker', "holds Docker's state"],
  ['/var/lib/containerd', "holds containerd's state"],
  ['/var/lib/containers', "holds CRI-O's and Podman's state"],
  ['/var/lib/etcd', "holds etcd's data"],
  ['/var/log', "holds the node's and every pod's logs"],
  ['/run/docker.sock', "is Docker's API socket"],
  ['/run/docker', "holds Docker's sockets"],
  ['/run/containerd', "holds containerd's API socket"],
  ['/run/crio', "holds CRI-O's API socket"],
  ['/run/cri-dockerd.sock', "is cri-dockerd's API socket"],
  ['/run/podman', "holds Podman's API socket"],
  ['/run/systemd', "holds systemd's sockets"],
  ['/run/dbus', 'holds the system bus socket'],
  ['/dev/mem', "is the node's physical memory"],
  ['/dev/kmem', "is the node's kernel memory"],
  ['/dev/port', "is the node's I/O port space"],
];

const aliasOf = (path: string): string =>
  path === '/var/run' ? '/run' : path.startsWith('/var/run/') ? `/run${path.slice('/var/run'.length)}` : path;

/** Why an allow-list entry may never be used, or undefined when it may. */
export function forbiddenReason(path: string): string | undefined {
  const canonical = aliasOf(path);
  for (const [forbidden, why] of FORBIDDEN) {
    if (canonical === forbidden) return `${path} ${why}`;
    if (isWithin(canonical, forbidden)) return `${path} is within ${forbidden}, which ${why}`;
  }
  if (canonical.split('/').length < 3) {
    return `${path} is the node's root or a top-level directory, which holds far more than a dataplane needs`;
  }
  for (const [forbidden, why] of FORBIDDEN) {
    if (isWithin(forbidden, canonical)) return `${path} contains ${forbidden}, which ${why}`;
  }
  return undefined;
}

/**
 * `--allowed-host-paths` and the ConfigMap's `allowed-host-paths`: entries `<path>[:ro|:rw][:<hostPath type>]`,
 * comma-separated (or a list), e.g. `/var/run/vhost-user:rw,/dev/vfio:ro:Directory`. Mounts are read-only
 * unless `rw`; the type defaults to `Directory`. An empty text allows no host path at all.
 */
export function parseAllowedHostPaths(
  entries: string | readonly string[],
  where: string,
): Result<HostPathRule[]> {
  const list = typeof entries === 'string' ? entries.split(',') : entries;
  const rules = new Map<string, HostPathRule>();
  for (const raw of list) {
    if (typeof raw !== 'string') return fail('InvalidConfig', `${where} entries must be strings`);
    const entry = raw.trim();
    if (entry === '') continue;
    const rule = parseRule(entry, where);
    if (!rule.ok) return rule;
    const seen = rules.get(rule.value.path);
    if (seen && (seen.writable !== rule.value.writable || seen.type !== rule.value.type)) {
      return fail('InvalidConfig', `${where} lists ${rule.value.path} twice with different settings`);
    }
    rules.set(rule.value.path, rule.value);
  }
  return ok([...rules.values()]);
}

function parseRule(entry: string, where: string): Result<HostPathRule> {
  const [pathText = '', ...options] = entry.split(':');
  const bad = (why: string) => fail<HostPathRule>('InvalidConfig', `${where} entry "${entry}": ${why}`);
  const path = normalizeAbsolutePath(pathText);
  if (path === undefined) return bad("the path must be absolute, without '..' or whitespace");
  const forbidden = forbiddenReason(path);
  if (forbidden) return bad(`${forbidden}; it may never be mounted into pods, so remove it`);
  let writable: boolean | undefined;
  let type: HostPathType | undefined;
  for (const option of options) {
    if ((option === 'ro' || option === 'rw') && writable === undefined) writable = option === 'rw';
    else if ((HOST_PATH_TYPES as readonly string[]).includes(option) && type === undefined)
      type = option as HostPathType;
    else
      return bad(
        `"${option}" is not ro, rw or a hostPath type (${HOST_PATH_TYPES.join(', ')}), or is given twice`,
      );
  }
  return ok({ path, writable: writable ?? false, type: type ?? 'Directory' });
}

/** The most specific rule covering `hostPath`, or undefined when the allow-list does not permit it. */
export function ruleFor(rules: readonly HostPathRule[], hostPath: string): HostPathRule | undefined {
  let best: HostPathRule | undefined;
  for (const rule of rules) {
    if (isWithin(hostPath, rule.path) && (best === undefined || rule.path.length > best.path.length))
      best = rule;
  }
  return best;
}

/** How an allow-list reads in a message. */
export function describeRules(rules: readonly HostPathRule[]): string {
  if (rules.length === 0) return 'none: the allow-list is empty';
  return rules.map((r) => `${r.path}${r.writable ? ' (rw)' : ''}`).join(', ');
}
