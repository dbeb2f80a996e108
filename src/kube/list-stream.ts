/**
 * Reads a Kubernetes list response (`{"kind", "apiVersion", "metadata", "items": [...]}`) as it streams in,
 * handing over one item at a time, so the whole page never sits in memory as text and as a parsed tree at
 * once: a namespace of a few hundred 1 MiB objects costs one object's worth, not the page's. Only `items`
 * elements and the list's `metadata` are kept; everything else is skipped unparsed.
 */
import type { IncomingMessage } from 'node:http';
import { type KubeEndpoint, statusMessage } from './endpoint.js';

export interface ListMetadata {
  resourceVersion?: string;
  continue?: string;
}

export interface ListStreamOptions {
  /** Largest single item accepted: etcd stores at most 1.5 MiB per object, its JSON somewhat more. */
  maxItemChars: number;
}

/** Feeds chunks of a list body; call `end()` for the list's metadata once the body is complete. */
export class ListStreamParser {
  private depth = 0;
  private inString = false;
  private escapeNext = false;
  private expectKey = false;
  private key = '';
  private keyParts: string[] | undefined;
  /** What the value now opening at depth 1 is: the items array, the metadata object, or something skipped. */
  private section: 'items' | 'metadata' | 'other' | undefined;
  private capture: { parts: string[]; chars: number; baseDepth: number } | undefined;
  private metadata: ListMetadata = {};

  constructor(
    private readonly onItem: (item: unknown) => void,
    private readonly opts: ListStreamOptions,
  ) {}

  write(chunk: string): void {
    let i = 0;
    let captureFrom = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.inString) {
        i = this.keyParts ? this.readKey(chunk, i) : this.skipString(chunk, i);
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (c === 0x22) {
        this.inString = true;
        if (this.depth === 1 && this.expectKey) this.keyParts = [];
        i++;
        continue;
      }
      if (c === 0x7b || c === 0x5b) {
        this.depth++;
        if (this.depth === 2 && this.section === undefined) this.section = this.sectionFor(c);
        if (!this.capture && this.startsCapture()) {
          this.capture = { parts: [], chars: 0, baseDepth: this.depth - 1 };
          captureFrom = i;
        }
        if (this.depth === 1) this.expectKey = true;
      } else if (c === 0x7d || c === 0x5d) {
        this.depth--;
        if (this.capture && this.depth === this.capture.baseDepth) {
          this.finishCapture(chunk.slice(captureFrom, i + 1));
        }
        if (this.depth === 1) this.section = undefined;
      } else if (this.depth === 1 && c === 0x2c) {
        this.expectKey = true;
        this.section = undefined;
      } else if (this.depth === 1 && c === 0x3a) {
        this.expectKey = false;
      }
      i++;
    }
    if (this.capture) this.appendCapture(chunk.slice(captureFrom));
  }

  end(): ListMetadata {
    if (this.depth !== 0 || this.inString) throw new Error('list body ended before its JSON did');
    return this.metadata;
  }

  private sectionFor(open: number): 'items' | 'metadata' | 'other' {
    if (this.key === 'items' && open === 0x5b) return 'items';
    if (this.key === 'metadata' && open === 0x7b) return 'metadata';
    return 'other';
  }

  /** An element of `items` (opening at depth 3) or the `metadata` object (opening at depth 2). */
  private startsCapture(): boolean {
    return (
      (this.section === 'items' && this.depth === 3) || (this.section === 'metadata' && this.depth === 2)
    );
  }

  private appendCapture(text: string): void {
    const capture = this.capture!;
    capture.chars += text.length;
    if (capture.chars > this.opts.maxItemChars) {
      throw new Error(`a list item is larger than ${this.opts.maxItemChars} characters`);
    }
    capture.parts.push(text);
  }

  private finishCapture(last: string): void {
    this.appendCapture(last);
    const text = this.capture!.parts.join('');
    const section = this.section;
    this.capture = undefined;
    const value = JSON.parse(text) as unknown;
    if (section === 'items') this.onItem(value);
    else this.metadata = value as ListMetadata;
  }

  /** Moves past string contents from `i`; leaves `inString` set when the chunk ends inside the string. */
  private skipString(chunk: string, from: number): number {
    let i = from;
    if (this.escapeNext) {
      this.escapeNext = false;
      i++;
    }
    for (;;) {
      const quote = chunk.indexOf('"', i);
      const backslash = chunk.indexOf('\\', i);
      if (backslash >= 0 && (quote < 0 || backslash < quote)) {
        if (backslash + 1 >= chunk.length) {
          this.escapeNext = true;
          return chunk.length;
        }
        i = backslash + 2;
        continue;
      }
      if (quote < 0) return chunk.length;
      this.inString = false;
      return quote + 1;
    }
  }

  /** Like `skipString`, also collecting the text of a key at depth 1 (keys of a list are short and plain). */
  private readKey(chunk: string, from: number): number {
    const end = this.skipString(chunk, from);
    const parts = this.keyParts!;
    if (this.inString) {
      parts.push(chunk.slice(from));
      return end;
    }
    parts.push(chunk.slice(from, end - 1));
    this.key = parts.join('');
    this.keyParts = undefined;
    return end;
  }
}

/**
 * GETs one list page and streams it through a `ListStreamParser`; the whole page, body included, must arrive
 * within `timeoutMs` (a list whose body stalled used to hold the cache for good). A non-200 answer comes back
 * as `{status, message}` instead of metadata.
 */
export async function readListPage(
  endpoint: KubeEndpoint,
  path: string,
  opts: { signal: AbortSignal; timeoutMs: number; maxItemChars: number; onItem(raw: unknown): void },
): Promise<ListMetadata | { status: number; message: string }> {
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = AbortSignal.any([opts.signal, deadline]);
  let res: IncomingMessage;
  try {
    res = await endpoint.open(path, { signal, timeoutMs: opts.timeoutMs });
  } catch (err) {
    throw deadline.aborted ? new Error(`no answer within ${opts.timeoutMs} ms`) : err;
  }
  if (res.statusCode !== 200) {
    const chunks: Buffer[] = [];
    for await (const chunk of res) if (chunks.length < 64) chunks.push(chunk as Buffer);
    let body: unknown = Buffer.concat(chunks).toString('utf8');
    try {
      body = JSON.parse(body as string);
    } catch {
      // keep the text
    }
    return { status: res.statusCode ?? 0, message: statusMessage({ status: res.statusCode ?? 0, body }) };
  }
  const parser = new ListStreamParser(opts.onItem, { maxItemChars: opts.maxItemChars });
  res.setEncoding('utf8');
  try {
    for await (const chunk of res) parser.write(chunk as string);
  } catch (err) {
    throw deadline.aborted ? new Error(`the page did not arrive within ${opts.timeoutMs} ms`) : err;
  }
  return parser.end();
}
