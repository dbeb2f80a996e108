/**
 * The host attributes planning needs beyond discovery (`HostFacts`): each PF's `sriov_drivers_autoprobe` and
 * IFF_UP, each VF's `driver_override` and netdev MTU. Read only for the PFs given (those a policy selects).
 */
import type { ObservedPf } from '../../core/host/observed.js';
import { intValue } from '../../core/host/sysfs-values.js';
import type { HostFacts } from '../../core/reconcile/types.js';
import { boundedHost } from '../host/bounded-host.js';
import type { Host } from '../host/host.js';
import { pciAttr, pciNetAttr } from '../host/sysfs.js';

export const IFF_UP = 0x1;

export function overrideValue(text: string | undefined): string | null {
  const v = text?.replace(/\0/g, '').trim() ?? '';
  return v === '' || v === '(null)' ? null : v;
}

/**
 * `overrides: false` skips the VFs' `driver_override`: only the agent writes it, and only an apply stopped
 * between setting and clearing it leaves one behind, so a caller that knows its last apply finished need not
 * read 500 attributes to find none.
 */
export async function readFacts(
  host: Host,
  pfs: readonly ObservedPf[],
  opts: { overrides: boolean } = { overrides: true },
): Promise<HostFacts> {
  const h = boundedHost(host, 32);
  const facts = {
    autoprobe: new Map<string, boolean>(),
    adminUp: new Map<string, boolean>(),
    overrides: new Map<string, string | null>(),
    vfMtu: new Map<string, number>(),
  };
  await Promise.all(
    pfs.map(async (pf) => {
      const [auto, flags] = await Promise.all([
        h.read(pciAttr(pf.pciAddress, 'sriov_drivers_autoprobe')),
        pf.name ? h.read(pciNetAttr(pf.pciAddress, pf.name, 'flags')) : undefined,
      ]);
      if (auto !== undefined) facts.autoprobe.set(pf.pciAddress, auto.trim() !== '0');
      const f = flags === undefined ? Number.NaN : Number.parseInt(flags.trim(), 16);
      if (!Number.isNaN(f)) facts.adminUp.set(pf.pciAddress, (f & IFF_UP) !== 0);
      await Promise.all(
        pf.vfs.map(async (vf) => {
          const [override, mtu] = await Promise.all([
            opts.overrides ? h.read(pciAttr(vf.pciAddress, 'driver_override')) : undefined,
            vf.netdev ? h.read(pciNetAttr(vf.pciAddress, vf.netdev, 'mtu')) : undefined,
          ]);
          if (opts.overrides) facts.overrides.set(vf.pciAddress, overrideValue(override));
          const m = intValue(mtu);
          if (m !== null) facts.vfMtu.set(vf.pciAddress, m);
        }),
      );
    }),
  );
  return facts;
}
