/**
 * Large artifacts stream through the proxy in constant memory: the bytes are generated and hashed
 * on the fly on the client side, never held whole, and the process's peak memory stays far below
 * the file size. (Speed is measured by `npm run bench`, not here.)
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startS3, type TestS3 } from './s3-server.js';

const MiB = 1024 * 1024;
const A = '/api/2.0/mlflow-artifacts/artifacts';
/** Far below any file size tested: a store or route that buffered the file would blow through it. */
const MAX_PEAK_GROWTH = 200 * MiB;

/** `size` pseudo-random bytes, 1 MiB at a time, hashed as they are produced. */
function generated(size: number): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  const block = createHash('sha512').update('trainyard').digest();
  async function* chunks() {
    for (let offset = 0, i = 0; offset < size; offset += MiB, i++) {
      const chunk = Buffer.allocUnsafe(Math.min(MiB, size - offset));
      for (let at = 0; at < chunk.length; at += block.length) block.copy(chunk, at, 0, Math.min(block.length, chunk.length - at));
      chunk.writeUInt32LE(i, 0);
      hash.update(chunk);
      yield chunk;
    }
  }
  return { stream: Readable.from(chunks(), { objectMode: false }), sha256: () => hash.digest('hex') };
}

function upload(base: string, path: string, body: Readable, size: number | undefined): Promise<number> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (size !== undefined) headers['content-length'] = String(size);
    const req = http.request({ host: url.hostname, port: url.port, method: 'PUT', path: `${A}/${path}`, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    pipeline(body, req).catch(reject);
  });
}

function download(base: string, path: string): Promise<{ status: number; bytes: number; sha256: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    // A connection of its own (see raw-http.ts): the server can close right after the test.
    const req = http.get({ host: url.hostname, port: url.port, path: `${A}/${path}`, agent: false }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        hash.update(chunk);
      });
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, sha256: hash.digest('hex') }));
    });
    req.on('error', reject);
  });
}

function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

describe.each([
  // The local store gets a full gibibyte with a Content-Length (one streamed write).
  { kind: 'local' as const, size: 1024 * MiB, chunked: false },
  // S3 gets a body of unknown length (chunked), which goes through lib-storage's multipart Upload.
  { kind: 's3' as const, size: 40 * MiB + 12345, chunked: true },
])('a large artifact through the proxy to a $kind store', ({ kind, size, chunked }) => {
  let s3: TestS3 | undefined;
  let server: TestServer;

  beforeAll(async () => {
    if (kind === 's3') s3 = await startS3();
    server = await startTestServer('sqlite', s3 ? { artifactsDestination: s3.uri('large'), s3EndpointUrl: s3.endpoint } : {});
  });
  afterAll(async () => {
    await server?.close();
    await s3?.close();
  });

  it(`uploads and downloads ${Math.round(size / MiB)} MiB with the same bytes, in bounded memory`, async () => {
    const before = process.memoryUsage().rss;
    const source = generated(size);
    expect(await upload(server.url, '0/big/artifacts/blob.bin', source.stream, chunked ? undefined : size)).toBe(200);
    const sent = source.sha256();

    const listed = await new Http(server.url).get(A, { path: '0/big/artifacts' });
    expect(listed.body).toEqual({ files: [{ path: 'blob.bin', is_dir: false, file_size: size }] });

    const got = await download(server.url, '0/big/artifacts/blob.bin');
    expect(got.status).toBe(200);
    expect(got.bytes).toBe(size);
    expect(got.sha256).toBe(sent);
    expect(peakRss() - before).toBeLessThan(MAX_PEAK_GROWTH);
  }, 180_000);
});
