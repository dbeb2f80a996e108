/**
 * The admission client the tests and the webhook bench share: the fixture AdmissionReview and NADs, one HTTPS
 * request to a webhook (trusting a given CA, optionally presenting a client certificate), and the patch decoder.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { parseAllDocuments } from 'yaml';
import type { PatchOperation } from '../../src/api/admission-v1.js';
import type { NetworkAttachmentDefinition } from '../../src/api/nad.js';

export const ADMISSION_REVIEW_FIXTURE = new URL('../fixtures/admission-review-pod.json', import.meta.url);
export const NADS_FIXTURE = new URL('../fixtures/nads.yaml', import.meta.url);

/** The fixture AdmissionReview as its file spells it (a pod create naming the fixture NADs). */
export function admissionReviewText(): string {
  return readFileSync(ADMISSION_REVIEW_FIXTURE, 'utf8');
}

/** The fixture NADs, fresh objects every call. */
export function fixtureNads(): NetworkAttachmentDefinition[] {
  return parseAllDocuments(readFileSync(NADS_FIXTURE, 'utf8')).map(
    (d) => d.toJS() as NetworkAttachmentDefinition,
  );
}

export interface HttpsReply {
  status: number;
  body: string;
  /** SHA-256 fingerprint of the certificate the server presented ('' when none was seen). */
  peerFingerprint: string;
}

export interface HttpsRequest {
  port: number;
  /** The CA that signed the server's certificate. */
  caPem: string;
  path?: string;
  host?: string;
  method?: string;
  body?: string | Buffer;
  contentType?: string;
  servername?: string;
  agent?: https.Agent;
  cert?: { certPem: string; keyPem: string };
}

/** One request over TLS; a fresh connection unless an agent is given. */
export function httpsRequest(opts: HttpsRequest): Promise<HttpsReply> {
  const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: opts.host ?? '127.0.0.1',
        port: opts.port,
        path: opts.path ?? '/',
        method: opts.method ?? 'GET',
        ca: opts.caPem,
        agent: opts.agent ?? false,
        headers: body
          ? { 'content-type': opts.contentType ?? 'application/json', 'content-length': body.length }
          : {},
        ...(opts.servername ? { servername: opts.servername } : {}),
        ...(opts.cert ? { cert: opts.cert.certPem, key: opts.cert.keyPem } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        const peer = (res.socket as TLSSocket).getPeerX509Certificate?.();
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            peerFingerprint: peer?.fingerprint256 ?? '',
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** POST an AdmissionReview (the fixture unless a body is given) to `/mutate`. */
export function postAdmission(
  opts: Omit<HttpsRequest, 'method' | 'path'> & { path?: string },
): Promise<HttpsReply> {
  return httpsRequest({ path: '/mutate', ...opts, method: 'POST', body: opts.body ?? admissionReviewText() });
}

/** The JSON patch of an AdmissionReview response; none decodes as no operations. */
export function decodePatch(review: unknown): PatchOperation[] {
  const patch = (review as { response?: { patch?: string } }).response?.patch;
  return patch ? (JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) as PatchOperation[]) : [];
}
