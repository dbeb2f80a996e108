/**
 * The HTTPS (and plain-HTTP health) listener every long-running component serves on: TLS settings the API
 * server accepts and nothing weaker, timeouts that mean what they say, caps on connections, and a close that
 * drains. What a component answers is its own handler; this file knows nothing of admission or scheduling.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SecureContextOptions, SecureVersion } from 'node:tls';

/**
 * TLS 1.3 suites, then TLS 1.2 suites with forward secrecy (ECDHE) and AEAD only: the set Go's crypto/tls
 * offers by default, which is what kube-apiserver dials with. RSA key exchange and CBC suites (AES128-SHA,
 * AES256-SHA, ...) are left out: they have no forward secrecy, and no client we serve needs them.
 */
export const CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export interface ServerLimits {
  /**
   * Idle keep-alive connections are closed after this long. Above the API server's own idle timeout (Go's
   * http.Transport IdleConnTimeout, 90 s), so the client, not we, closes an idle connection: a server-side
   * close racing a client's next request is what makes Go clients see "connection reset" on reuse.
   */
  keepAliveTimeoutMs: number;
  /**
   * A request's headers must arrive within this long of its first byte. The API server sends its headers in
   * one write; seconds here are only ever a stalled or hostile client.
   */
  headersTimeoutMs: number;
  /**
   * The whole request (headers and body) must arrive within this long of its first byte. 30 s is the
   * longest `timeoutSeconds` a webhook may declare: past it no API server is still waiting for our answer.
   */
  requestTimeoutMs: number;
  /**
   * How often Node checks the two timeouts above; a stalled request lives up to its timeout plus this.
   * Node's default is 30 s, which made a 30 s request timeout mean up to 60 s.
   */
  timeoutCheckIntervalMs: number;
  /**
   * Open TLS connections, above which new ones are refused at accept. The API server keeps a small pool per
   * replica (tens of connections at thousands of pods per second); each connection costs ~50 KiB of TLS and
   * socket buffers, so 512 bound that to ~25 MiB.
   */
  maxConnections: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  keepAliveTimeoutMs: 95_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  timeoutCheckIntervalMs: 1000,
  maxConnections: 512,
};

export interface HttpsServerOptions {
  port: number;
  bindAddress: string;
  /** The serving pair to start with; `install` replaces it later. */
  pair: { cert: string; key: string };
  /** CA PEMs client certificates must chain to; empty or absent means no client-certificate check. */
  clientCa?: string[];
  minVersion?: SecureVersion;
  limits?: Partial<ServerLimits>;
  handler: http.RequestListener;
}

export interface HttpsServer {
  readonly port: number;
  readonly server: https.Server;
  /** Puts a new serving pair in force for new connections; connections in flight keep theirs. */
  install(pair: { cert: string; key: string }): void;
  /** Stops accepting, lets in-flight requests finish for up to `timeoutMs`, then cuts what is left. */
  close(timeoutMs: number): Promise<void>;
}

/** The options every TLS context of ours carries (a reload must carry them too: setSecureContext replaces all). */
export function baseTlsContext(opts: {
  minVersion?: SecureVersion;
  clientCa?: string[];
}): SecureContextOptions {
  const ca = opts.clientCa ?? [];
  return {
    minVersion: opts.minVersion ?? 'TLSv1.2',
    ciphers: CIPHERS,
    honorCipherOrder: true,
    ...(ca.length > 0 ? { ca } : {}),
  };
}

export async function startHttpsServer(opts: HttpsServerOptions): Promise<HttpsServer> {
  const limits = { ...DEFAULT_SERVER_LIMITS, ...opts.limits };
  const requireClientCert = (opts.clientCa ?? []).length > 0;
  const context = baseTlsContext(opts);
  const server = https.createServer(
    {
      ...context,
      cert: opts.pair.cert,
      key: opts.pair.key,
      ...(requireClientCert ? { requestCert: true, rejectUnauthorized: true } : {}),
      ...timeoutOptions(limits),
    },
    opts.handler,
  );
  server.maxConnections = limits.maxConnections;
  const port = await listen(server, opts.port, opts.bindAddress);
  return {
    port,
    server,
    install: (pair) => server.setSecureContext({ ...context, cert: pair.cert, key: pair.key }),
    close: (timeoutMs) => closeServer(server, timeoutMs),
  };
}

/**
 * A plain-HTTP listener: probes and metrics (kubelet probes and Prometheus speak plain HTTP), or a component
 * whose caller dials plain HTTP on a trusted path (a scheduler extender on localhost). Same timeouts; a
 * smaller connection cap by default, since probes and scrapes are a handful of connections.
 */
export async function startHttpServer(opts: {
  port: number;
  bindAddress: string;
  limits?: Partial<ServerLimits>;
  handler: http.RequestListener;
}): Promise<{ port: number; server: http.Server; close(timeoutMs: number): Promise<void> }> {
  const limits = { ...DEFAULT_SERVER_LIMITS, maxConnections: 64, ...opts.limits };
  const server = http.createServer(timeoutOptions(limits), opts.handler);
  server.maxConnections = limits.maxConnections;
  const port = await listen(server, opts.port, opts.bindAddress);
  return { port, server, close: (timeoutMs) => closeServer(server, timeoutMs) };
}

export function listen(server: http.Server | https.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, lets in-flight requests finish, closes idle keep-alive connections, cuts the rest at the deadline. */
export function closeServer(server: http.Server | https.Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      server.closeAllConnections();
      resolve();
      return;
    }
    const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * Given at construction: Node reads these when it sets up its connection tracking, and refuses a headers timeout
 * above the request timeout there instead of silently letting the larger one win.
 */
function timeoutOptions(limits: ServerLimits): http.ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
  };
}
