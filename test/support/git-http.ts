/**
 * A real git server over HTTP for tests: git's own `git http-backend` (smart HTTP) behind a node
 * HTTP server on loopback that demands Basic credentials, so a fetch with a password or token
 * goes through the same exchange as with a hosted git service.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execa } from 'execa';

export interface GitHttpServer {
  /** http://127.0.0.1:port/<repo> */
  url(repo: string): string;
  /** Authorization headers seen, to check what the client sent. */
  readonly requests: { path: string; user: string | undefined }[];
  close(): Promise<void>;
}

export async function startGitHttpServer(options: { projectRoot: string; username: string; password: string }): Promise<GitHttpServer> {
  const requests: { path: string; user: string | undefined }[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const user = basicUser(req, options);
    requests.push({ path: url.pathname, user });
    if (!user) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="trainyard-test"' }).end();
      return;
    }
    serveCgi(req, res, url, user, options.projectRoot).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(err.message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (repo) => `http://127.0.0.1:${port}/${repo}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function basicUser(req: IncomingMessage, options: { username: string; password: string }): string | undefined {
  const header = req.headers.authorization;
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  return user === options.username && password === options.password ? user : undefined;
}

async function serveCgi(req: IncomingMessage, res: ServerResponse, url: URL, user: string, projectRoot: string): Promise<void> {
  const child = execa('git', ['http-backend'], {
    env: {
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
      HTTP_GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      REMOTE_USER: user,
      REMOTE_ADDR: '127.0.0.1',
    },
    input: req,
    encoding: 'buffer',
  });
  const { stdout } = await child;
  const out = Buffer.from(stdout);
  const split = out.indexOf('\r\n\r\n');
  const head = out.subarray(0, split).toString('utf8');
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
    else headers[name] = value;
  }
  res.writeHead(status, headers);
  res.end(out.subarray(split + 4));
}
