/**
 * The artifact proxy over HTTP, as MLflow clients use it, with a local folder and an S3 bucket
 * (s3rver) behind it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http, ml } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { raw } from './raw-http.js';
import { startS3, type TestS3 } from './s3-server.js';

const A = '/api/2.0/mlflow-artifacts/artifacts';
const MPU = '/api/2.0/mlflow-artifacts/mpu';
const MiB = 1024 * 1024;

/** Announces `declared` bytes, sends `sent`, then drops the connection. */
function interruptedUpload(base: string, path: string, declared: number, sent: number): Promise<void> {
  const url = new URL(base);
  return new Promise((resolve) => {
    const req = http.request({ host: url.hostname, port: url.port, method: 'PUT', path, agent: false, headers: { 'content-length': String(declared) } });
    req.on('error', () => undefined);
    req.on('close', () => resolve());
    req.write(Buffer.alloc(sent, 7), () => setTimeout(() => req.destroy(), 50));
  });
}

/** Retries an assertion until it holds (at most ~5 s): for effects the server finishes after replying. */
async function eventually(check: () => void): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return check();
    } catch (err) {
      if (i >= 100) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe.each(['local', 's3'] as const)('artifact proxy with a %s destination', (kind) => {
  let s3: TestS3 | undefined;
  let server: TestServer;
  let http: Http;
  const put = (path: string, body: Buffer | string, headers: Record<string, string> = {}) => raw(server.url, 'PUT', `${A}/${path}`, body, headers);
  const get = (path: string) => raw(server.url, 'GET', `${A}/${path}`);
  const list = (path?: string) => http.get(A, path === undefined ? {} : { path });

  beforeAll(async () => {
    if (kind === 's3') s3 = await startS3();
    server = await startTestServer(
      'sqlite',
      s3 ? { artifactsDestination: s3.uri(`proxy-${randomBytes(4).toString('hex')}`), s3EndpointUrl: s3.endpoint } : {},
    );
    http = new Http(server.url);
  });
  afterAll(async () => {
    await server?.close();
    await s3?.close();
  });

  it('uploads into nested folders and lists each level with basenames, is_dir always present', async () => {
    const root = '0/run1/artifacts';
    for (const [path, body] of [
      ['a/b/f.txt', 'hello'],
      ['a/top.bin', Buffer.from([0, 1, 2, 255])],
      ['a/b/c/deep.json', '{"x":1}'],
      ['model/MLmodel', 'flavors: {}\n'],
    ] as const) {
      const r = await put(`${root}/${path}`, body, { 'content-type': 'text/plain' });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({});
    }
    expect((await list()).body).toEqual({ files: [{ path: '0', is_dir: true }] });
    expect((await list('0/run1')).body).toEqual({ files: [{ path: 'artifacts', is_dir: true }] });
    expect((await list(root)).body).toEqual({
      files: [
        { path: 'a', is_dir: true },
        { path: 'model', is_dir: true },
      ],
    });
    expect((await list(`${root}/a`)).body).toEqual({
      files: [
        { path: 'b', is_dir: true },
        { path: 'top.bin', is_dir: false, file_size: 4 },
      ],
    });
    expect((await list(`${root}/a/b`)).body).toEqual({
      files: [
        { path: 'c', is_dir: true },
        { path: 'f.txt', is_dir: false, file_size: 5 },
      ],
    });
    expect((await list(`${root}/a/b/c`)).body).toEqual({ files: [{ path: 'deep.json', is_dir: false, file_size: 7 }] });
  });

  it('lists a file or a missing path as an empty message', async () => {
    await put('0/run2/artifacts/only.txt', 'x');
    expect((await list('0/run2/artifacts/only.txt')).body).toEqual({});
    expect((await list('0/run2/artifacts/missing')).body).toEqual({});
  });

  it('downloads with the guessed type, as an attachment, without sniffing', async () => {
    await put('0/run3/artifacts/model/MLmodel', 'artifact_path: model\n');
    await put('0/run3/artifacts/model/model.pkl', Buffer.from([0x80, 0x04, 0x95]));
    await put('0/run3/artifacts/notes.txt', 'n');
    await put('0/run3/artifacts/page.html', '<script>alert(1)</script>');

    const mlmodel = await get('0/run3/artifacts/model/MLmodel');
    expect(mlmodel.status).toBe(200);
    expect(mlmodel.body.toString()).toBe('artifact_path: model\n');
    expect(mlmodel.headers['content-type']).toMatch(/^text\/plain/);
    expect(mlmodel.headers['content-disposition']).toBe('attachment; filename="MLmodel"');
    expect(mlmodel.headers['x-content-type-options']).toBe('nosniff');
    expect(mlmodel.headers['content-length']).toBe('21');

    const pkl = await get('0/run3/artifacts/model/model.pkl');
    expect([...pkl.body]).toEqual([0x80, 0x04, 0x95]);
    expect(pkl.headers['content-type']).toBe('application/octet-stream');
    expect((await get('0/run3/artifacts/notes.txt')).headers['content-type']).toMatch(/^text\/plain/);
    expect((await get('0/run3/artifacts/page.html')).headers['content-type']).toMatch(/^text\/plain/);
  });

  it('answers 404 RESOURCE_DOES_NOT_EXIST for a missing file or a folder', async () => {
    await put('0/run4/artifacts/d/f.txt', 'f');
    for (const path of ['0/run4/artifacts/d/nope.txt', '0/run4/artifacts/d']) {
      const r = await get(path);
      expect(r.status).toBe(404);
      expect(r.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    }
  });

  it('overwrites a file, names with spaces and unicode included', async () => {
    await put('0/run5/artifacts/my%20file%20%C3%A9.txt', 'one');
    await put('0/run5/artifacts/my%20file%20%C3%A9.txt', 'two');
    const r = await get('0/run5/artifacts/my%20file%20%C3%A9.txt');
    expect(r.body.toString()).toBe('two');
    expect(r.headers['content-disposition']).toBe(`attachment; filename="my file _.txt"; filename*=UTF-8''my%20file%20%C3%A9.txt`);
    expect((await list('0/run5/artifacts')).body).toEqual({ files: [{ path: 'my file é.txt', is_dir: false, file_size: 3 }] });
  });

  it('deletes a file and a folder tree', async () => {
    await put('0/run6/artifacts/keep.txt', 'k');
    await put('0/run6/artifacts/gone.txt', 'g');
    await put('0/run6/artifacts/dir/sub/x.txt', 'x');
    expect((await raw(server.url, 'DELETE', `${A}/0/run6/artifacts/gone.txt`)).json).toEqual({});
    expect((await raw(server.url, 'DELETE', `${A}/0/run6/artifacts/dir`)).status).toBe(200);
    expect((await list('0/run6/artifacts')).body).toEqual({ files: [{ path: 'keep.txt', is_dir: false, file_size: 1 }] });
  });

  it('serves the same API under /ajax-api/2.0', async () => {
    const up = await raw(server.url, 'PUT', '/ajax-api/2.0/mlflow-artifacts/artifacts/0/run7/artifacts/ui.txt', 'from ui');
    expect(up.status).toBe(200);
    expect((await get('0/run7/artifacts/ui.txt')).body.toString()).toBe('from ui');
    const listed = await http.get('/ajax-api/2.0/mlflow-artifacts/artifacts', { path: '0/run7/artifacts' });
    expect(listed.body).toEqual({ files: [{ path: 'ui.txt', is_dir: false, file_size: 7 }] });
  });

  it('takes an upload larger than the JSON body limit, with any content type', async () => {
    const big = randomBytes(17 * MiB);
    expect(big.length).toBeGreaterThan(server.services.config.bodyLimit);
    const r = await put('0/run8/artifacts/big.bin', big, { 'content-type': 'application/json' });
    expect(r.status).toBe(200);
    expect((await get('0/run8/artifacts/big.bin')).body.equals(big)).toBe(true);
  });

  it('keeps the previous version when a client disconnects mid-upload, and keeps serving', async () => {
    const path = '0/run12/artifacts/interrupted.bin';
    await put(path, 'previous');
    await interruptedUpload(server.url, `${A}/${path}`, 10 * MiB, MiB);
    if (kind === 'local') {
      // The partial bytes went to a temporary file, which the failed write removes.
      const tmp = join(server.services.config.artifactsDestination, '.trainyard-uploads', 'tmp');
      await eventually(() => expect(existsSync(tmp) ? readdirSync(tmp) : []).toEqual([]));
    }
    expect((await get(path)).body.toString()).toBe('previous');
    expect((await list('0/run12/artifacts')).body).toEqual({ files: [{ path: 'interrupted.bin', is_dir: false, file_size: 8 }] });
    expect((await raw(server.url, 'GET', '/health')).status).toBe(200);
  });

  describe('multipart uploads', () => {
    const parts = [Buffer.alloc(5 * MiB, 1), Buffer.alloc(5 * MiB, 2), Buffer.from('end')];

    it('hands out part URLs on this server, takes the parts there and joins them on complete', async () => {
      const path = '0/run9/artifacts/model/weights.bin';
      const created = await http.post(`${MPU}/create/${path}`, { path: '/tmp/local/weights.bin', num_parts: 3 });
      expect(created.status).toBe(200);
      const { upload_id: uploadId, credentials } = created.body;
      expect(typeof uploadId).toBe('string');
      expect(credentials).toHaveLength(3);
      expect(credentials.map((c: { part_number: number }) => c.part_number)).toEqual([1, 2, 3]);
      for (const c of credentials) {
        expect(c.url.startsWith(`${server.url}/api/2.0/mlflow-artifacts/mpu/part/0/run9/artifacts/model/weights.bin?`)).toBe(true);
        expect(c.headers).toEqual({});
      }
      const etags: string[] = [];
      for (const [i, c] of credentials.entries()) {
        const res = await fetch(c.url, { method: 'PUT', body: parts[i] });
        expect(res.status).toBe(200);
        etags.push(res.headers.get('etag') ?? '');
      }
      expect(etags.every((e) => e.length > 0)).toBe(true);
      expect((await list('0/run9/artifacts/model')).body).toEqual({});
      const done = await http.post(`${MPU}/complete/${path}`, {
        path: '/tmp/local/weights.bin',
        upload_id: uploadId,
        parts: etags.map((etag, i) => ({ part_number: i + 1, etag, url: credentials[i].url })),
      });
      expect(done.status).toBe(200);
      expect(done.body).toEqual({});
      const got = await get(path);
      expect(got.body.equals(Buffer.concat(parts))).toBe(true);
    });

    it('aborts an upload: nothing is written and the upload is gone', async () => {
      const path = '0/run10/artifacts/aborted.bin';
      const { upload_id: uploadId, credentials } = (await http.post(`${MPU}/create/${path}`, { path: 'aborted.bin', num_parts: 1 })).body;
      const res = await fetch(credentials[0].url, { method: 'PUT', body: 'partial' });
      const etag = res.headers.get('etag');
      expect((await http.post(`${MPU}/abort/${path}`, { path: 'aborted.bin', upload_id: uploadId })).body).toEqual({});
      const late = await http.post(`${MPU}/complete/${path}`, { path: 'aborted.bin', upload_id: uploadId, parts: [{ part_number: 1, etag }] });
      expect(late.status).toBe(404);
      expect(late.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
      expect((await get(path)).status).toBe(404);
    });

    it('refuses bad num_parts, missing upload ids and ETags that were not handed out', async () => {
      const path = '0/run11/artifacts/f.bin';
      for (const numParts of [0, 10_001]) {
        const r = await http.post(`${MPU}/create/${path}`, { path: 'f.bin', num_parts: numParts });
        expect(r.status).toBe(400);
        expect(r.body.error_code).toBe('INVALID_PARAMETER_VALUE');
      }
      const noParts = await http.post(`${MPU}/create/${path}`, { path: 'f.bin' });
      expect(noParts.body.message).toContain("'num_parts'");
      const { upload_id: uploadId, credentials } = (await http.post(`${MPU}/create/${path}`, { path: 'f.bin', num_parts: 1 })).body;
      await fetch(credentials[0].url, { method: 'PUT', body: 'bytes' });
      const wrong = await http.post(`${MPU}/complete/${path}`, { upload_id: uploadId, parts: [{ part_number: 1, etag: '"00000000000000000000000000000000"' }] });
      expect(wrong.status).toBe(400);
      const noId = await http.post(`${MPU}/abort/${path}`, { path: 'f.bin' });
      expect(noId.status).toBe(400);
      expect(noId.body.message).toContain("'upload_id'");
      expect((await get(path)).status).toBe(404);
    });
  });

  describe('the tracking API listing of run artifacts', () => {
    it("lists a run's artifacts with run-relative paths and the run's root_uri", async () => {
      const run = (await http.post(ml('/runs/create'), { experiment_id: '0' })).body.run.info;
      expect(run.artifact_uri).toBe(`mlflow-artifacts:/0/${run.run_id}/artifacts`);
      const base = `0/${run.run_id}/artifacts`;
      await put(`${base}/model/MLmodel`, 'm');
      await put(`${base}/model/data/w.bin`, 'ww');
      await put(`${base}/metrics.json`, '{}');
      const top = await http.get(ml('/artifacts/list'), { run_id: run.run_id });
      expect(top.body).toEqual({
        root_uri: run.artifact_uri,
        files: [
          { path: 'metrics.json', is_dir: false, file_size: 2 },
          { path: 'model', is_dir: true },
        ],
      });
      const model = await http.get(ml('/artifacts/list'), { run_uuid: run.run_id, path: 'model' });
      expect(model.body).toEqual({
        root_uri: run.artifact_uri,
        files: [
          { path: 'model/MLmodel', is_dir: false, file_size: 1 },
          { path: 'model/data', is_dir: true },
        ],
      });
      expect((await http.get(ml('/artifacts/list'), { run_id: run.run_id, path: 'nothing' })).body).toEqual({ root_uri: run.artifact_uri });
      const bad = await raw(server.url, 'GET', `${ml('/artifacts/list')}?run_id=${run.run_id}&path=..%2F..%2F..`);
      expect(bad.status).toBe(400);
      expect(bad.json.message).toMatch(/^Invalid path/);
    });

    it("serves one of a run's files for the web UI at /get-artifact", async () => {
      const run = (await http.post(ml('/runs/create'), { experiment_id: '0' })).body.run.info;
      await put(`0/${run.run_id}/artifacts/plots/loss.png`, Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      const r = await raw(server.url, 'GET', `/get-artifact?run_uuid=${run.run_id}&path=plots%2Floss.png`);
      expect(r.status).toBe(200);
      expect([...r.body]).toEqual([0x89, 0x50, 0x4e, 0x47]);
      expect(r.headers['content-type']).toBe('image/png');
      expect(r.headers['content-disposition']).toBe('attachment; filename="loss.png"');
      expect((await raw(server.url, 'GET', `/get-artifact?run_id=${run.run_id}&path=plots/none.png`)).status).toBe(404);
      const bad = await raw(server.url, 'GET', `/get-artifact?run_id=${run.run_id}&path=..%2F..%2Fx`);
      expect(bad.status).toBe(400);
      expect(bad.json.message).toMatch(/^Invalid path/);
    });

    it('refuses runs whose artifacts live elsewhere, and unknown runs', async () => {
      const exp = (await http.post(ml('/experiments/create'), { name: `elsewhere-${kind}`, artifact_location: 's3://other-bucket/x' })).body.experiment_id;
      const run = (await http.post(ml('/runs/create'), { experiment_id: exp })).body.run.info;
      const r = await http.get(ml('/artifacts/list'), { run_id: run.run_id });
      expect(r.status).toBe(400);
      expect(r.body.message).toContain('s3://other-bucket/x');
      expect((await http.get(ml('/artifacts/list'), { run_id: 'f'.repeat(32) })).status).toBe(404);
    });
  });
});
