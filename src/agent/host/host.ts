/**
 * The one door to the host. Every path is host-absolute (`/sys/bus/pci/devices/...`) and resolved under the
 * host's root: `/` in production, a mounted `/host` in a container, or a directory holding a simulated host in
 * tests and the demo. Nothing else in the agent touches node:fs for host state, and every sysfs path name lives
 * in `sysfs.ts`.
 */

/** Why a host access failed, with the errno code (`EBUSY`, `EINVAL`, `ENODEV`, ...) the kernel gave. */
export class HostError extends Error {
  override readonly name = 'HostError';
  constructor(
    readonly code: string,
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Host {
  /** The directory host-absolute paths are resolved under (`/` in production). */
  readonly root: string;
  /**
   * A file's content, or undefined when there is nothing to read: the file is missing, or the kernel refuses
   * the read the way it does for attributes without a value (`carrier` of a link that is down gives EINVAL, a
   * vanished device ENODEV). Other failures throw a `HostError`.
   */
  read(path: string): Promise<string | undefined>;
  /** Writes `data` in one write, as sysfs attributes want; the kernel's errno comes back as a `HostError`. */
  write(path: string, data: string): Promise<void>;
  /** A symlink's target as stored (sysfs links are relative), or undefined when `path` is not a link. */
  readlink(path: string): Promise<string | undefined>;
  /** The entries of a directory, sorted; empty when it is missing. */
  readdir(path: string): Promise<string[]>;
  /** Whether `path` exists (following links). */
  exists(path: string): Promise<boolean>;
  /** `path` with every link resolved, host-absolute; undefined when it does not resolve. */
  realpath(path: string): Promise<string | undefined>;
}
