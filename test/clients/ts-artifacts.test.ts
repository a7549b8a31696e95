import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactFiles, listLocalFiles } from '../../src/clients/artifacts-fs.js';
import { ApiError, artifactProxyPath, cleanPath, createClient, joinArtifactPath, type TrainyardClient } from '../../src/clients/index.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('TypeScript artifact client through the artifact proxy', () => {
  let server: TestServer;
  let client: TrainyardClient;
  let files: ArtifactFiles;
  let work: string;
  let runId: string;
  let root: string;
  const big = randomBytes(5 * 1024 * 1024 + 3);

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    client = createClient(server.url);
    files = new ArtifactFiles(client.artifacts);
    work = mkdtempSync(join(tmpdir(), 'trainyard-client-art-'));
    const run = await client.tracking.createRun();
    runId = run.info.run_id;
    root = artifactProxyPath(run.info.artifact_uri);

    const src = join(work, 'src');
    mkdirSync(join(src, 'model', 'weights'), { recursive: true });
    writeFileSync(join(src, 'model', 'MLmodel'), 'flavors: {}\n');
    writeFileSync(join(src, 'model', 'weights', 'w.bin'), big);
    writeFileSync(join(src, 'model', 'empty'), '');
    writeFileSync(join(src, 'résumé ü 1.txt'), 'unicode name');
  });
  afterAll(async () => {
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('maps artifact URIs to proxy paths and refuses paths a URL would rewrite', () => {
    expect(artifactProxyPath('mlflow-artifacts:/0/abc/artifacts')).toBe('0/abc/artifacts');
    expect(artifactProxyPath('mlflow-artifacts://host:5000/3/abc/artifacts/')).toBe('3/abc/artifacts');
    expect(artifactProxyPath('http://h:5000/api/2.0/mlflow-artifacts/artifacts/1/r%20x/artifacts')).toBe('1/r x/artifacts');
    expect(() => artifactProxyPath('s3://bucket/1/abc/artifacts')).toThrow(/not served by the artifact proxy/);
    expect(joinArtifactPath('0/abc/artifacts/', '/out//x', '')).toBe('0/abc/artifacts/out/x');
    expect(() => cleanPath('a/../b')).toThrow(/Invalid artifact path/);
    expect(() => cleanPath('./a')).toThrow(/Invalid artifact path/);
  });

  it('uploads a folder recursively and lists it back, at the proxy and through the tracking API', async () => {
    const uploaded = await files.uploadDir(join(work, 'src'), joinArtifactPath(root, 'out'));
    expect(uploaded).toEqual(['model/MLmodel', 'model/empty', 'model/weights/w.bin', 'résumé ü 1.txt']);

    expect(await client.artifacts.list(root)).toEqual([{ path: 'out', is_dir: true }]);
    expect(await client.artifacts.list(joinArtifactPath(root, 'out/model'))).toEqual([
      { path: 'MLmodel', is_dir: false, file_size: 12 },
      { path: 'empty', is_dir: false, file_size: 0 },
      { path: 'weights', is_dir: true },
    ]);
    const walked = [];
    for await (const f of client.artifacts.walk(joinArtifactPath(root, 'out'))) walked.push(f);
    expect(walked).toEqual([
      { path: 'model/MLmodel', size: 12 },
      { path: 'model/empty', size: 0 },
      { path: 'model/weights/w.bin', size: big.length },
      { path: 'résumé ü 1.txt', size: 12 },
    ]);

    const listed = await client.tracking.listArtifacts(runId, 'out/model');
    expect(listed.rootUri).toBe(`mlflow-artifacts:/${root}`);
    expect(listed.files.map((f) => f.path).sort()).toEqual(['out/model/MLmodel', 'out/model/empty', 'out/model/weights']);
  });

  it('downloads files and folders, to disk and as streams, byte for byte', async () => {
    const dest = join(work, 'dest');
    const got = await files.downloadDir(joinArtifactPath(root, 'out'), dest);
    expect(got).toHaveLength(4);
    expect(await listLocalFiles(dest)).toEqual(['model/MLmodel', 'model/empty', 'model/weights/w.bin', 'résumé ü 1.txt']);
    expect(readFileSync(join(dest, 'model', 'weights', 'w.bin')).equals(big)).toBe(true);
    expect(readFileSync(join(dest, 'model', 'empty'))).toHaveLength(0);
    expect(readFileSync(join(dest, 'résumé ü 1.txt'), 'utf8')).toBe('unicode name');

    // download() tells a folder from a file by listing, as MLflow's clients do.
    const single = join(work, 'single', 'MLmodel');
    await files.download(joinArtifactPath(root, 'out/model/MLmodel'), single);
    expect(readFileSync(single, 'utf8')).toBe('flavors: {}\n');
    const folder = join(work, 'folder');
    await files.download(joinArtifactPath(root, 'out/model/weights'), folder);
    expect(readFileSync(join(folder, 'w.bin')).equals(big)).toBe(true);

    expect(await text(await files.downloadStream(joinArtifactPath(root, 'out/résumé ü 1.txt')))).toBe('unicode name');
    expect(await client.artifacts.readText(joinArtifactPath(root, 'out/model/MLmodel'))).toBe('flavors: {}\n');
  });

  it('uploads from a Readable of unknown length and replaces an existing file', async () => {
    const path = joinArtifactPath(root, 'logs/train.log');
    const lines = async function* () {
      for (let i = 0; i < 1000; i++) yield Buffer.from(`line ${i}\n`);
    };
    await files.uploadStream(Readable.from(lines()), path);
    const body = await client.artifacts.readText(path);
    expect(body.split('\n')).toHaveLength(1001);
    expect(body.startsWith('line 0\nline 1\n')).toBe(true);

    await client.artifacts.upload(path, 'replaced');
    expect(await client.artifacts.readText(path)).toBe('replaced');
  });

  it('reports a refused file in a folder upload only after the other transfers have settled', async () => {
    const src = join(work, 'with-bad-name');
    mkdirSync(src);
    writeFileSync(join(src, 'a #1.txt'), 'MLflow refuses # in artifact paths');
    writeFileSync(join(src, 'b.bin'), big);
    const dest = joinArtifactPath(root, 'partial');
    const err = await files.uploadDir(src, dest).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
    expect((err as ApiError).message).toContain('a #1.txt');
    // The upload running beside the refused one was finished, not abandoned mid-way.
    expect(await client.artifacts.list(dest)).toEqual([{ path: 'b.bin', is_dir: false, file_size: big.length }]);
  });

  it('deletes files and folders, and a missing file is a 404 ApiError with nothing written locally', async () => {
    const path = joinArtifactPath(root, 'tmp/x.txt');
    await client.artifacts.upload(path, new TextEncoder().encode('x'));
    await client.artifacts.delete(joinArtifactPath(root, 'tmp'));
    expect(await client.artifacts.list(joinArtifactPath(root, 'tmp'))).toEqual([]);

    const target = join(work, 'missing', 'x.txt');
    const err = await files.downloadFile(path, target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(404);
    expect(await listLocalFiles(join(work, 'missing'))).toEqual([]);
  });
});
