/**
 * The pod's volumes and each container's mounts, indexed once (by name, by normalised host path, by normalised
 * mount path) so every clash check is a lookup, plus what the plan adds, emitted as ops at the end.
 */
import type { PatchOperation } from '../../api/admission-v1.js';
import type { Container, Pod, Volume, VolumeMount } from '../../api/core-v1.js';
import { cleanPath } from './paths.js';

export class PodVolumes {
  /** The pod's own volumes, as it came. */
  readonly existing: readonly Volume[];
  private readonly added: Volume[] = [];
  private readonly containers: readonly Container[];
  private readonly podHasNoVolumes: boolean;

  /** Per container, the mounts to append, flushed after every plan step so ops stay in container order. */
  private readonly pendingMounts = new Map<number, VolumeMount[]>();
  /**
   * Per container, by normalised mount path, the mount there (the pod's own first, then ours), and the names
   * mounted. Built once per container, so each check is a lookup rather than a scan and copy of the list.
   */
  private readonly mountIndex = new Map<number, { byPath: Map<string, VolumeMount>; names: Set<string> }>();
  /** Volumes by name, and hostPath volumes by normalised host path; the pod's own win, as a scan would find. */
  private readonly volumesByName = new Map<string, Volume>();
  private readonly hostVolumes = new Map<string, Volume>();

  constructor(pod: Pod) {
    this.containers = pod.spec?.containers ?? [];
    this.existing = pod.spec?.volumes ?? [];
    this.podHasNoVolumes = pod.spec?.volumes === undefined;
    for (const volume of this.existing) this.indexVolume(volume);
  }

  /** The pod's hostPath volume for a (normalised) host path, or one added for it. */
  hostVolume(path: string): Volume | undefined {
    return this.hostVolumes.get(path);
  }

  mountNames(index: number): ReadonlySet<string> {
    return this.mountsOf(index).names;
  }

  private indexVolume(volume: Volume): void {
    if (!this.volumesByName.has(volume.name)) this.volumesByName.set(volume.name, volume);
    const hostPath = volume.hostPath?.path;
    if (hostPath !== undefined) {
      const key = cleanPath(hostPath);
      if (!this.hostVolumes.has(key)) this.hostVolumes.set(key, volume);
    }
  }

  add(volume: Volume): void {
    this.added.push(volume);
    this.indexVolume(volume);
  }

  private mountsOf(index: number): { byPath: Map<string, VolumeMount>; names: Set<string> } {
    let entry = this.mountIndex.get(index);
    if (!entry) {
      entry = { byPath: new Map(), names: new Set() };
      for (const mount of this.containers[index]?.volumeMounts ?? []) indexMount(entry, mount);
      this.mountIndex.set(index, entry);
    }
    return entry;
  }

  mountAt(index: number, path: string): VolumeMount | undefined {
    return this.mountsOf(index).byPath.get(cleanPath(path));
  }

  addMount(index: number, mount: VolumeMount): void {
    const list = this.pendingMounts.get(index) ?? [];
    list.push(mount);
    this.pendingMounts.set(index, list);
    indexMount(this.mountsOf(index), mount);
  }

  named(name: string): Volume | undefined {
    return this.volumesByName.get(name);
  }

  /** The ops that add the pending mounts (containers in spec order) and the new volumes. */
  emit(ops: PatchOperation[]): void {
    for (const [index, mounts] of [...this.pendingMounts].sort(([a], [b]) => a - b)) {
      const base = `/spec/containers/${index}/volumeMounts`;
      if (this.containers[index]?.volumeMounts === undefined) ops.push({ op: 'add', path: base, value: [] });
      for (const mount of mounts) ops.push({ op: 'add', path: `${base}/-`, value: mount });
    }
    if (this.added.length === 0) return;
    if (this.podHasNoVolumes) ops.push({ op: 'add', path: '/spec/volumes', value: [] });
    for (const volume of this.added) ops.push({ op: 'add', path: '/spec/volumes/-', value: volume });
  }
}

function indexMount(
  entry: { byPath: Map<string, VolumeMount>; names: Set<string> },
  mount: VolumeMount,
): void {
  const path = cleanPath(mount.mountPath);
  if (!entry.byPath.has(path)) entry.byPath.set(path, mount);
  entry.names.add(mount.name);
}
