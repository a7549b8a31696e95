/**
 * A real HTTP proxy in front of a test server that fails the first requests on purpose, so the
 * clients' retries are exercised over real sockets: '503' answers a plain-text 503, 'drop'
 * closes the connection without an answer. Requests after the planned failures pass through.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** 'pass' forwards one request, to place failures after it. */
export type Failure = '503' | 'drop' | 'pass';

export interface FlakyProxy {
  url: string;
  /** Every request that reached the proxy, failed or forwarded, as "METHOD /path". */
  seen: string[];
  /** The Authorization header of each request ('' when absent). */
  authorizations: string[];
  /** Queues more failures for the next requests. */
  fail(...plan: Failure[]): void;
  close(): Promise<void>;
}

export async function startFlakyProxy(target: string, plan: Failure[] = []): Promise<FlakyProxy> {
  const upstream = new URL(target);
  const queue = [...plan];
  const seen: string[] = [];
  const authorizations: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${(req.url ?? '').split('?')[0]}`);
    authorizations.push(req.headers.authorization ?? '');
    const failure = queue.shift();
    if (failure === 'drop') {
      req.socket.destroy();
      return;
    }
    if (failure === '503') {
      req.resume();
      res.writeHead(503, { 'content-type': 'text/plain', connection: 'close' }).end('upstream is busy');
      return;
    }
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (up: IncomingMessage) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    authorizations,
    fail: (...more) => queue.push(...more),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
