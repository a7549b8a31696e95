import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainyardError } from '../../src/errors.js';
import { openStore, type Store } from '../../src/store/open.js';
import { SecretBox } from '../../src/trainings/connections/sealed.js';
import { ConnectionService } from '../../src/trainings/connections/service.js';
import { fetchDataBindings, type DataBinding } from '../../src/trainings/data/bindings.js';
import { fetchObjectStorageSource } from '../../src/trainings/sources/object-storage.js';
import { startS3, type TestS3 } from '../artifacts/s3-server.js';
import { createTestDatabase, type TestDatabase } from '../support/backends.js';

/** Files under a folder, '/'-separated, sorted. */
function files(root: string, base = ''): string[] {
  return readdirSync(join(root, base), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(root, base ? `${base}/${e.name}` : e.name) : [base ? `${base}/${e.name}` : e.name]))
    .sort();
}

async function failure(p: Promise<unknown>): Promise<TrainyardError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TrainyardError);
  return err as TrainyardError;
}

async function tarGz(entries: { name: string; content: string; type?: 'file' | 'symlink'; linkname?: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type === 'symlink') pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname ?? '' });
    else pack.entry({ name: e.name }, e.content);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

describe('data bindings and object-storage sources', () => {
  let root: string;
  let database: TestDatabase;
  let store: Store;
  let connections: ConnectionService;
  let s3: TestS3;
  let http: Server;
  let httpBase: string;
  let workspaces = 0;
  const workDir = () => join(root, 'workspaces', String(++workspaces), 'src', 'mlflow', 'wine');
  const fetch = (bindings: DataBinding[], dir: string, s3EndpointUrl?: string) =>
    fetchDataBindings(bindings, { workDir: dir, connection: (id) => connections.getDecrypted(id), s3EndpointUrl });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'trainyard-data-'));
    database = await createTestDatabase('sqlite');
    store = await openStore(database.uri);
    connections = new ConnectionService(store.db, new SecretBox({ id: 'test', source: 'test', bytes: randomBytes(32) }));

    s3 = await startS3();
    const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    const put = (Key: string, Body: string | Buffer) => client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body }));
    await put('datasets/wine/train.csv', 'a,b\n1,2\n');
    await put('datasets/wine/test.csv', 'a,b\n3,4\n');
    await put('datasets/wine/nested/extra.csv', 'extra\n');
    await put('datasets/single.csv', 'single\n');
    await put('other/readme.txt', 'other\n');
    await put('code/wine/MLproject', 'name: wine\n');
    await put('code/wine/train.py', 'print(1)\n');
    await put('archives/wine.tar.gz', await tarGz([{ name: 'MLproject', content: 'name: packed\n' }, { name: 'src/train.py', content: 'print(2)\n' }]));
    await put('archives/evil.tar.gz', await tarGz([{ name: '../../escape.sh', content: 'rm -rf /\n' }]));
    client.destroy();
    await connections.create({ id: 'wine-s3', spec: { type: 's3', uri: s3.uri('datasets/wine'), keyID: 'S3RVER', keySecret: 'S3RVER', endpoint: s3.endpoint } });
    await connections.create({ id: 'bucket-root', spec: { type: 's3', uri: `s3://${s3.bucket}`, keyID: 'S3RVER', keySecret: 'S3RVER' } });
    // s3rver checks the access key id, not SigV4 signatures: an unknown key id is what it refuses.
    await connections.create({ id: 'wrong-key', spec: { type: 's3', uri: s3.uri('datasets/wine'), keyID: 'UNKNOWNKEY', keySecret: 'not-the-s3rver-secret', endpoint: s3.endpoint } });
    await connections.create({ id: 'no-bucket', spec: { type: 's3', uri: 's3://no-such-bucket/x', keyID: 'S3RVER', keySecret: 'S3RVER', endpoint: s3.endpoint } });

    http = createServer((req, res) => {
      const auth = req.headers.authorization;
      if (req.url?.startsWith('/private/') && auth !== `Basic ${Buffer.from('reader:http-secret-pw').toString('base64')}`) {
        res.writeHead(401).end();
        return;
      }
      const body: Record<string, string> = { '/files/wine.csv': 'fixed,acidity\n7.4,0.7\n', '/files/other.csv': 'other\n', '/private/secret.csv': 'private\n' };
      const content = body[req.url ?? ''];
      if (content === undefined) res.writeHead(404).end('not here');
      else res.writeHead(200, { 'content-type': 'text/csv', 'content-length': Buffer.byteLength(content) }).end(content);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    httpBase = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    await connections.create({ id: 'wine-http', spec: { type: 'http', uri: `${httpBase}/files/wine.csv` } });
    await connections.create({ id: 'private-http', spec: { type: 'http', uri: `${httpBase}/private/secret.csv`, username: 'reader', password: 'http-secret-pw' } });
    await connections.create({ id: 'private-in-uri', spec: { type: 'http', uri: `${httpBase.replace('http://', 'http://reader:http-secret-pw@')}/private/secret.csv` } });
    await connections.create({ id: 'http-folder', spec: { type: 'http', uri: `${httpBase}/files/` } });

    const shared = join(root, 'shared');
    mkdirSync(join(shared, 'wine', 'raw'), { recursive: true });
    writeFileSync(join(shared, 'wine', 'winequality-red.csv'), 'red\n');
    writeFileSync(join(shared, 'wine', 'raw', 'white.csv'), 'white\n');
    await connections.create({ id: 'shared-disk', spec: { type: 'local', uri: shared } });
    await connections.create({ id: 'gcs-data', spec: { type: 'gcs', uri: 'gs://bucket/data', keySecret: '{}' } });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    await s3?.close();
    await store?.close();
    await database?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it("copies an S3 prefix into workDir/localPath, keeping the objects' relative paths", async () => {
    const dir = workDir();
    await fetch([{ connName: 'wine-s3', localPath: 'mlflow/wine-quality/' }], dir);
    expect(files(join(dir, 'mlflow/wine-quality'))).toEqual(['nested/extra.csv', 'test.csv', 'train.csv']);
    expect(readFileSync(join(dir, 'mlflow/wine-quality/train.csv'), 'utf8')).toBe('a,b\n1,2\n');
  });

  it("lets remotePath replace the path part of the connection's URI, for a prefix or a single object", async () => {
    const dir = workDir();
    await fetch(
      [
        { connName: 'wine-s3', localPath: 'other', remotePath: 'other/' },
        { connName: 'wine-s3', localPath: 'input/wine.csv', remotePath: '/datasets/single.csv' },
        { connName: 'wine-s3', localPath: 'input/', remotePath: 'datasets/single.csv' },
      ],
      dir,
    );
    expect(files(dir)).toEqual(['input/single.csv', 'input/wine.csv', 'other/readme.txt']);
    expect(readFileSync(join(dir, 'input/wine.csv'), 'utf8')).toBe('single\n');
  });

  it("uses the server's S3 endpoint for a connection that names none", async () => {
    const dir = workDir();
    await fetch([{ connName: 'bucket-root', localPath: 'data', remotePath: 'datasets/wine/nested' }], dir, s3.endpoint);
    expect(files(dir)).toEqual(['data/extra.csv']);
  });

  it('fails a missing S3 path with a message naming the binding, the connection and the full remote path', async () => {
    const err = await failure(
      fetch(
        [
          { connName: 'wine-s3', localPath: 'ok' },
          { connName: 'wine-s3', localPath: 'mlflow/wine-quality/', remotePath: 'training-data/' },
        ],
        workDir(),
      ),
    );
    expect(err.code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(err.message).toBe(
      `Data binding spec.data[1] (localPath 'mlflow/wine-quality/'): connection 'wine-s3' has nothing at s3://${s3.bucket}/training-data/ (no object with that key and none under it)`,
    );
    const noBucket = await failure(fetch([{ connName: 'no-bucket', localPath: 'x' }], workDir()));
    expect(noBucket.message).toBe("Data binding spec.data[0] (localPath 'x'): connection 'no-bucket' has nothing at s3://no-such-bucket/x: the bucket does not exist");
  });

  it('reports refused S3 credentials without the secret', async () => {
    const err = await failure(fetch([{ connName: 'wrong-key', localPath: 'x' }], workDir()));
    expect(err.code).toBe('PERMISSION_DENIED');
    expect(err.message).toMatch(/^Data binding spec\.data\[0\] \(localPath 'x'\): connection 'wrong-key': S3 refused access to s3:\/\/trainyard-test\/datasets\/wine/);
    expect(err.message).not.toContain('not-the-s3rver-secret');
  });

  it('downloads one HTTP file, to a file name or into a folder, with remotePath replacing the URL path', async () => {
    const dir = workDir();
    await fetch(
      [
        { connName: 'wine-http', localPath: 'data/wine.csv' },
        { connName: 'wine-http', localPath: 'more/' },
        { connName: 'wine-http', localPath: 'more', remotePath: '/files/other.csv' },
      ],
      dir,
    );
    expect(files(dir)).toEqual(['data/wine.csv', 'more/other.csv', 'more/wine.csv']);
    expect(readFileSync(join(dir, 'data/wine.csv'), 'utf8')).toBe('fixed,acidity\n7.4,0.7\n');
  });

  it('sends HTTP credentials from the connection or its URI', async () => {
    const dir = workDir();
    await fetch(
      [
        { connName: 'private-http', localPath: 'a.csv' },
        { connName: 'private-in-uri', localPath: 'b.csv' },
      ],
      dir,
    );
    expect(readFileSync(join(dir, 'a.csv'), 'utf8')).toBe('private\n');
    expect(readFileSync(join(dir, 'b.csv'), 'utf8')).toBe('private\n');
  });

  it('does not forward HTTP credentials to another server on a redirect', async () => {
    const seen: (string | undefined)[] = [];
    const other = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-length': 6 }).end('moved\n');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const redirector = createServer((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${(other.address() as AddressInfo).port}/moved.csv` }).end());
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    try {
      const uri = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/data.csv`;
      await connections.create({ id: 'redirecting', spec: { type: 'http', uri, username: 'reader', password: 'redirect-secret' } });
      const dir = workDir();
      await fetch([{ connName: 'redirecting', localPath: 'data.csv' }], dir);
      expect(readFileSync(join(dir, 'data.csv'), 'utf8')).toBe('moved\n');
      expect(seen).toEqual([undefined]);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
      await new Promise<void>((resolve) => redirector.close(() => resolve()));
    }
  });

  it('fails a missing HTTP file naming binding, connection and URL, and refuses a URL naming a folder', async () => {
    const err = await failure(fetch([{ connName: 'wine-http', localPath: 'data/', remotePath: 'files/missing.csv' }], workDir()));
    expect(err.message).toBe(`Data binding spec.data[0] (localPath 'data/'): connection 'wine-http' has nothing at ${httpBase}/files/missing.csv (HTTP 404)`);
    const folder = await failure(fetch([{ connName: 'http-folder', localPath: 'data/' }], workDir()));
    expect(folder.message).toContain(`${httpBase}/files/ names a folder; an http(s) binding copies a single file`);
  });

  it('copies from a local connection, reading remotePath inside its folder only', async () => {
    const dir = workDir();
    await fetch(
      [
        { connName: 'shared-disk', localPath: 'all', remotePath: 'wine' },
        { connName: 'shared-disk', localPath: 'red.csv', remotePath: 'wine/winequality-red.csv' },
      ],
      dir,
    );
    expect(files(dir)).toEqual(['all/raw/white.csv', 'all/winequality-red.csv', 'red.csv']);
    const missing = await failure(fetch([{ connName: 'shared-disk', localPath: 'x', remotePath: 'wine/blue.csv' }], workDir()));
    expect(missing.message).toBe(`Data binding spec.data[0] (localPath 'x'): connection 'shared-disk' has nothing at ${join(root, 'shared', 'wine', 'blue.csv')}`);
    const escape = await failure(fetch([{ connName: 'shared-disk', localPath: 'x', remotePath: '../../etc/passwd' }], workDir()));
    expect(escape.message).toContain("remotePath '../../etc/passwd' may not contain '..'");
  });

  it('says clearly what is not there or not supported', async () => {
    const missing = await failure(fetch([{ connName: 'nope', localPath: 'x' }], workDir()));
    expect(missing.message).toBe("Data binding spec.data[0] (localPath 'x'): connection 'nope' does not exist");
    const gcs = await failure(fetch([{ connName: 'gcs-data', localPath: 'x' }], workDir()));
    expect(gcs.code).toBe('NOT_IMPLEMENTED');
    expect(gcs.message).toContain('not supported yet: gcs/azureblob data bindings come next');
    const outside = await failure(fetch([{ connName: 'wine-s3', localPath: '../../escape' }], workDir()));
    expect(outside.message).toContain('localPath must be a relative path inside the work directory');
  });

  describe('object-storage sources', () => {
    const src = () => join(root, 'sources', String(++workspaces), 'src');

    it('copies the code under a prefix, with path replacing the URI path', async () => {
      const dest = src();
      await fetchObjectStorageSource({ connection: await connections.getDecrypted('bucket-root'), path: 'code/wine', dest, s3EndpointUrl: s3.endpoint });
      expect(files(dest)).toEqual(['MLproject', 'train.py']);
    });

    it('unpacks a .tar.gz object with the hostile-archive rules', async () => {
      const dest = src();
      await fetchObjectStorageSource({ connection: await connections.getDecrypted('bucket-root'), path: 'archives/wine.tar.gz', dest, s3EndpointUrl: s3.endpoint });
      expect(files(dest)).toEqual(['MLproject', 'src/train.py']);
      expect(readdirSync(join(dest, '..'))).toEqual(['src']);
      const evil = await failure(
        fetchObjectStorageSource({ connection: await connections.getDecrypted('bucket-root'), path: 'archives/evil.tar.gz', dest: src(), s3EndpointUrl: s3.endpoint }),
      );
      expect(evil.message).toBe(`The source archive from connection 'bucket-root': the entry "../../escape.sh" has '..' in its path`);
    });

    it('copies a folder of a local connection and names the path when it is missing', async () => {
      const dest = src();
      await fetchObjectStorageSource({ connection: await connections.getDecrypted('shared-disk'), path: 'wine', dest });
      expect(files(dest)).toEqual(['raw/white.csv', 'winequality-red.csv']);
      const err = await failure(fetchObjectStorageSource({ connection: await connections.getDecrypted('shared-disk'), path: 'nothing', dest: src() }));
      expect(err.message).toBe(`Source from connection 'shared-disk' has nothing at ${join(root, 'shared', 'nothing')}`);
    });
  });
});
