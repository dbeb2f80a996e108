/**
 * Every annotation key Wirespeed reads or writes, in one place. Multus and the NPWG spec own the
 * `k8s.v1.cni.cncf.io` and `v1.multus-cni.io` keys (their spelling is fixed); `wirespeed.io/` keys are ours.
 */

/** Pod: the secondary networks it selects (NPWG multi-net spec §4). */
export const NETWORKS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';
/** Pod: the NAD that replaces the cluster default network (Multus). */
export const DEFAULT_NETWORK_ANNOTATION = 'v1.multus-cni.io/default-network';
/** NAD: the device pool each attachment takes a device from (network-resources-injector's default key). */
export const RESOURCE_NAME_ANNOTATION = 'k8s.v1.cni.cncf.io/resourceName';
/** NAD: node labels a pod using it must be scheduled with (network-resources-injector). */
export const NODE_SELECTOR_ANNOTATION = 'k8s.v1.cni.cncf.io/nodeSelector';
/** NAD: hugepages per attachment, `<page size>=<amount>`. */
export const HUGEPAGES_ANNOTATION = 'wirespeed.io/hugepages';
/** NAD: host paths mounted into the pod. */
export const MOUNTS_ANNOTATION = 'wirespeed.io/mounts';
/** Pod: which container receives which network's devices. */
export const TARGET_CONTAINERS_ANNOTATION = 'wirespeed.io/target-containers';
/** Pod: what the webhook added, per container, so a later pass never counts it twice. */
export const INJECTED_ANNOTATION = 'wirespeed.io/injected';
