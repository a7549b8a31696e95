import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, ArtifactsClient, HttpClient, TrackingClient, TransportError, encodeQuery } from '../../src/clients/index.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startFlakyProxy, type FlakyProxy } from './flaky-proxy.js';

describe('client transport', () => {
  let server: TestServer;
  let proxy: FlakyProxy;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
    proxy = await startFlakyProxy(server.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });

  const tracking = (retries?: number) => new TrackingClient({ baseUrl: proxy.url, retryDelayMs: 1, retries });

  it('retries 503 answers and dropped connections, then succeeds', async () => {
    proxy.seen.length = 0;
    proxy.fail('503', 'drop', '503');
    const id = await tracking().createExperiment('after-retries');
    expect(proxy.seen).toEqual(Array(4).fill('POST /api/2.0/mlflow/experiments/create'));
    expect((await tracking().getExperiment(id)).name).toBe('after-retries');
  });

  it('sends configured headers, read per request when given as a function', async () => {
    proxy.authorizations.length = 0;
    let n = 0;
    const http = new HttpClient({ baseUrl: proxy.url, headers: () => ({ authorization: `Bearer t${++n}` }) });
    await http.get('/api/2.0/mlflow/experiments/get', { experiment_id: '0' });
    await http.get('/api/2.0/mlflow/experiments/get', { experiment_id: '0' });
    expect(proxy.authorizations).toEqual(['Bearer t1', 'Bearer t2']);
  });

  it('gives up after the configured retries with the server status as an ApiError', async () => {
    proxy.seen.length = 0;
    proxy.fail('503', '503');
    const err = await tracking(1)
      .getExperiment('0')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 503, errorCode: 'TEMPORARILY_UNAVAILABLE', message: 'upstream is busy' });
    expect(proxy.seen).toHaveLength(2);
  });

  it('ends a request whose time runs out while waiting to retry with a TransportError', async () => {
    proxy.fail('503');
    const http = new HttpClient({ baseUrl: proxy.url, retryDelayMs: 60_000, timeoutMs: 300 });
    const err = await http.get('/api/2.0/mlflow/experiments/get', { experiment_id: '0' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).message).toContain('aborted or timed out');
  });

  it('sends a streamed body once: it cannot be replayed', async () => {
    proxy.seen.length = 0;
    proxy.fail('503');
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('payload'));
        c.close();
      },
    });
    const artifacts = new ArtifactsClient({ baseUrl: proxy.url, retryDelayMs: 1 });
    await expect(artifacts.upload('0/x/artifacts/f.txt', body)).rejects.toMatchObject({ status: 503 });
    expect(proxy.seen).toEqual(['PUT /api/2.0/mlflow-artifacts/artifacts/0/x/artifacts/f.txt']);
  });

  it('reports an unreachable server as a TransportError naming it', async () => {
    const port = await freePort();
    const http = new HttpClient({ baseUrl: `http://127.0.0.1:${port}`, retries: 1, retryDelayMs: 1 });
    const err = await http.get('/api/2.0/mlflow/experiments/get', { experiment_id: '0' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).message).toContain(`http://127.0.0.1:${port}`);
    expect((err as TransportError).message).toContain('ECONNREFUSED');
  });

  it('keeps a path prefix of the base URL and refuses a URL without http(s)', () => {
    expect(new HttpClient('https://h.example/mlflow/').url('/api/2.0/x', { a: 1 })).toBe('https://h.example/mlflow/api/2.0/x?a=1');
    expect(() => new HttpClient('localhost:5000')).toThrow(/http:\/\/ or https:\/\//);
  });

  it('encodes lists as repeated keys and leaves out absent values', () => {
    expect(encodeQuery({ run_ids: ['a', 'b'], metric_key: 'loss x', max_results: 5, flag: true, gone: undefined, none: null })).toBe(
      'run_ids=a&run_ids=b&metric_key=loss+x&max_results=5&flag=true',
    );
  });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
