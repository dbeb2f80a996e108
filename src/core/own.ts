/**
 * Reading and writing objects under keys that come from input (label keys, annotation keys, container names,
 * ConfigMap keys). A plain `obj[key]` finds Object.prototype's members for `constructor`, `toString` or
 * `hasOwnProperty`, and `obj[key] = v` with `__proto__` replaces the prototype instead of adding a key; these
 * two helpers see only the object's own keys.
 */

/** `obj[key]` when `obj` itself holds `key`; undefined otherwise (never an inherited member). */
export function own<T>(obj: Readonly<Record<string, T>> | undefined | null, key: string): T | undefined {
  return obj != null && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Sets `obj[key]` as an own, enumerable property, even for `__proto__`. */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A JSON object (not null, not a list): the one shape whose keys the core reads from input. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
