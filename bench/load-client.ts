/**
 * The load generator's HTTP client: keep-alive HTTP/1.1 over raw loopback sockets, the way wrk
 * or autocannon drive a server. node:http and fetch spend more CPU per request than the server
 * under test does for a small call; on a two-core machine that would measure the client.
 */
import { connect, type Socket } from 'node:net';

export interface Reply {
  status: number;
  body: string;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const CHUNKED_END = Buffer.from('\r\n0\r\n\r\n');

/** One keep-alive connection carrying one request at a time. */
class Connection {
  private socket: Socket | undefined;
  private chunks: Buffer[] = [];
  private size = 0;
  private head: { status: number; bodyStart: number; length: number | undefined; chunked: boolean } | undefined;
  private waiting: { resolve(r: Reply): void; reject(e: Error): void } | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  send(request: Buffer): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.chunks = [];
      this.size = 0;
      this.head = undefined;
      this.open().write(request);
    });
  }

  private open(): Socket {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    socket.on('data', (b: Buffer) => this.onData(b));
    const fail = (err?: Error) => {
      if (this.socket === socket) this.socket = undefined;
      const w = this.waiting;
      this.waiting = undefined;
      w?.reject(err ?? new Error('connection closed before the response ended'));
    };
    socket.on('error', fail);
    socket.on('close', () => fail());
    this.socket = socket;
    return socket;
  }

  private onData(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    if (this.head === undefined) {
      const all = Buffer.concat(this.chunks, this.size);
      this.chunks = [all];
      const headEnd = all.indexOf(HEAD_END);
      if (headEnd < 0) return;
      const text = all.toString('latin1', 0, headEnd);
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text)?.[1];
      this.head = {
        status: Number(text.slice(9, 12)),
        bodyStart: headEnd + 4,
        length: length === undefined ? undefined : Number(length),
        chunked: /\r\ntransfer-encoding:\s*chunked/i.test(text),
      };
    }
    // Large bodies arrive in many pieces: join them once, when the body is complete.
    const { status, bodyStart, length, chunked } = this.head;
    let body: Buffer;
    if (length !== undefined) {
      if (this.size < bodyStart + length) return;
      body = Buffer.concat(this.chunks, this.size).subarray(bodyStart, bodyStart + length);
    } else if (chunked) {
      const last = this.chunks[this.chunks.length - 1]!;
      const tail = last.length >= CHUNKED_END.length ? last.subarray(last.length - CHUNKED_END.length) : Buffer.concat(this.chunks, this.size).subarray(-CHUNKED_END.length);
      if (!tail.equals(CHUNKED_END)) return;
      body = dechunk(Buffer.concat(this.chunks, this.size).subarray(bodyStart));
    } else {
      body = Buffer.alloc(0);
    }
    const w = this.waiting;
    this.waiting = undefined;
    this.head = undefined;
    this.chunks = [];
    this.size = 0;
    w?.resolve({ status, body: body.toString('utf8') });
  }

  close(): void {
    this.socket?.destroy();
  }
}

function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', at);
    const size = parseInt(raw.toString('latin1', at, lineEnd), 16);
    if (!size) return Buffer.concat(parts);
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

export class LoadClient {
  private readonly idle: Connection[] = [];
  private readonly queue: ((c: Connection) => void)[] = [];
  private readonly all: Connection[] = [];
  private readonly hostHeader: string;

  /** `connections`: how many sockets the client keeps open (one for a sequential client). */
  constructor(base: string, connections = 1) {
    const url = new URL(base);
    this.hostHeader = url.host;
    for (let i = 0; i < connections; i++) {
      const c = new Connection(url.hostname, Number(url.port));
      this.all.push(c);
      this.idle.push(c);
    }
  }

  async send(method: 'GET' | 'POST', path: string, body?: string): Promise<Reply> {
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\n`;
    if (body !== undefined) head += `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
    const request = Buffer.from(head + '\r\n' + (body ?? ''));
    const conn = this.idle.pop() ?? (await new Promise<Connection>((resolve) => this.queue.push(resolve)));
    try {
      return await conn.send(request);
    } finally {
      const next = this.queue.shift();
      if (next) next(conn);
      else this.idle.push(conn);
    }
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
    for (const c of this.all) c.close();
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
