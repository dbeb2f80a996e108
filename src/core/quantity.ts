/**
 * Kubernetes resource quantities, restricted to what device and hugepage amounts can be: whole numbers of the
 * base unit (devices, bytes). Fractions and milli-units are rejected rather than rounded.
 */
const SUFFIX: Record<string, bigint> = {
  '': 1n,
  k: 10n ** 3n,
  M: 10n ** 6n,
  G: 10n ** 9n,
  T: 10n ** 12n,
  P: 10n ** 15n,
  E: 10n ** 18n,
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};

const QUANTITY = /^\+?([0-9]+)(?:\.([0-9]*))?(?:([eE])([-+]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E))?$/;

/** Parses a quantity to a whole number of base units, or undefined when it is not one. */
export function parseWholeQuantity(text: string): bigint | undefined {
  const m = QUANTITY.exec(text.trim());
  if (!m) return undefined;
  const [, intPart, fracPart = '', exp, expValue, suffix = ''] = m;
  let numerator = BigInt(`${intPart}${fracPart}`);
  let denominator = 10n ** BigInt(fracPart.length);
  if (exp) {
    const e = Number(expValue);
    if (Math.abs(e) > 30) return undefined;
    if (e >= 0) numerator *= 10n ** BigInt(e);
    else denominator *= 10n ** BigInt(-e);
  } else {
    numerator *= SUFFIX[suffix] ?? 1n;
  }
  if (numerator % denominator !== 0n) return undefined;
  return numerator / denominator;
}

const BINARY_UNITS: Array<[string, bigint]> = [
  ['Ei', 1n << 60n],
  ['Pi', 1n << 50n],
  ['Ti', 1n << 40n],
  ['Gi', 1n << 30n],
  ['Mi', 1n << 20n],
  ['Ki', 1n << 10n],
];

/** Formats a byte count with the largest binary suffix that divides it exactly (as Kubernetes prints memory). */
export function formatBinaryQuantity(bytes: bigint): string {
  if (bytes === 0n) return '0';
  for (const [suffix, unit] of BINARY_UNITS) if (bytes % unit === 0n) return `${bytes / unit}${suffix}`;
  return bytes.toString();
}
