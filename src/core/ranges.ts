/**
 * Number lists written as ranges, the way the kernel prints CPU lists (`0-3,8`) and messages name VFs
 * (`0-3, 6`): one spelling for both.
 */

/** Sorted, without repeats, runs of consecutive numbers as `a-b`: `[6,0,1,2,3]` → `0-3,6`. */
export function rangeList(values: readonly number[], separator = ','): string {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] as number) + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(separator);
}
