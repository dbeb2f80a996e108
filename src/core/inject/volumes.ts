/**
 * The volume steps of a plan: hugepages emptyDirs, hostPath mounts the trust rules granted, and the
 * network-resources-injector compatible podnetinfo Downward API volume. Each adds to the pod's `PodVolumes`,
 * whose ops are emitted after all of them, so ops stay in container order.
 */
import type { PatchOperation } from '../../api/admission-v1.js';
import type { Container, Pod } from '../../api/core-v1.js';
import { own } from '../own.js';
import { fail, ok, type Result } from '../problem.js';
import { parseWholeQuantity } from '../quantity.js';
import type { InjectionConfig } from './config.js';
import { type Demand, isHugepages, pageSizeOf } from './demand.js';
import { cleanPath } from './paths.js';
import type { PodVolumes } from './pod-volumes.js';
import type { GrantedMount } from './trust.js';

export const PODNETINFO_VOLUME = 'podnetinfo';

export interface VolumeStep {
  pod: Pod;
  containers: readonly Container[];
  config: InjectionConfig;
  volumes: PodVolumes;
  /** Where steps that change containers directly (the CONTAINER_NAME variable) add their ops. */
  ops: PatchOperation[];
}

/**
 * One `emptyDir{medium: HugePages-<size>}` per page size the networks bring, mounted into each container
 * that receives that size. A container already mounting a hugepages volume at the path keeps its own.
 */
export function planHugepagesVolumes(step: VolumeStep, demand: Demand): Result<void> {
  const sizes = new Set<string>();
  for (const perContainer of demand.values())
    for (const resource of perContainer.keys()) if (isHugepages(resource)) sizes.add(pageSizeOf(resource));
  if (sizes.size === 0) return ok(undefined);
  const several = sizes.size > 1;
  const unsized = step.volumes.existing.find((v) => v.emptyDir?.medium === 'HugePages');
  if (unsized) {
    const podSizes = new Set(sizes);
    for (const c of step.containers)
      for (const kind of ['requests', 'limits'] as const)
        for (const r of Object.keys(c.resources?.[kind] ?? {}))
          if (isHugepages(r)) podSizes.add(pageSizeOf(r));
    if (podSizes.size > 1) {
      return fail(
        'ConflictingHugepages',
        `pod volume ${unsized.name} uses medium HugePages without a size, which allows one page size per pod, but with its networks the pod would use ${[...podSizes].sort().join(' and ')}; use medium HugePages-<size>`,
      );
    }
  }
  for (const size of [...sizes].sort()) {
    const volumeName = several ? `hugepages-${size.toLowerCase()}` : 'hugepages';
    const medium = `HugePages-${size}`;
    const mountPath = several ? `${step.config.hugepagesMountPath}-${size}` : step.config.hugepagesMountPath;
    for (const [index, container] of step.containers.entries()) {
      if (!demand.get(container.name)?.has(`hugepages-${size}`)) continue;
      const atPath = step.volumes.mountAt(index, mountPath);
      if (atPath) {
        const volume = step.volumes.named(atPath.name);
        if (volume?.emptyDir?.medium?.startsWith('HugePages')) continue;
        return fail(
          'ConflictingHugepages',
          `container ${container.name} already mounts volume ${atPath.name} at ${mountPath}, where its networks' ${size} hugepages go; free the path or set a different hugepages mount path`,
        );
      }
      const existing = step.volumes.named(volumeName);
      if (existing && existing.emptyDir?.medium !== medium) {
        return fail(
          'ConflictingHugepages',
          `pod already has a volume named ${volumeName} that is not an emptyDir with medium ${medium}; rename it`,
        );
      }
      if (!existing) step.volumes.add({ name: volumeName, emptyDir: { medium } });
      step.volumes.addMount(index, { name: volumeName, mountPath });
    }
  }
  return ok(undefined);
}

/** hostPath volumes for socket directories and device nodes, one per host path, mounted where needed. */
export function planHostMounts(
  step: VolumeStep,
  mounts: Map<string, Map<string, GrantedMount>>,
): Result<void> {
  for (const [index, container] of step.containers.entries()) {
    for (const mount of mounts.get(container.name)?.values() ?? []) {
      const wanted = mount.redact ? `a host mount of network ${mount.from}` : `host path ${mount.hostPath}`;
      let volume = step.volumes.hostVolume(mount.hostPath);
      if (!volume) {
        const name = hostVolumeName(mount.hostPath);
        if (step.volumes.named(name)) {
          return fail(
            'ConflictingVolume',
            `pod already has a volume named ${name}, which ${wanted} needs; rename it`,
          );
        }
        volume = { name, hostPath: { path: mount.hostPath, type: mount.type } };
        step.volumes.add(volume);
      }
      const atPath = step.volumes.mountAt(index, mount.mountPath);
      if (atPath) {
        const there = step.volumes.named(atPath.name)?.hostPath?.path;
        if (there !== undefined && cleanPath(there) === mount.hostPath) continue;
        const at = mount.redact ? '' : ` at ${mount.mountPath}`;
        return fail(
          'ConflictingVolume',
          `container ${container.name} already mounts volume ${atPath.name}${at}, where ${wanted} goes; free the path`,
        );
      }
      step.volumes.addMount(index, {
        name: volume.name,
        mountPath: mount.mountPath,
        ...(mount.readOnly ? { readOnly: true } : {}),
      });
    }
  }
  return ok(undefined);
}

/** The network-resources-injector compatible Downward API volume, in every container. */
export function planPodnetinfo(step: VolumeStep, demand: Demand): Result<void> {
  const mountPath = step.config.podnetinfoMountPath;
  for (const [index, container] of step.containers.entries()) {
    if (step.volumes.mountNames(index).has(PODNETINFO_VOLUME)) continue;
    const clash = step.volumes.mountAt(index, mountPath);
    if (clash) {
      return fail(
        'ConflictingVolume',
        `container ${container.name} already mounts volume ${clash.name} at ${mountPath}, where the podnetinfo volume goes; free the path`,
      );
    }
    step.volumes.addMount(index, { name: PODNETINFO_VOLUME, readOnly: true, mountPath });
  }
  if (step.volumes.named(PODNETINFO_VOLUME)) return ok(undefined);
  const items: unknown[] = [];
  if (Object.keys(step.pod.metadata?.labels ?? {}).length > 0) {
    items.push({ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } });
  }
  items.push({ path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } });
  if (step.config.injectHugepageDownApi) items.push(...hugepagesDownwardItems(step, demand));
  step.volumes.add({ name: PODNETINFO_VOLUME, downwardAPI: { items } });
  return ok(undefined);
}

/** Items `hugepages_<size>_<request|limit>_<container>` (divisor 1Mi) and the CONTAINER_NAME variable. */
function hugepagesDownwardItems(step: VolumeStep, demand: Demand): unknown[] {
  const items: unknown[] = [];
  for (const [index, container] of step.containers.entries()) {
    let any = false;
    for (const [kind, word] of [
      ['requests', 'request'],
      ['limits', 'limit'],
    ] as const) {
      const sizes = new Set(Object.keys(container.resources?.[kind] ?? {}).filter(isHugepages));
      for (const r of demand.get(container.name)?.keys() ?? []) if (isHugepages(r)) sizes.add(r);
      for (const resource of [...sizes].sort()) {
        const current = own(container.resources?.[kind], resource);
        if (current !== undefined && parseWholeQuantity(current) === 0n) continue;
        any = true;
        const size = pageSizeOf(resource).replace(/i$/, '');
        items.push({
          path: `hugepages_${size}_${word}_${container.name}`,
          resourceFieldRef: {
            containerName: container.name,
            resource: `${kind}.${resource}`,
            divisor: '1Mi',
          },
        });
      }
    }
    if (!any) continue;
    const env = container.env;
    if (env?.some((e) => e.name === 'CONTAINER_NAME')) continue;
    const entry = { name: 'CONTAINER_NAME', value: container.name };
    step.ops.push(
      env === undefined
        ? { op: 'add', path: `/spec/containers/${index}/env`, value: [entry] }
        : { op: 'add', path: `/spec/containers/${index}/env/-`, value: entry },
    );
  }
  return items;
}

/** A stable, valid volume name for a host path: readable prefix plus a hash so distinct paths never collide. */
export function hostVolumeName(hostPath: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < hostPath.length; i++) {
    hash ^= hostPath.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const readable = hostPath
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `host-${readable ? `${readable}-` : ''}${hash.toString(16).padStart(8, '0')}`;
}
