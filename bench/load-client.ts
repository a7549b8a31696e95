/**
 * The load generator's HTTP client: keep-alive connections over loopback, as an MLflow client's
 * requests.Session uses them. node:http rather than fetch, whose per-request overhead would
 * otherwise be measured instead of the server's.
 */
import { Agent, request } from 'node:http';

export interface Reply {
  status: number;
  body: string;
}

export class LoadClient {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  /** `connections`: how many sockets the client keeps open (one for a sequential client). */
  constructor(base: string, connections = 1) {
    const url = new URL(base);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  send(method: 'GET' | 'POST', path: string, body?: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {};
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const req = request({ host: this.host, port: this.port, method, path, headers, agent: this.agent }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  post(path: string, body: unknown): Promise<Reply> {
    return this.send('POST', path, typeof body === 'string' ? body : JSON.stringify(body));
  }

  get(path: string, query: Record<string, string | number> = {}): Promise<Reply> {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
    return this.send('GET', qs ? `${path}?${qs}` : path);
  }

  /** A JSON call that must succeed; the bench stops with the server's answer otherwise. */
  async call<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, payload: Record<string, unknown> = {}): Promise<T> {
    const reply = method === 'GET' ? await this.get(path, payload as Record<string, string>) : await this.post(path, payload);
    if (reply.status !== 200) throw new Error(`${method} ${path} answered ${reply.status}: ${reply.body.slice(0, 500)}`);
    return JSON.parse(reply.body) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}

export const ml = (path: string) => `/api/2.0/mlflow${path}`;

/** Runs `task` with at most `concurrency` in flight. */
export async function inParallel(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
