/**
 * Text for messages that quote input: bounded in length however large or deep the input is, and never
 * splitting a surrogate pair, so a message naming a 256 KiB annotation stays readable.
 */
import { isPlainObject } from './own.js';

/** Characters of input quoted in a message before it is cut. */
export const PREVIEW_LIMIT = 100;

/** A string as a JSON literal, cut to a readable length without splitting a surrogate pair. */
export function quote(s: string): string {
  return JSON.stringify(truncate(s, PREVIEW_LIMIT));
}

export function truncate(s: string, limit: number): string {
  if (s.length <= limit) return s;
  const cut = isHighSurrogate(s.charCodeAt(limit - 1)) ? limit - 1 : limit;
  return `${s.slice(0, cut)}…`;
}

/** What a parsed JSON value is, in the words a message uses: `null`, `a list`, `an object`, `a number`. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** The type and, for a scalar, a preview of the value: `a number 3`, `a string "x"`. */
export function describe(value: unknown): string {
  if (value === null || isPlainObject(value) || Array.isArray(value)) return typeName(value);
  return `${typeName(value)} ${preview(value)}`;
}

/**
 * Compact JSON of a parsed value, stopping once the budget is spent. JSON.stringify would recurse
 * through arbitrarily deep input (and overflow the stack on a 256 KiB annotation of brackets); this
 * descends at most one level per character written, so it is bounded by the budget.
 */
export function preview(value: unknown, limit = PREVIEW_LIMIT): string {
  let out = '';
  const spent = (): boolean => out.length > limit;
  const write = (v: unknown): void => {
    if (Array.isArray(v)) {
      out += '[';
      for (const [i, item] of (v as unknown[]).entries()) {
        if (spent()) return;
        if (i > 0) out += ',';
        write(item);
      }
      out += ']';
    } else if (isPlainObject(v)) {
      out += '{';
      for (const [i, key] of Object.keys(v).entries()) {
        if (spent()) return;
        if (i > 0) out += ',';
        out += `${JSON.stringify(truncate(key, limit))}:`;
        write(v[key]);
      }
      out += '}';
    } else if (typeof v === 'string') {
      out += JSON.stringify(truncate(v, limit));
    } else {
      out += String(v);
    }
  };
  write(value);
  return truncate(out, limit);
}

/** Bytes of the UTF-8 encoding, without allocating it (a lone surrogate counts as the 3 bytes of U+FFFD). */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (isHighSurrogate(unit) && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

const isHighSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;
