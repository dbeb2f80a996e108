import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startFakeApi } from '../../test/support/fake-api.js';
import { createCA, issueCertificate } from '../certs/pki.js';
import { fromKubeconfig, KubeEndpoint, KubeEndpointError, loadKubeEndpoint } from './endpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'wirespeed-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const b64 = (s: string) => Buffer.from(s).toString('base64');

function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = {}) {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443', ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  });
}

describe('KubeEndpoint', () => {
  it('reaches an API server at an IPv6 literal', async () => {
    const ca = createCA();
    const pair = issueCertificate(ca, { commonName: 'api', ipAddresses: ['::1'], usage: 'server' });
    const server = https.createServer({ cert: pair.certPem, key: pair.keyPem }, (_req, res) => {
      res.end(JSON.stringify({ kind: 'Status', message: 'hello' }));
    });
    await new Promise<void>((r) => server.listen(0, '::1', r));
    const endpoint = new KubeEndpoint({
      server: `https://[::1]:${(server.address() as AddressInfo).port}`,
      ca: ca.certPem,
    });
    try {
      expect(await endpoint.json('/version')).toEqual({
        status: 200,
        body: { kind: 'Status', message: 'hello' },
      });
    } finally {
      endpoint.close();
      server.close();
    }
  });

  it('gives up on an API server that does not answer, naming the path', async () => {
    const ca = createCA();
    const pair = issueCertificate(ca, { commonName: 'api', ipAddresses: ['127.0.0.1'], usage: 'server' });
    const server = https.createServer({ cert: pair.certPem, key: pair.keyPem }, () => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = new KubeEndpoint({
      server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
      ca: ca.certPem,
    });
    try {
      await expect(endpoint.json('/slow', { timeoutMs: 200 })).rejects.toThrow(
        'did not answer /slow within 200 ms',
      );
    } finally {
      endpoint.close();
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('fromKubeconfig', () => {
  it('reads inline certificate data', () => {
    const options = fromKubeconfig(
      kubeconfig(
        { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') },
        { 'certificate-authority-data': b64('CA') },
      ),
      join(dir, 'config'),
    );
    expect(options).toEqual({ server: 'https://127.0.0.1:6443', ca: 'CA', cert: 'CERT', key: 'KEY' });
  });

  it('reads files relative to the kubeconfig, tokens and token files', () => {
    writeFileSync(join(dir, 'ca.crt'), 'CA FILE');
    const options = fromKubeconfig(
      kubeconfig(
        { tokenFile: 'token' },
        { 'certificate-authority': 'ca.crt', 'insecure-skip-tls-verify': true },
      ),
      join(dir, 'config'),
    );
    expect(options).toEqual({
      server: 'https://127.0.0.1:6443',
      ca: 'CA FILE',
      insecureSkipTlsVerify: true,
      tokenFile: join(dir, 'token'),
    });
    expect(fromKubeconfig(kubeconfig({ token: 'abc' }), join(dir, 'config')).token).toBe('abc');
  });

  it('refuses exec plugins and missing contexts with messages saying what to use', () => {
    expect(() => fromKubeconfig(kubeconfig({ exec: { command: 'aws' } }), '/k')).toThrow(
      /exec plugin.*use a client certificate or a token/,
    );
    expect(() => fromKubeconfig('apiVersion: v1\nkind: Config\n', '/k')).toThrow(
      'kubeconfig /k has no current context',
    );
  });

  it('names the file it cannot read, and refuses plain http', () => {
    expect(() => loadKubeEndpoint(join(dir, 'absent'))).toThrow(KubeEndpointError);
    expect(() => loadKubeEndpoint(join(dir, 'absent'))).toThrow(
      `cannot read kubeconfig ${join(dir, 'absent')}`,
    );
    writeFileSync(join(dir, 'http'), kubeconfig({}, { server: 'http://127.0.0.1:8080' }));
    expect(() => loadKubeEndpoint(join(dir, 'http'))).toThrow('must be https');
  });
});

describe('KubeEndpoint.json bounds the whole answer', () => {
  it('fails a body that stalls after the head, and one larger than maxBytes', async () => {
    const api = await startFakeApi((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url === '/stall') res.write('{"items": [');
      else res.end(JSON.stringify({ big: 'x'.repeat(10_000) }));
    });
    try {
      await expect(api.endpoint.json('/stall', { timeoutMs: 300 })).rejects.toThrow(
        'the API server did not answer /stall within 300 ms',
      );
      await expect(api.endpoint.json('/big', { maxBytes: 1000 })).rejects.toThrow(
        "the API server's answer to /big is larger than 1000 bytes",
      );
    } finally {
      await api.close();
    }
  });
});
