/**
 * The behaviour every ArtifactStore promises, run against the local folder store and the S3 store
 * on a real s3rver. A store that passes can sit behind the artifact proxy unchanged.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArtifactStore } from '../../src/artifacts/open.js';
import type { ArtifactStore } from '../../src/artifacts/store.js';
import { startS3, type TestS3 } from './s3-server.js';

const MiB = 1024 * 1024;

function body(...chunks: (string | Buffer)[]): Readable {
  return Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
}

async function read(store: ArtifactStore, path: string): Promise<Buffer> {
  const { body: stream, size } = await store.get(path);
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  const out = Buffer.concat(parts);
  expect(out.length).toBe(size);
  return out;
}

/** A body that sends some bytes and then fails, as a client that disconnects mid-upload. */
function failingBody(): Readable {
  return Readable.from(
    (async function* () {
      yield Buffer.alloc(64 * 1024, 1);
      // Let the store start sending before the failure, as a real disconnect does.
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new Error('client went away');
    })(),
  );
}

describe.each(['local', 's3'] as const)('ArtifactStore contract: %s', (kind) => {
  let s3: TestS3 | undefined;
  const folders: string[] = [];

  beforeAll(async () => {
    if (kind === 's3') s3 = await startS3();
  });
  afterAll(async () => {
    await s3?.close();
    for (const f of folders) rmSync(f, { recursive: true, force: true });
  });

  /** A store over an empty destination of its own. */
  async function fresh(): Promise<ArtifactStore> {
    if (kind === 's3') return openArtifactStore(s3!.uri(`t-${randomBytes(4).toString('hex')}/artifacts`), { s3EndpointUrl: s3!.endpoint });
    const dir = mkdtempSync(join(tmpdir(), 'trainyard-artifacts-'));
    folders.push(dir);
    return openArtifactStore(join(dir, 'root'));
  }

  it('writes, reads back and overwrites a file, reporting its size', async () => {
    const store = await fresh();
    expect(await store.put('model/MLmodel', body('flavors:\n', '  python_function: {}\n'))).toEqual({ size: 31 });
    expect((await read(store, 'model/MLmodel')).toString()).toBe('flavors:\n  python_function: {}\n');
    expect(await store.put('model/MLmodel', body('v2'), 2)).toEqual({ size: 2 });
    expect((await read(store, 'model/MLmodel')).toString()).toBe('v2');
  });

  it('stores empty files and names with spaces, unicode and percent signs', async () => {
    const store = await fresh();
    await store.put('empty.txt', body());
    await store.put('a b/naïve 100%.txt', body('ok'));
    expect((await read(store, 'empty.txt')).length).toBe(0);
    expect((await read(store, 'a b/naïve 100%.txt')).toString()).toBe('ok');
    expect(await store.list('a b')).toEqual([{ path: 'a b/naïve 100%.txt', isDir: false, size: 2 }]);
  });

  it('lists the immediate children of each level, folders without a size, sorted', async () => {
    const store = await fresh();
    await store.put('b.txt', body('bb'));
    await store.put('a/x.bin', body('xxx'));
    await store.put('a/deep/er/y.txt', body('y'));
    await store.put('ab.txt', body('1'));
    expect(await store.list('')).toEqual([
      { path: 'a', isDir: true },
      { path: 'ab.txt', isDir: false, size: 1 },
      { path: 'b.txt', isDir: false, size: 2 },
    ]);
    expect(await store.list('a')).toEqual([
      { path: 'a/deep', isDir: true },
      { path: 'a/x.bin', isDir: false, size: 3 },
    ]);
    expect(await store.list('a/deep')).toEqual([{ path: 'a/deep/er', isDir: true }]);
    expect(await store.list('a/deep/er')).toEqual([{ path: 'a/deep/er/y.txt', isDir: false, size: 1 }]);
  });

  it('lists nothing for a file or a missing folder', async () => {
    const store = await fresh();
    await store.put('dir/file.txt', body('f'));
    expect(await store.list('dir/file.txt')).toEqual([]);
    expect(await store.list('missing')).toEqual([]);
    expect(await store.list('dir/fi')).toEqual([]);
  });

  it('tells files, folders and missing paths apart', async () => {
    const store = await fresh();
    await store.put('d/e/f.txt', body('12345'));
    expect(await store.stat('d/e/f.txt')).toEqual({ isDir: false, size: 5 });
    expect(await store.stat('d/e')).toEqual({ isDir: true, size: 0 });
    expect(await store.stat('d')).toEqual({ isDir: true, size: 0 });
    expect(await store.stat('')).toEqual({ isDir: true, size: 0 });
    expect(await store.stat('d/e/f')).toBeUndefined();
    expect(await store.stat('nothing')).toBeUndefined();
  });

  it('answers RESOURCE_DOES_NOT_EXIST for a missing file and for a folder', async () => {
    const store = await fresh();
    await store.put('d/f.txt', body('f'));
    await expect(store.get('d/missing.txt')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(store.get('d')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(store.get('')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('deletes a file, a whole folder tree, and nothing that merely shares a name prefix', async () => {
    const store = await fresh();
    await store.put('run/a.txt', body('a'));
    await store.put('run/sub/deep/b.txt', body('b'));
    await store.put('run/sub/c.txt', body('c'));
    await store.put('run/subway.txt', body('s'));
    await store.put('run/sub2/d.txt', body('d'));
    await store.delete('run/a.txt');
    expect(await store.stat('run/a.txt')).toBeUndefined();
    await store.delete('run/sub');
    expect(await store.stat('run/sub')).toBeUndefined();
    expect(await store.list('run')).toEqual([
      { path: 'run/sub2', isDir: true },
      { path: 'run/subway.txt', isDir: false, size: 1 },
    ]);
    await store.delete('run/never-existed');
    await expect(store.delete('')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    expect((await read(store, 'run/sub2/d.txt')).toString()).toBe('d');
  });

  it('leaves nothing behind, and keeps the previous version, when the upload body fails', async () => {
    const store = await fresh();
    await store.put('keep.txt', body('old'));
    // Without a size (streamed in parts) and with the size announced up front (one request).
    await expect(store.put('keep.txt', failingBody())).rejects.toThrow('client went away');
    await expect(store.put('keep.txt', failingBody(), 10 * MiB)).rejects.toThrow('client went away');
    await expect(store.put('new/deep/new.txt', failingBody())).rejects.toThrow('client went away');
    await expect(store.put('new/deep/new.txt', failingBody(), 10 * MiB)).rejects.toThrow('client went away');
    expect((await read(store, 'keep.txt')).toString()).toBe('old');
    expect(await store.stat('new/deep/new.txt')).toBeUndefined();
    expect(await store.stat('new')).toBeUndefined();
    expect(await store.list('')).toEqual([{ path: 'keep.txt', isDir: false, size: 3 }]);
  });

  it('refuses to write or start an upload at the root itself', async () => {
    const store = await fresh();
    await expect(store.put('', body('x'))).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await expect(store.createMultipartUpload('')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
  });

  describe('multipart uploads', () => {
    // S3 wants every part but the last to be at least 5 MiB; the contract uses sizes valid everywhere.
    const p1 = Buffer.alloc(5 * MiB, 'a');
    const p2 = Buffer.alloc(5 * MiB, 'b');
    const p3 = Buffer.from('tail');

    it('joins parts sent out of order, and a part sent twice keeps its latest bytes', async () => {
      const store = await fresh();
      const id = await store.createMultipartUpload('big/file.bin');
      const e3 = await store.uploadPart('big/file.bin', id, 3, body(p3), p3.length);
      await store.uploadPart('big/file.bin', id, 1, body(Buffer.alloc(5 * MiB, 'z')), 5 * MiB);
      const e1 = await store.uploadPart('big/file.bin', id, 1, body(p1), p1.length);
      const e2 = await store.uploadPart('big/file.bin', id, 2, body(p2), p2.length);
      expect(e1).not.toBe(e2);
      await store.completeMultipartUpload('big/file.bin', id, [
        { partNumber: 3, etag: e3 },
        { partNumber: 1, etag: e1 },
        { partNumber: 2, etag: e2 },
      ]);
      const joined = await read(store, 'big/file.bin');
      expect(joined.equals(Buffer.concat([p1, p2, p3]))).toBe(true);
      expect(await store.list('')).toEqual([{ path: 'big', isDir: true }]);
      await expect(store.uploadPart('big/file.bin', id, 4, body('late'), 4)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    });

    it('aborts an upload: its parts are gone and nothing is written', async () => {
      const store = await fresh();
      const id = await store.createMultipartUpload('x/aborted.bin');
      const e1 = await store.uploadPart('x/aborted.bin', id, 1, body(p3), p3.length);
      await store.abortMultipartUpload('x/aborted.bin', id);
      await expect(store.completeMultipartUpload('x/aborted.bin', id, [{ partNumber: 1, etag: e1 }])).rejects.toMatchObject({
        code: 'RESOURCE_DOES_NOT_EXIST',
      });
      await expect(store.uploadPart('x/aborted.bin', id, 2, body(p3), p3.length)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
      expect(await store.stat('x/aborted.bin')).toBeUndefined();
      expect(await store.list('')).toEqual([]);
    });

    it('refuses to complete with a wrong ETag, no parts, a repeated part or a bad part number', async () => {
      const store = await fresh();
      const id = await store.createMultipartUpload('f.bin');
      const e1 = await store.uploadPart('f.bin', id, 1, body(p3), p3.length);
      const wrong = '"0123456789abcdef0123456789abcdef"';
      await expect(store.completeMultipartUpload('f.bin', id, [{ partNumber: 1, etag: wrong }])).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
      await expect(store.completeMultipartUpload('f.bin', id, [])).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
      await expect(
        store.completeMultipartUpload('f.bin', id, [
          { partNumber: 1, etag: e1 },
          { partNumber: 1, etag: e1 },
        ]),
      ).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
      await expect(store.uploadPart('f.bin', id, 0, body('x'), 1)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
      await expect(store.uploadPart('f.bin', id, 10_001, body('x'), 1)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
      expect(await store.stat('f.bin')).toBeUndefined();
      await store.completeMultipartUpload('f.bin', id, [{ partNumber: 1, etag: e1 }]);
      expect((await read(store, 'f.bin')).toString()).toBe('tail');
    });
  });

  if (kind === 'local') {
    it('keeps uploads in progress out of listings and out of reach of artifact paths', async () => {
      const store = await fresh();
      const id = await store.createMultipartUpload('in-progress.bin');
      await store.uploadPart('in-progress.bin', id, 1, body('x'), 1);
      expect(await store.list('')).toEqual([]);
      await expect(store.list('.trainyard-uploads')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
      await expect(store.put('.trainyard-uploads/x', body('x'))).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
      await expect(store.uploadPart('other.bin', id, 1, body('x'), 1)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
      await expect(store.abortMultipartUpload('in-progress.bin', '../../etc')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    });

    it('refuses to put a file where a folder is, or under a file', async () => {
      const store = await fresh();
      await store.put('d/f.txt', body('f'));
      await expect(store.put('d', body('x'))).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
      await expect(store.put('d/f.txt/g.txt', body('x'))).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
      expect((await read(store, 'd/f.txt')).toString()).toBe('f');
    });
  }
});

describe('LocalArtifactStore and symbolic links', () => {
  it('refuses paths that leave the root through a link, and does not list links', async () => {
    const { symlinkSync, mkdirSync, writeFileSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'trainyard-artifacts-'));
    try {
      const outside = join(dir, 'outside');
      mkdirSync(outside);
      writeFileSync(join(outside, 'secret.txt'), 'secret');
      mkdirSync(join(dir, 'root'));
      symlinkSync(outside, join(dir, 'root', 'escape'));
      symlinkSync(join(dir, 'nowhere'), join(dir, 'root', 'dangling'));
      const store = await openArtifactStore(join(dir, 'root'));
      await expect(store.get('escape/secret.txt')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
      await expect(store.put('escape/new.txt', body('x'))).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
      await expect(store.put('dangling/new.txt', body('x'))).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
      await expect(store.delete('escape/secret.txt')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
      expect(await store.list('')).toEqual([]);
      expect(readdirSync(outside)).toEqual(['secret.txt']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
