/**
 * The vocabulary of device setup: what planning reads besides discovery (`HostFacts`), the pods holding
 * devices (`HeldDevices`), and what it gives (`HostPlan`): per PF an ordered list of steps, or a refusal.
 * Steps name VFs by PF and VF index (a VF's address is known only once it exists); the applier resolves them.
 */
import type { DeviceType } from '../../api/wirespeed-v1alpha1.js';
import type { ObservedHost } from '../host/observed.js';

/** Attributes setup needs that discovery does not report. */
export interface HostFacts {
  /** PF address → `sriov_drivers_autoprobe` is 1 (absent: 1, the kernel's default). */
  autoprobe: ReadonlyMap<string, boolean>;
  /** PF address → IFF_UP of its netdev's `flags` (absent: taken as up). */
  adminUp: ReadonlyMap<string, boolean>;
  /** VF address → its `driver_override` (absent or null: unset). */
  overrides: ReadonlyMap<string, string | null>;
  /** VF address → the MTU of its netdev, while it has one in the host's namespace. */
  vfMtu: ReadonlyMap<string, number>;
}

export const NO_FACTS: HostFacts = {
  autoprobe: new Map(),
  adminUp: new Map(),
  overrides: new Map(),
  vfMtu: new Map(),
};

export interface PodRef {
  namespace: string;
  name: string;
}

/** A pod and the device IDs (VF PCI addresses) it holds, from pod-resources List. */
export interface HeldDevices extends PodRef {
  deviceIds: readonly string[];
}

export interface PlanInput {
  observed: ObservedHost;
  facts: HostFacts;
  /** NetworkNodePolicy objects as read; invalid ones are skipped (pool selection tells them why). */
  policies: readonly unknown[];
  nodeLabels?: Readonly<Record<string, string>>;
  resourcePrefix?: string;
  allocations: readonly HeldDevices[];
  /** Evict the pods that hold VFs a change would destroy (`--evict`), instead of refusing the change. */
  evict: boolean;
}

/** `null`: the kernel's own driver for the VF (probed with no override). */
export type VfDriver = 'vfio-pci' | null;
export type VdpaDriver = 'virtio_vdpa' | 'vhost_vdpa';

export type Step =
  | { op: 'autoprobe'; pf: string; enabled: boolean }
  /** Writes 0 first when VFs exist, then `to` when it is not 0. */
  | { op: 'numVfs'; pf: string; from: number; to: number }
  /** Waits until VFs 0 to count − 1 have their `virtfnN` and `physfn` links. */
  | { op: 'waitVfs'; pf: string; count: number }
  /** Unbind if on another driver, `driver_override` + bind (or `drivers_probe`), then clear the override. */
  | { op: 'bindVf'; pf: string; vfID: number; driver: VfDriver }
  | { op: 'vfMtu'; pf: string; vfID: number; mtu: number }
  /** Creates the VF's vDPA device and binds it to `driver`; null deletes it. */
  | { op: 'vdpa'; pf: string; vfID: number; driver: VdpaDriver | null }
  | { op: 'pfMtu'; pf: string; ifname: string; mtu: number }
  | { op: 'linkUp'; pf: string; ifname: string };

export type PfOutcome = 'apply' | 'NeedsEviction' | 'Evict' | 'Failed';

export interface VfSlot {
  vfID: number;
  resourceName: string;
  deviceType: DeviceType;
  /** The owning policy's MTU (set on netdevice VFs). */
  mtu: number | null;
}

export interface PfPlan {
  pciAddress: string;
  name: string | null;
  /** `apply`: run `steps`; `NeedsEviction`: some steps are held back until `pods` are gone; `Evict`: evict
   * `pods` first (with --evict); `Failed`: the PF cannot be set up as asked (`message` says why). */
  outcome: PfOutcome;
  message?: string;
  pods: PodRef[];
  steps: Step[];
  /** What the policies ask of this PF. */
  numVfs: number;
  mtu: number | null;
  slots: VfSlot[];
}

export interface HugepageStep {
  numaNode: number;
  sizeKiB: number;
  pages: number;
}

export interface HostPlan {
  /** The PFs some applied policy selects, by PCI address. */
  pfs: PfPlan[];
  hugepages: HugepageStep[];
  /** Hugepage requests the host cannot take (a NUMA node or page size it does not have). */
  problems: string[];
  /** `namespace/name` → generation of each policy applied. */
  generations: Record<string, number>;
}

export const stepCount = (plan: HostPlan): number =>
  plan.pfs.reduce((n, pf) => n + pf.steps.length, 0) + plan.hugepages.length;
