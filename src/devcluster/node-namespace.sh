#!/bin/sh
# Prepares the private mount namespace that `unshare -m --propagation private` made for a real node's kubelet,
# then execs the kubelet in it (so the pid the caller holds is the kubelet's). Nothing here is visible outside
# the namespace, and it all disappears when the kubelet exits.
# Usage: node-namespace.sh NODE_DIR -- KUBELET [ARG...]
#   NODE_DIR/kubelet     becomes /var/lib/kubelet: the kubelet's root directory, and with it the hard-coded
#                        device-plugin directory /var/lib/kubelet/device-plugins and the pod-resources socket.
#   NODE_DIR/sys-node    when present, becomes /sys/devices/system/node (a fabricated NUMA topology).
#   NODE_DIR/sys-hugepages  when present, becomes /sys/kernel/mm/hugepages (the hugepages the kubelet reports).
#   NODE_DIR/sysctl      gets private copies of the sysctls the kubelet sets, so the host keeps its values.
set -eu
dir=${1:?usage: node-namespace.sh NODE_DIR -- KUBELET [ARG...]}
shift
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "node-namespace.sh: no command given" >&2; exit 2; }

# /var/lib/kubelet must not be created on the host: an empty tmpfs over /var/lib gives it a place here.
if [ ! -d /var/lib/kubelet ]; then
  mount -t tmpfs -o mode=0755 wirespeed-node /var/lib
  mkdir /var/lib/kubelet
fi
mount --bind "$dir/kubelet" /var/lib/kubelet
# The kubelet creates /var/log/containers and /var/log/pods.
mount -t tmpfs -o mode=0755 wirespeed-node /var/log

mkdir -p "$dir/sysctl"
for s in kernel/panic kernel/panic_on_oops kernel/keys/root_maxkeys kernel/keys/root_maxbytes \
  vm/overcommit_memory vm/panic_on_oom; do
  [ -e "/proc/sys/$s" ] || continue
  copy="$dir/sysctl/$(echo "$s" | tr / .)"
  cat "/proc/sys/$s" >"$copy"
  mount --bind "$copy" "/proc/sys/$s"
done

if [ -d "$dir/sys-node" ]; then
  mount --bind "$dir/sys-node" /sys/devices/system/node
fi
if [ -d "$dir/sys-hugepages" ]; then
  mount --bind "$dir/sys-hugepages" /sys/kernel/mm/hugepages
fi
exec "$@"
