/**
 * A scripted HTTPS API server for tests of the small Kubernetes client and what sits on it: the handler
 * decides each answer; the fake counts requests, connections and the most connections open at once, and hands
 * out a `KubeEndpoint` that trusts it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCA, issueCertificate } from '../../src/certs/pki.js';
import { statusBody } from '../../src/core/admission.js';
import { KubeEndpoint, type KubeEndpointOptions } from '../../src/kube/endpoint.js';

const ca = createCA({ commonName: 'fake API CA' });
const pair = issueCertificate(ca, { commonName: 'fake-api', ipAddresses: ['127.0.0.1'], usage: 'server' });

export interface FakeApi {
  endpoint: KubeEndpoint;
  /** Request URLs in arrival order. */
  requests: string[];
  connections: { opened: number; open: number; peak: number };
  close(): Promise<void>;
}

export async function startFakeApi(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  endpointOptions: Partial<KubeEndpointOptions> = {},
): Promise<FakeApi> {
  const requests: string[] = [];
  const connections = { opened: 0, open: 0, peak: 0 };
  const server = https.createServer({ cert: pair.certPem, key: pair.keyPem }, (req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  server.on('secureConnection', (socket) => {
    connections.opened++;
    connections.open++;
    connections.peak = Math.max(connections.peak, connections.open);
    socket.once('close', () => connections.open--);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = new KubeEndpoint({
    server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ca: ca.certPem,
    ...endpointOptions,
  });
  return {
    endpoint,
    requests,
    connections,
    close: async () => {
      endpoint.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Answers with a JSON body. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A Kubernetes Status failure. */
export function status(res: ServerResponse, code: number, message: string): void {
  json(res, code, statusBody(code, message));
}
