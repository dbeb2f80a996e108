/**
 * Kubernetes objects from files or standard input, for the offline commands (`inject`, `fit`, `discover`, ...):
 * YAML or JSON (JSON is YAML), one or more documents; Lists and arrays are flattened. Alias expansion is
 * bounded so a small hostile file cannot expand to gigabytes.
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { UsageError } from './errors.js';

/** Largest input read, in bytes: far above any real manifest set, far below what would exhaust memory. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;
/** yaml's own guard against alias bombs ("billion laughs"), stated here so it is visible. */
const MAX_ALIAS_COUNT = 1000;

export async function readSource(path: string): Promise<string> {
  try {
    if (path === '-') {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of process.stdin) {
        size += (chunk as Buffer).length;
        if (size > MAX_INPUT_BYTES)
          throw new UsageError(`standard input is larger than ${MAX_INPUT_BYTES} bytes`);
        chunks.push(chunk as Buffer);
      }
      return Buffer.concat(chunks).toString('utf8');
    }
    return await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${path === '-' ? 'standard input' : path}: ${(err as Error).message}`);
  }
}

export function parseObjects(text: string, source: string): unknown[] {
  const docs = parseAllDocuments(text);
  const objects: unknown[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0)
      throw new UsageError(`${source} is not valid YAML or JSON: ${doc.errors[0]?.message}`);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      throw new UsageError(`${source} cannot be read: ${(err as Error).message}`);
    }
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) objects.push(...value);
    else if (typeof value === 'object' && Array.isArray((value as { items?: unknown }).items)) {
      objects.push(...(value as { items: unknown[] }).items);
    } else objects.push(value);
  }
  return objects;
}

/** Reads and parses one source (`-` for standard input). */
export async function readObjects(path: string): Promise<unknown[]> {
  const source = path === '-' ? 'standard input' : path;
  return parseObjects(await readSource(path), source);
}

/** The objects of one kind, each with a string `metadata.name`; anything else of that kind is a UsageError. */
export function objectsOfKind<T>(objects: unknown[], kind: string, source: string): T[] {
  const out: T[] = [];
  objects.forEach((o, i) => {
    if (o === null || typeof o !== 'object' || (o as { kind?: unknown }).kind !== kind) return;
    const name = (o as { metadata?: { name?: unknown } }).metadata?.name;
    if (typeof name !== 'string' || name === '')
      throw new UsageError(`${source} item ${i + 1}: a ${kind} without metadata.name`);
    out.push(o as T);
  });
  return out;
}
