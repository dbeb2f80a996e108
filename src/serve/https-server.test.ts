import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { createCA, issueCertificate } from '../certs/pki.js';
import { type HttpsServer, type ServerLimits, startHttpsServer } from './https-server.js';

const ca = createCA({ commonName: 'serve test CA' });
const pair = issueCertificate(ca, { commonName: 'serve', ipAddresses: ['127.0.0.1'], usage: 'server' });

const servers: HttpsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close(0);
});

async function serve(limits: Partial<ServerLimits> = {}): Promise<HttpsServer> {
  const server = await startHttpsServer({
    port: 0,
    bindAddress: '127.0.0.1',
    pair: { cert: pair.certPem, key: pair.keyPem },
    limits,
    handler: (req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    },
  });
  servers.push(server);
  return server;
}

function connect(port: number, opts: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: ca.certPem, ...opts }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Writes `piece` every `everyMs` until the server closes the socket; resolves with how many pieces went out. */
function trickle(socket: tls.TLSSocket, first: string, piece: string, everyMs: number): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    socket.write(first);
    const timer = setInterval(() => {
      sent++;
      socket.write(piece);
    }, everyMs);
    socket.on('error', () => {});
    socket.once('close', () => {
      clearInterval(timer);
      resolve(sent);
    });
  });
}

describe('startHttpsServer', () => {
  it('refuses TLS 1.2 suites without forward secrecy and accepts ECDHE and TLS 1.3', async () => {
    const server = await serve();
    await expect(
      connect(server.port, { ciphers: 'AES128-SHA:AES256-SHA:AES128-GCM-SHA256', maxVersion: 'TLSv1.2' }),
    ).rejects.toThrow(/handshake failure|no cipher|alert/i);
    const ecdhe = await connect(server.port, {
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
      maxVersion: 'TLSv1.2',
    });
    expect(ecdhe.getCipher().name).toBe('ECDHE-RSA-AES128-GCM-SHA256');
    ecdhe.destroy();
    const modern = await connect(server.port);
    expect(modern.getProtocol()).toBe('TLSv1.3');
    modern.destroy();
  });

  it('cuts a request whose headers trickle in once the headers timeout has passed', async () => {
    const server = await serve({ headersTimeoutMs: 300, requestTimeoutMs: 600, timeoutCheckIntervalMs: 100 });
    const socket = await connect(server.port);
    // One header line every 100 ms would take 10 s for 100 lines; the server must not wait for them.
    const sent = await trickle(socket, 'POST /mutate HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n', 100);
    expect(sent).toBeLessThan(15);
  });

  it('cuts a request whose body trickles in once the request timeout has passed', async () => {
    const server = await serve({ headersTimeoutMs: 300, requestTimeoutMs: 600, timeoutCheckIntervalMs: 100 });
    const socket = await connect(server.port);
    const sent = await trickle(
      socket,
      'POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n',
      'a',
      100,
    );
    expect(sent).toBeGreaterThanOrEqual(3);
    expect(sent).toBeLessThan(20);
  });

  it('accepts no more connections than its cap', async () => {
    const server = await serve({ maxConnections: 2 });
    const open = [await connect(server.port), await connect(server.port)];
    await expect(connect(server.port)).rejects.toThrow(/socket disconnected|ECONNRESET|socket hang up/i);
    for (const socket of open) socket.destroy();
  });
});
