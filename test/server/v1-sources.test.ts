import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, V1Client } from '../../src/clients/index.js';
import { packFolder, uploadSource } from '../../src/clients/v1-sources.js';
import { startTestServer, type TestServer } from '../support/server.js';

const LIMIT = 256 * 1024;

type Entry = { name: string; type?: 'file' | 'directory' | 'symlink' | 'link'; content?: string; linkname?: string };

/** A .tar.gz built entry by entry, names and links exactly as given (hostile ones included). */
async function archive(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const e of entries) {
    const header = { name: e.name, type: e.type ?? 'file', ...(e.linkname !== undefined && { linkname: e.linkname }) };
    await new Promise<void>((resolve, reject) => pack.entry(header, e.content ?? '', (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

/** One ustar header announcing `size` bytes, followed by nothing: only the header can be judged. */
function announcing(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('0', 156);
  h.write('ustar\0' + '00', 257);
  h.write('        ', 148);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return gzipSync(Buffer.concat([h, Buffer.alloc(4096)]));
}

describe('/api/v1/sources', () => {
  let server: TestServer;
  let client: V1Client;
  let work: string;
  const upload = (body: Buffer | ReadableStream<Uint8Array>, type = 'application/gzip') =>
    fetch(`${server.url}/api/v1/sources`, { method: 'POST', headers: { 'content-type': type }, body, duplex: 'half' } as RequestInit);

  beforeAll(async () => {
    server = await startTestServer('sqlite', { sourceUploadLimit: LIMIT });
    client = new V1Client(server.url);
    work = mkdtempSync(join(tmpdir(), 'v1-sources-'));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('stores a folder uploaded by the client under the hash the server gives the same folder', async () => {
    const folder = join(work, 'project');
    mkdirSync(join(folder, 'pkg', 'deep'), { recursive: true });
    mkdirSync(join(folder, 'node_modules', 'dep'), { recursive: true });
    mkdirSync(join(folder, '.git'));
    writeFileSync(join(folder, 'train.sh'), '#!/bin/sh\necho hi\n');
    chmodSync(join(folder, 'train.sh'), 0o750);
    writeFileSync(join(folder, 'pkg', 'deep', 'data.csv'), 'a,b\n1,2\n');
    writeFileSync(join(folder, 'node_modules', 'dep', 'index.js'), 'skipped');
    writeFileSync(join(folder, '.git', 'HEAD'), 'skipped');
    symlinkSync('pkg/deep/data.csv', join(folder, 'data.csv'));
    symlinkSync(join(folder, 'pkg'), join(folder, 'absolute-inside'));

    const { hash } = await uploadSource(client, folder);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe((await server.services.snapshots.fromFolder(folder)).hash);
    expect((await uploadSource(client, folder)).hash).toBe(hash);
    const stored = server.services.snapshots.path(hash);
    expect(readdirSync(stored).sort()).toEqual(['absolute-inside', 'data.csv', 'pkg', 'train.sh']);

    writeFileSync(join(folder, 'pkg', 'deep', 'data.csv'), 'a,b\n1,3\n');
    expect((await uploadSource(client, folder)).hash).not.toBe(hash);
  });

  it('lets a training run from an uploaded snapshot', async () => {
    const folder = join(work, 'runnable');
    mkdirSync(folder);
    writeFileSync(join(folder, 'main.mjs'), "console.log('ran from the snapshot');\n");
    const { hash } = await uploadSource(client, folder);
    await client.createTraining({ id: 'from-upload', spec: { model: { name: 'up', version: '1' }, toolchain: 'command', command: 'node main.mjs', algorithmSource: { local: { path: '.', snapshot: hash } } } });
    let state = 'scheduling';
    for (let i = 0; i < 300 && !['succeeded', 'failed', 'cancelled'].includes(state); i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await client.getTraining('from-upload')).status.state;
    }
    expect(state).toBe('succeeded');
    let log = '';
    for await (const chunk of client.trainingLogs('from-upload')) log += Buffer.from(chunk).toString();
    expect(log).toContain('ran from the snapshot');
  });

  it.each<[string, Entry[], RegExp]>([
    ['a ".." path', [{ name: '../evil.txt', content: 'x' }], /'\.\.' in its path/],
    ['an absolute path', [{ name: '/etc/evil', content: 'x' }], /absolute path/],
    ['a link leading out', [{ name: 'out', type: 'symlink', linkname: '../../etc/passwd' }], /points outside the source/],
    ['a file written through a link', [{ name: 'dir', type: 'symlink', linkname: '.' }, { name: 'dir/x', content: 'x' }], /below the symbolic link/],
    ['a hard link', [{ name: 'a', content: 'x' }, { name: 'b', type: 'link', linkname: 'a' }], /hard link/],
  ])('refuses an archive with %s', async (_what, entries, message) => {
    const res = await upload(await archive(entries));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(message) });
  });

  it('refuses a body that is not gzip, and a link leading out of a folder the client uploads', async () => {
    const res = await upload(Buffer.from('plain text, not an archive'));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/not a gzip-compressed tar/);

    const folder = join(work, 'leaky');
    mkdirSync(folder);
    symlinkSync('../../outside', join(folder, 'escape'));
    const err = (await uploadSource(client, folder).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(400);
    expect(err.message).toContain("'escape' points outside the source");
  });

  it('refuses an entry announcing more than the snapshot size limit before reading it', async () => {
    const res = await upload(announcing('huge.bin', 2 * 1024 ** 3));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/larger than 1 GiB/);
  });

  it('refuses archives over sourceUploadLimit with 413, whether the length is declared or not', async () => {
    const big = await archive([{ name: 'noise.bin', content: randomBytes(LIMIT).toString('base64') }]);
    expect(big.length).toBeGreaterThan(LIMIT);
    const declared = await upload(big);
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error_code: 'BAD_REQUEST', message: expect.stringContaining('sourceUploadLimit') });

    let sent = 0;
    const streamed = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= big.length) return controller.close();
        controller.enqueue(big.subarray(sent, sent + 16 * 1024));
        sent += 16 * 1024;
      },
    });
    const res = await upload(streamed).catch((err: unknown) => err);
    // The server answers as soon as the limit is passed and closes the connection; a client still
    // sending may see that close before it reads the answer.
    if (res instanceof Response) {
      expect(res.status).toBe(413);
    } else {
      expect(res).toBeInstanceOf(Error);
    }
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('refuses other content types with 415', async () => {
    const body = await archive([{ name: 'a.txt', content: 'a' }]);
    for (const type of ['application/json', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await upload(body, type);
      expect(res.status, type).toBe(415);
      expect(await res.json()).toMatchObject({ error_code: 'BAD_REQUEST' });
    }
    expect((await upload(body, 'application/octet-stream')).status).toBe(201);
  });

  it('leaves no staging folders behind after refused uploads', () => {
    expect(readdirSync(server.services.snapshots.root).filter((n) => n.startsWith('.staging-'))).toEqual([]);
  });

  it('packs the same tree into the same bytes', async () => {
    const read = async (folder: string) => {
      const chunks: Buffer[] = [];
      for await (const c of packFolder(folder)) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    };
    const folder = join(work, 'project');
    expect((await read(folder)).equals(await read(folder))).toBe(true);
  });
});
