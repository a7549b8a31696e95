/**
 * HTTP requests sent exactly as written. fetch() normalises '..' and '%2e%2e' segments away
 * before sending, which would keep traversal attempts from ever reaching the server.
 * Each request has its own connection (agent: false): a streamed response can reach the client
 * before the server has finished with it, and a kept-alive connection in that state holds up the
 * server's close until its keep-alive timeout.
 */
import http from 'node:http';
import type { Readable } from 'node:stream';

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The body parsed as JSON when the server said it is JSON. */
  json: any;
}

export function raw(base: string, method: string, path: string, body?: Buffer | string | Readable, headers: Record<string, string> = {}): Promise<RawReply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const isJson = (res.headers['content-type'] ?? '').includes('json') && buf.length > 0;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buf, json: isJson ? JSON.parse(buf.toString()) : undefined });
      });
    });
    req.on('error', reject);
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}
