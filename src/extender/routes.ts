/**
 * The extender's verbs on plain node:http primitives: `POST <prefix>/filter`, `<prefix>/prioritize` and
 * `<prefix>/bind`. The scheduler calls filter and prioritize inside its serial scheduling cycle, so the path
 * from the last body byte to the reply is synchronous over in-memory indexes: no await, no API call. Every
 * decision, including "no node fits", is an HTTP 200; a 4xx only for a body we cannot read.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExtenderBindingArgs } from '../api/extender-v1.js';
import type { Logger } from '../telemetry/logger.js';
import type { ExtenderMetrics, Verb } from './metrics.js';
import {
  type FilterDecision,
  filterError,
  filterReply,
  type NodesRequest,
  parseBindingArgs,
  parseNodesRequest,
  priorityReply,
} from './wire.js';

/** The decisions behind the verbs; `bind` only in bind mode. */
export interface ExtenderVerbs {
  filter(request: NodesRequest): FilterDecision;
  prioritize(request: NodesRequest): { node: string; score: number }[];
  /** Resolves to an error message when the pod must go back to the scheduler's queue. */
  bind?(args: ExtenderBindingArgs): Promise<string | undefined>;
}

export interface RouteOptions {
  /** Path prefix of the verbs, `''` or e.g. `/scheduler` (the scheduler's urlPrefix path). */
  prefix: string;
  bodyLimitBytes: number;
}

export interface RouteDeps {
  log: Logger;
  metrics: ExtenderMetrics;
}

export interface Reply {
  status: number;
  body: unknown;
}

/** The reply to one request body already read, without the socket: what the tests and the property drive. */
export function answer(
  verb: Verb,
  raw: Buffer | string,
  verbs: ExtenderVerbs,
  deps: RouteDeps,
): Reply | Promise<Reply> {
  let body: unknown;
  try {
    body = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (err) {
    return { status: 400, body: { Error: `the request body is not JSON: ${(err as Error).message}` } };
  }
  if (verb === 'bind') return answerBind(body, verbs, deps);
  const request = parseNodesRequest(body);
  if (!request.ok) return { status: 400, body: { Error: request.message } };
  if (request.value.nodes) deps.metrics.fullNodeLists.inc({ verb });
  try {
    if (verb === 'filter') {
      const decision = verbs.filter(request.value);
      return { status: 200, body: filterReply(decision, request.value) };
    }
    return { status: 200, body: priorityReply(verbs.prioritize(request.value)) };
  } catch (err) {
    // A bug, not a decision: fail this attempt loudly (the scheduler logs Error) rather than guess.
    deps.log.error({ err, verb }, 'extender verb failed');
    const message = `wirespeed extender internal error in ${verb}; see the extender logs`;
    return { status: 200, body: verb === 'filter' ? filterError(message) : [] };
  }
}

async function answerBind(body: unknown, verbs: ExtenderVerbs, deps: RouteDeps): Promise<Reply> {
  if (!verbs.bind) {
    return { status: 404, body: { Error: 'bind mode is off: start the extender with --bind-mode' } };
  }
  const args = parseBindingArgs(body);
  if (!args.ok) return { status: 400, body: { Error: args.message } };
  try {
    return { status: 200, body: { Error: (await verbs.bind(args.value)) ?? '' } };
  } catch (err) {
    deps.log.error({ err, pod: `${args.value.PodNamespace}/${args.value.PodName}` }, 'bind failed');
    return { status: 200, body: { Error: `wirespeed extender could not bind: ${(err as Error).message}` } };
  }
}

function send(res: ServerResponse, reply: Reply): void {
  const payload = Buffer.from(JSON.stringify(reply.body));
  res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': payload.length });
  res.end(payload);
}

/** A handler for the server: returns false for requests that are not ours, so probes and 404s stay elsewhere. */
export function extenderRoutes(
  verbs: ExtenderVerbs,
  opts: RouteOptions,
  deps: RouteDeps,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const prefix = opts.prefix.replace(/\/+$/, '');
  const paths = new Map<string, Verb>([
    [`${prefix}/filter`, 'filter'],
    [`${prefix}/prioritize`, 'prioritize'],
    [`${prefix}/bind`, 'bind'],
  ]);
  const { metrics } = deps;
  return (req, res) => {
    const path = req.url?.split('?', 1)[0] ?? '';
    const verb = paths.get(path);
    if (!verb) return false;
    const started = process.hrtime.bigint();
    const finish = (reply: Reply): void => {
      send(res, reply);
      const outcome = reply.status === 200 ? 'ok' : 'invalid';
      metrics.requests.inc({ verb, outcome });
      metrics.duration.observe({ verb }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('allow', 'POST');
      finish({ status: 405, body: { Error: `${path} takes POST, not ${req.method}` } });
      return true;
    }
    const tooLarge = (): void => {
      req.resume();
      finish({ status: 413, body: { Error: `request body exceeds ${opts.bodyLimitBytes} bytes` } });
    };
    if (Number(req.headers['content-length'] ?? 0) > opts.bodyLimitBytes) {
      tooLarge();
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (chunk: Buffer) => {
      if (aborted) return;
      size += chunk.length;
      if (size > opts.bodyLimitBytes) {
        aborted = true;
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (aborted) return;
      const reply = answer(verb, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), verbs, deps);
      if (reply instanceof Promise) reply.then(finish, (err) => deps.log.error({ err }, 'reply failed'));
      else finish(reply);
    });
    req.on('error', (err) => deps.log.warn({ err: err.message, verb }, 'extender request stream failed'));
    return true;
  };
}
