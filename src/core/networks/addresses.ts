/** The addresses and interface names a network selection element may carry, checked as Multus and Linux do. */
import { quote, utf8Length } from '../text.js';

/**
 * Linux `dev_valid_name`: fewer than IFNAMSIZ (16) bytes, not "." or "..", no '/', ':' or whitespace.
 * Multus checks only length, '/' and whitespace; a name the kernel refuses would fail later, at sandbox
 * creation, where the user sees it far less clearly. Control characters are refused too (NUL ends a C string).
 */
export function isInterfaceName(s: string): boolean {
  if (s.length === 0 || s === '.' || s === '..') return false;
  if (utf8Length(s) > 15) return false;
  return !/[\s/:\p{Cc}]/u.test(s);
}

export function interfaceReason(ifname: string): string {
  return (
    `interface name ${quote(ifname)} must be at most 15 bytes with no whitespace, control characters, ` +
    `'/' or ':', and not "." or ".."`
  );
}

export function isIPv4Address(s: string): boolean {
  return /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(s);
}

/** RFC 4291 text form: eight hex groups, one `::` standing for at least one zero group, optional dotted tail. */
export function isIPv6Address(s: string): boolean {
  if (s.length > 45) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  const all = [...head, ...tail];
  let count = 0;
  for (const [i, group] of all.entries()) {
    if (i === all.length - 1 && group.includes('.')) {
      // A dotted tail can only close the address, never precede a `::`.
      if (halves.length === 2 && tail.length === 0) return false;
      if (!isIPv4Address(group)) return false;
      count += 2;
    } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) {
      count += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? count <= 7 : count === 8;
}

export function isIPAddress(s: string): boolean {
  return isIPv4Address(s) || isIPv6Address(s);
}

/** An address, or an address with a prefix length (`10.1.1.1/24`, `fd00::1/64`), as Multus accepts in `ips`. */
export function isIPAddressOrCidr(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return isIPAddress(s);
  const address = s.slice(0, slash);
  const prefix = s.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(prefix)) return false;
  const bits = Number(prefix);
  if (isIPv4Address(address)) return bits <= 32;
  return isIPv6Address(address) && bits <= 128;
}

export function isMacAddress(s: string): boolean {
  return /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/.test(s);
}

export function isInfinibandGuid(s: string): boolean {
  return /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){6}$/.test(s);
}
