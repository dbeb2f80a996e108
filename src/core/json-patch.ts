/** JSON Patch (RFC 6902) as admission responses carry it. */
export type { PatchOperation } from '../api/admission-v1.js';

/** RFC 6901 escaping of one JSON-pointer reference token. */
export function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}
