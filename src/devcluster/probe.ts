import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface ProbeResponse {
  status: number;
  body: string;
}

export interface ClientTls {
  caPem: string;
  /** Without a client certificate the request is anonymous. */
  certPem?: string;
  keyPem?: string;
}

/** One GET with a short timeout; readiness loops call it repeatedly, so it never hangs on a half-open port. */
export function httpGet(url: string, tls?: ClientTls, timeoutMs = 2000): Promise<ProbeResponse> {
  return new Promise((resolve, reject) => {
    const options = tls
      ? { ca: tls.caPem, cert: tls.certPem, key: tls.keyPem, timeout: timeoutMs }
      : { timeout: timeoutMs };
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
