/**
 * Hostile artifact paths, sent byte for byte as written, on every artifact route: each is refused
 * with 400 INVALID_PARAMETER_VALUE "Invalid path ...", nothing lands outside the store, and the
 * server keeps serving.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArtifactStore } from '../../src/artifacts/open.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { raw } from './raw-http.js';
import { startS3, type TestS3 } from './s3-server.js';

const SENTINEL = `escaped-${randomBytes(4).toString('hex')}`;

/** Artifact paths as they appear in the URL (already percent-encoded where shown). */
const HOSTILE_URL_PATHS = [
  `../../${SENTINEL}`,
  `0/run/../../../${SENTINEL}`,
  `%2e%2e/%2e%2e/${SENTINEL}`,
  `%2E%2E%2F%2E%2E%2F${SENTINEL}`,
  `%252e%252e/%252e%252e/${SENTINEL}`,
  `%25252e%25252e%25252f${SENTINEL}`,
  `..%5C..%5C${SENTINEL}`,
  `a%5Cb%5C${SENTINEL}`,
  `%2Ftmp%2F${SENTINEL}`,
  `/tmp/${SENTINEL}`,
  `C:%5CWindows%5C${SENTINEL}`,
  `a%00b/${SENTINEL}`,
  `a%23b/${SENTINEL}`,
  `a%2523b/${SENTINEL}`,
];

/** The same attempts as `path` query values (URL-encoded once more by URLSearchParams). */
const HOSTILE_QUERY_PATHS = ['..', '../..', '0/../..', '%2e%2e', '%252e%252e/x', '/etc', 'a\\..\\..', 'C:\\x', 'a\0b', 'a#b'];

const A = '/api/2.0/mlflow-artifacts';

function listFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe.each(['local', 's3'] as const)('artifact path safety with a %s destination', (kind) => {
  let s3: TestS3 | undefined;
  let server: TestServer;
  // What the server itself keeps in its home (database, keys, tokens) before any hostile request.
  let homeBefore: Set<string>;
  const prefix = `safety-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    if (kind === 's3') s3 = await startS3();
    server = await startTestServer('sqlite', s3 ? { artifactsDestination: s3.uri(prefix), s3EndpointUrl: s3.endpoint } : {});
    homeBefore = new Set(listFilesUnder(server.home));
  });
  afterAll(async () => {
    await server?.close();
    await s3?.close();
  });

  function expectInvalidPath(r: { status: number; json: { error_code?: string; message?: string } | undefined }, what: string) {
    expect(r.status, what).toBe(400);
    expect(r.json?.error_code, what).toBe('INVALID_PARAMETER_VALUE');
    expect(r.json?.message, what).toMatch(/^Invalid path/);
  }

  it('refuses hostile paths on upload, download, delete and every multipart route', async () => {
    for (const path of HOSTILE_URL_PATHS) {
      expectInvalidPath(await raw(server.url, 'PUT', `${A}/artifacts/${path}`, 'pwned'), `PUT ${path}`);
      expectInvalidPath(await raw(server.url, 'GET', `${A}/artifacts/${path}`), `GET ${path}`);
      expectInvalidPath(await raw(server.url, 'DELETE', `${A}/artifacts/${path}`), `DELETE ${path}`);
      const json = { 'content-type': 'application/json' };
      const create = JSON.stringify({ path: 'x', num_parts: 1 });
      expectInvalidPath(await raw(server.url, 'POST', `${A}/mpu/create/${path}`, create, json), `create ${path}`);
      const complete = JSON.stringify({ upload_id: 'u', parts: [{ part_number: 1, etag: 'e' }] });
      expectInvalidPath(await raw(server.url, 'POST', `${A}/mpu/complete/${path}`, complete, json), `complete ${path}`);
      expectInvalidPath(await raw(server.url, 'POST', `${A}/mpu/abort/${path}`, JSON.stringify({ upload_id: 'u' }), json), `abort ${path}`);
      expectInvalidPath(await raw(server.url, 'PUT', `${A}/mpu/part/${path}?upload_id=u&part_number=1`, 'pwned'), `part ${path}`);
    }
  });

  it('refuses hostile list paths, on the proxy and on the tracking API', async () => {
    const run = await raw(server.url, 'POST', '/api/2.0/mlflow/runs/create', JSON.stringify({ experiment_id: '0' }), { 'content-type': 'application/json' });
    const runId = run.json.run.info.run_id as string;
    for (const path of HOSTILE_QUERY_PATHS) {
      const q = new URLSearchParams({ path }).toString();
      expectInvalidPath(await raw(server.url, 'GET', `${A}/artifacts?${q}`), `list ${path}`);
      expectInvalidPath(await raw(server.url, 'GET', `/api/2.0/mlflow/artifacts/list?run_id=${runId}&${q}`), `runs list ${path}`);
    }
  });

  it('wrote nothing outside the store and still serves requests', async () => {
    if (kind === 'local') {
      const root = server.services.config.artifactsDestination;
      for (const file of [...listFilesUnder(server.home), ...readdirSync(tmpdir())]) {
        expect(file.includes(SENTINEL), file).toBe(false);
      }
      const added = listFilesUnder(server.home).filter((file) => !homeBefore.has(file));
      for (const file of added) expect(relative(root, file).startsWith('..'), file).toBe(false);
    } else {
      const bucket = await openArtifactStore(`s3://${s3!.bucket}`, { s3EndpointUrl: s3!.endpoint });
      const everything = await bucket.list('');
      expect(everything.every((e) => e.path === prefix), JSON.stringify(everything)).toBe(true);
    }
    expect((await raw(server.url, 'GET', '/health')).body.toString()).toBe('OK');
    expect((await raw(server.url, 'PUT', `${A}/artifacts/0/ok/after.txt`, 'fine')).status).toBe(200);
    expect((await raw(server.url, 'GET', `${A}/artifacts/0/ok/after.txt`)).body.toString()).toBe('fine');
  });
});
