/**
 * A small Kubernetes API connection for the long-running components, which only read a few resources
 * (list, watch, get). @kubernetes/client-node loads every generated API model on import, about 75 MB of
 * resident memory, more than half of the webhook's budget. Tooling (the dev cluster, the demo, tests) uses that
 * library; the production processes use this and never import it.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Projected service-account tokens rotate; re-read the file at most this often. */
const TOKEN_REREAD_MS = 60_000;
/**
 * Sockets open at once to the API server for short requests (GETs and list pages). Lookups beyond this wait
 * for a free socket (within their own timeout) instead of each opening a TLS connection of its own: a burst of
 * misses costs at most this many connections and handshakes, not one per name. Watches use their own
 * connections (one per watched resource), outside this cap.
 */
export const DEFAULT_MAX_SOCKETS = 16;
/**
 * Largest response body `json` reads unless told otherwise. A single object is at most etcd's 1.5 MiB (its
 * JSON somewhat more); lists are read with `ListStreamParser`, item by item, not through this.
 */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

export class KubeEndpointError extends Error {}

export interface KubeEndpointOptions {
  server: string;
  ca?: string;
  cert?: string;
  key?: string;
  insecureSkipTlsVerify?: boolean;
  token?: string;
  tokenFile?: string;
  /** See DEFAULT_MAX_SOCKETS. */
  maxSockets?: number;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Serialized as JSON. */
  body?: unknown;
  /** Default `application/json`; for PATCH e.g. `application/merge-patch+json` or `application/apply-patch+yaml`. */
  contentType?: string;
  signal?: AbortSignal;
  /** For the response head; `json` also bounds the whole body by it. */
  timeoutMs?: number;
  idleMs?: number;
  /** A long-lived stream (a watch): sent on a connection of its own, outside the socket cap. */
  stream?: boolean;
  /** `json` only: refuse a body larger than this (default DEFAULT_MAX_BODY_BYTES). */
  maxBytes?: number;
}

export class KubeEndpoint {
  readonly server: URL;
  private readonly agent: https.Agent;
  private readonly streamAgent: https.Agent;
  private token: { value: string; readAt: number } | undefined;

  constructor(private readonly opts: KubeEndpointOptions) {
    this.server = new URL(opts.server);
    if (this.server.protocol !== 'https:') {
      throw new KubeEndpointError(`API server ${opts.server} must be https`);
    }
    const tls = {
      ...(opts.ca ? { ca: opts.ca } : {}),
      ...(opts.cert && opts.key ? { cert: opts.cert, key: opts.key } : {}),
      rejectUnauthorized: !opts.insecureSkipTlsVerify,
    };
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: opts.maxSockets ?? DEFAULT_MAX_SOCKETS,
      ...tls,
    });
    this.streamAgent = new https.Agent({ keepAlive: true, ...tls });
  }

  private bearer(): string | undefined {
    if (this.opts.token) return this.opts.token;
    if (!this.opts.tokenFile) return undefined;
    const now = Date.now();
    if (!this.token || now - this.token.readAt > TOKEN_REREAD_MS) {
      this.token = { value: readFileSync(this.opts.tokenFile, 'utf8').trim(), readAt: now };
    }
    return this.token.value;
  }

  /**
   * Opens a request; the caller reads the response stream (watch) or uses `json`. `timeoutMs` bounds the wait
   * for the response head; `idleMs` destroys a response that goes quiet that long (a watch whose connection
   * died without a FIN).
   */
  open(path: string, opts: RequestOptions = {}): Promise<import('node:http').IncomingMessage> {
    const token = this.bearer();
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    return new Promise((resolvePromise, reject) => {
      const req = https.request(
        {
          protocol: this.server.protocol,
          // URL keeps the brackets of an IPv6 literal; the socket layer wants the bare address.
          hostname: this.server.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: this.server.port || 443,
          path: `${this.server.pathname.replace(/\/$/, '')}${path}`,
          method: opts.method ?? 'GET',
          agent: opts.stream ? this.streamAgent : this.agent,
          headers: {
            accept: 'application/json',
            ...(payload
              ? { 'content-type': opts.contentType ?? 'application/json', 'content-length': payload.length }
              : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          ...(opts.signal ? { signal: opts.signal } : {}),
        },
        (res) => {
          if (opts.idleMs) {
            res.setTimeout(opts.idleMs, () =>
              res.destroy(new Error(`no data from the API server for ${opts.idleMs} ms`)),
            );
          }
          resolvePromise(res);
        },
      );
      const timeoutMs = opts.timeoutMs ?? 30_000;
      const timer = setTimeout(
        () => req.destroy(new Error(`the API server did not answer ${path} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      req.on('response', () => clearTimeout(timer));
      req.on('close', () => clearTimeout(timer));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * Any verb; `body` is sent as JSON (or as `contentType`, e.g. a merge patch). The whole exchange, body
   * included, must finish within `timeoutMs` and the body stay under `maxBytes`: a response that stalls
   * half-way fails instead of holding its caller (and its socket) for good.
   */
  async json(path: string, opts: Omit<RequestOptions, 'idleMs' | 'stream'> = {}): Promise<ApiResponse> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
    const overdue = (err: unknown): Error =>
      deadline.aborted
        ? new Error(`the API server did not answer ${path} within ${timeoutMs} ms`)
        : (err as Error);
    const res = await this.open(path, { ...opts, signal, timeoutMs }).catch((err: unknown) => {
      throw overdue(err);
    });
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) {
          res.destroy();
          throw new Error(`the API server's answer to ${path} is larger than ${maxBytes} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      throw overdue(err);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text for the error message
    }
    return { status: res.statusCode ?? 0, body };
  }

  close(): void {
    this.agent.destroy();
    this.streamAgent.destroy();
  }
}

/** The message of a Kubernetes Status body, or the status code. */
export function statusMessage(response: ApiResponse): string {
  const message = (response.body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? `HTTP ${response.status}: ${message}` : `HTTP ${response.status}`;
}

interface NamedEntry<T> {
  name: string;
  [key: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

/**
 * Connection settings from a kubeconfig file (the given path, else $KUBECONFIG's first file, else
 * ~/.kube/config), or in-cluster from the service account. Supports what clusters and service accounts use:
 * CA data or file, client certificates, tokens and token files; exec and auth-provider plugins are refused
 * with a message saying so.
 */
export function loadKubeEndpoint(kubeconfigPath?: string): KubeEndpoint {
  const explicit = kubeconfigPath ?? process.env.KUBECONFIG?.split(':').find((p) => p !== '');
  const candidates = explicit ? [explicit] : [resolve(homedir(), '.kube', 'config')];
  for (const path of candidates) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if (explicit) throw new KubeEndpointError(`cannot read kubeconfig ${path}: ${(err as Error).message}`);
      continue;
    }
    return new KubeEndpoint(fromKubeconfig(text, path));
  }
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new KubeEndpointError(
      'no Kubernetes cluster configured: pass --kubeconfig, set KUBECONFIG, or run inside a cluster',
    );
  }
  return new KubeEndpoint({
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: readFileSync(`${SERVICE_ACCOUNT_DIR}/ca.crt`, 'utf8'),
    tokenFile: `${SERVICE_ACCOUNT_DIR}/token`,
  });
}

export function fromKubeconfig(text: string, path: string): KubeEndpointOptions {
  const doc = parse(text) as {
    'current-context'?: string;
    contexts?: NamedEntry<{ cluster?: string; user?: string }>[];
    clusters?: NamedEntry<Record<string, unknown>>[];
    users?: NamedEntry<Record<string, unknown>>[];
  };
  const where = `kubeconfig ${path}`;
  const contextName = doc['current-context'];
  const context = doc.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) throw new KubeEndpointError(`${where} has no current context`);
  const cluster = doc.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster || typeof cluster.server !== 'string') {
    throw new KubeEndpointError(`${where}: cluster "${context.cluster}" has no server`);
  }
  const user = doc.users?.find((u) => u.name === context.user)?.user ?? {};
  if (user.exec || user['auth-provider'] || user.username) {
    throw new KubeEndpointError(
      `${where}: user "${context.user}" authenticates with an exec plugin, auth provider or password, which wirespeed's components do not support; use a client certificate or a token`,
    );
  }
  const base = dirname(path);
  const data = (entry: Record<string, unknown>, key: string): string | undefined => {
    const inline = entry[`${key}-data`];
    if (typeof inline === 'string') return Buffer.from(inline, 'base64').toString('utf8');
    const file = entry[key];
    return typeof file === 'string' ? readFileSync(resolve(base, file), 'utf8') : undefined;
  };
  const tokenFile = user.tokenFile;
  return {
    server: cluster.server,
    ...optional('ca', data(cluster, 'certificate-authority')),
    ...optional('cert', data(user, 'client-certificate')),
    ...optional('key', data(user, 'client-key')),
    ...(cluster['insecure-skip-tls-verify'] === true ? { insecureSkipTlsVerify: true } : {}),
    ...optional('token', typeof user.token === 'string' ? user.token : undefined),
    ...optional('tokenFile', typeof tokenFile === 'string' ? resolve(base, tokenFile) : undefined),
  };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
