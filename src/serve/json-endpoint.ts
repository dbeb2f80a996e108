/**
 * A POST endpoint that takes one JSON document and answers with one, on plain node:http primitives: content
 * type, body limit, caps on what is in flight, a bounded parse, and one `sendJson`. The admission webhook and
 * the scheduler extender both answer the API server (or the scheduler) this way; what the document means is
 * the handler's business.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage } from '../cli/errors.js';
import { statusBody } from '../core/admission.js';

const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b/i;
/** The abort reason once a request is over; one value, so aborting does not build an exception each time. */
const ANSWERED = new Error('the request has been answered or its caller went away');

export interface JsonLimits {
  /** Bodies above this are refused with 413 (see the caller's definition for why its number). */
  bodyLimitBytes: number;
  /**
   * Deepest nesting of arrays and objects accepted, checked before parsing bodies over
   * `depthCheckAboveBytes`. Kubernetes objects are a dozen or two levels deep (managedFields mirror the
   * schema); thousands of levels are only ever an attack, on memory (a 2 MiB body of `[[[…` parses into
   * ~50 MiB) or on whatever walks the value recursively.
   */
  maxDepth: number;
  /**
   * Smaller bodies skip the depth check, which costs about a third of a parse: they cannot nest deep enough
   * to matter (V8's JSON.parse is iterative; 64 KiB of `[` parses into ~1 MiB), and a RangeError from code
   * walking one recursively is answered as an internal error like any other bug.
   */
  depthCheckAboveBytes: number;
  /** Requests being read or answered at once; more are refused with 429 at once. */
  maxInFlight: number;
  /**
   * Bodies over `largeBodyBytes` are the expensive ones (buffer plus a parsed copy several times its size);
   * at most `maxLargeInFlight` of them at once, so held-open large bodies cannot starve the process of memory
   * while ordinary requests keep flowing.
   */
  largeBodyBytes: number;
  maxLargeInFlight: number;
}

export interface JsonReply {
  status: number;
  body: unknown;
}

export interface JsonRequest {
  body: unknown;
  /**
   * Aborted once the reply is sent or the client goes away: work started for this request can stop. Made on
   * first use: most requests never wait on anything, and an AbortController with its abort costs a few µs.
   */
  readonly signal: AbortSignal;
  /** `process.hrtime.bigint()` when the request arrived. */
  started: bigint;
}

export interface JsonEndpointOptions {
  limits: JsonLimits;
  handle(request: JsonRequest): Promise<JsonReply>;
  /** Every request refused before `handle` ran, with what was sent (for metrics). */
  onRefused?(status: number, message: string, started: bigint): void;
  /** `handle` threw or the reply could not be written: a bug, answered with a 500 Status. */
  onError?(err: unknown): void;
}

/** A Kubernetes `Status` failure body, what the API server expects from an HTTP-level refusal. */
export { statusBody };

export function sendJson(res: ServerResponse, status: number, body: unknown, close = false): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': payload.length,
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(payload);
}

export function jsonEndpoint(opts: JsonEndpointOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { limits } = opts;
  let inFlight = 0;
  let largeInFlight = 0;

  return (req, res) => {
    const started = process.hrtime.bigint();
    const refuse = (status: number, message: string, close = false): void => {
      if (res.headersSent) return;
      sendJson(res, status, statusBody(status, message), close);
      opts.onRefused?.(status, message, started);
      // Drop whatever is left of the body unread: the connection closes after the answer.
      req.resume();
    };
    const contentType = req.headers['content-type'] ?? '';
    if (!JSON_TYPE.test(contentType)) {
      return refuse(415, `Content-Type must be application/json, not ${JSON.stringify(contentType)}`);
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    const tooLarge = `request body exceeds ${limits.bodyLimitBytes} bytes`;
    if (declared > limits.bodyLimitBytes) return refuse(413, tooLarge, true);
    if (inFlight >= limits.maxInFlight) {
      return refuse(429, `too many requests in flight (${limits.maxInFlight}); retry`, true);
    }
    inFlight++;
    let large = false;
    const takeLarge = (): boolean => {
      if (large) return true;
      if (largeInFlight >= limits.maxLargeInFlight) return false;
      largeInFlight++;
      large = true;
      return true;
    };
    let abort: AbortController | undefined;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      inFlight--;
      if (large) largeInFlight--;
      abort?.abort(ANSWERED);
    };
    res.once('close', release);
    if (declared > limits.largeBodyBytes && !takeLarge()) {
      return refuse(429, largeBusy(limits), true);
    }

    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limits.bodyLimitBytes || (size > limits.largeBodyBytes && !takeLarge())) {
        refused = true;
        chunks.length = 0;
        if (size > limits.bodyLimitBytes) refuse(413, tooLarge, true);
        else refuse(429, largeBusy(limits), true);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      chunks.length = 0;
      const parsed = parseBounded(
        raw,
        raw.length > limits.depthCheckAboveBytes ? limits.maxDepth : undefined,
      );
      if (!parsed.ok) return refuse(400, `invalid request body: ${parsed.message}`);
      opts
        .handle({
          body: parsed.value,
          started,
          get signal() {
            abort ??= new AbortController();
            if (released) abort.abort(ANSWERED);
            return abort.signal;
          },
        })
        .then((reply) => sendJson(res, reply.status, reply.body))
        .catch((err: unknown) => {
          opts.onError?.(err);
          if (!res.headersSent) {
            sendJson(res, 500, statusBody(500, 'internal error; see the server logs'));
          }
        });
    });
    req.on('error', () => release());
  };
}

function largeBusy(limits: JsonLimits): string {
  return `too many requests over ${limits.largeBodyBytes} bytes in flight (${limits.maxLargeInFlight}); retry`;
}

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/** JSON.parse, after a linear check of the nesting depth when `maxDepth` is given. */
export function parseBounded(raw: Buffer, maxDepth: number | undefined): Parsed {
  if (maxDepth !== undefined && nestingDepth(raw, maxDepth) > maxDepth) {
    return { ok: false, message: `nested deeper than ${maxDepth} levels` };
  }
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) };
  } catch (err) {
    return { ok: false, message: errorMessage(err) };
  }
}

/**
 * The deepest nesting of `[` and `{` outside strings, stopping once past `stopAbove`. One pass over the bytes
 * (a plain loop beats `indexOf` here: Kubernetes objects are many short strings); malformed input is left to
 * JSON.parse to describe.
 */
export function nestingDepth(raw: Buffer, stopAbove: number): number {
  let depth = 0;
  let deepest = 0;
  const n = raw.length;
  for (let i = 0; i < n; i++) {
    const b = raw[i]!;
    if (b === 0x22) {
      // Skip the string; a backslash escapes the byte after it.
      for (i++; i < n; i++) {
        const c = raw[i]!;
        if (c === 0x5c) i++;
        else if (c === 0x22) break;
      }
    } else if (b === 0x5b || b === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (b === 0x5d || b === 0x7d) depth--;
  }
  return deepest;
}
