import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { SourceSnapshots } from './snapshots.js';
import { walkTree } from './tree.js';

const dirs: string[] = [];
function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-snap-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function write(root: string, files: Record<string, string>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

async function paths(root: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of walkTree(root)) if (e.kind !== 'dir') out.push(e.path);
  return out;
}

/** What the store holds besides snapshots: nothing, once every call has returned. */
function leftovers(store: SourceSnapshots): string[] {
  return existsSync(store.root) ? readdirSync(store.root).filter((n) => n.startsWith('.')) : [];
}

const WINE = { 'MLproject': 'name: wine\n', 'train.py': 'print("train")\n', 'data/readme.md': '# data\n' };

describe('snapshots of a local folder', () => {
  it('gives the same hash for the same content, whatever the timestamps or umask', async () => {
    const store = new SourceSnapshots(tmp());
    const a = write(tmp(), WINE);
    const b = write(tmp(), WINE);
    chmodSync(join(b, 'train.py'), 0o664);
    const first = await store.fromFolder(a);
    const second = await store.fromFolder(b);
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(second.hash).toBe(first.hash);
    expect(readdirSync(store.root)).toEqual([first.hash]);
  });

  it('changes the hash with a file content, a name or the executable bit', async () => {
    const store = new SourceSnapshots(tmp());
    const base = (await store.fromFolder(write(tmp(), WINE))).hash;
    expect((await store.fromFolder(write(tmp(), { ...WINE, 'train.py': 'print("other")\n' }))).hash).not.toBe(base);
    const { 'train.py': code, ...rest } = WINE;
    expect((await store.fromFolder(write(tmp(), { ...rest, 'fit.py': code }))).hash).not.toBe(base);
    const exec = write(tmp(), WINE);
    chmodSync(join(exec, 'train.py'), 0o755);
    const withExec = await store.fromFolder(exec);
    expect(withExec.hash).not.toBe(base);
    expect(statSync(join(withExec.path, 'train.py')).mode & 0o777).toBe(0o755);
  });

  it('leaves out .git, node_modules, __pycache__ and .trainyard at any depth', async () => {
    const store = new SourceSnapshots(tmp());
    const plain = await store.fromFolder(write(tmp(), WINE));
    const noisy = write(tmp(), { ...WINE, '.git/HEAD': 'ref', 'node_modules/x/index.js': '', 'pkg/__pycache__/m.pyc': 'bytes', '.trainyard/trainyard.db': '' });
    const snap = await store.fromFolder(noisy);
    expect(snap.hash).toBe(plain.hash);
    expect(await paths(snap.path)).toEqual(['MLproject', 'data/readme.md', 'train.py']);
  });

  it('keeps the code as it was at submit time: edits after the snapshot change nothing stored', async () => {
    const home = tmp();
    const store = new SourceSnapshots(home);
    const folder = write(tmp(), WINE);
    const snap = await store.fromFolder(folder);
    writeFileSync(join(folder, 'train.py'), 'print("edited later")\n');
    rmSync(join(folder, 'MLproject'));
    const workspace = join(tmp(), 'src');
    await new SourceSnapshots(home).materialize(snap.hash, workspace);
    expect(readFileSync(join(workspace, 'train.py'), 'utf8')).toBe('print("train")\n');
    expect(readFileSync(join(workspace, 'MLproject'), 'utf8')).toBe('name: wine\n');
    expect((await store.fromFolder(folder)).hash).not.toBe(snap.hash);
  });

  it('keeps links that stay inside (absolute ones made relative) and refuses links that lead out', async () => {
    const store = new SourceSnapshots(tmp());
    const folder = write(tmp(), WINE);
    symlinkSync('data/readme.md', join(folder, 'README'));
    symlinkSync(join(folder, 'train.py'), join(folder, 'entry.py'));
    const snap = await store.fromFolder(folder);
    expect(readlinkSync(join(snap.path, 'README'))).toBe('data/readme.md');
    expect(readlinkSync(join(snap.path, 'entry.py'))).toBe('train.py');
    const workspace = join(tmp(), 'src');
    await store.materialize(snap.hash, workspace);
    expect(readFileSync(join(workspace, 'entry.py'), 'utf8')).toBe('print("train")\n');

    const outside = tmp();
    for (const [name, target] of [['up', '../secrets'], ['abs', '/etc/passwd'], ['abs-dir', outside]] as const) {
      const bad = write(tmp(), WINE);
      symlinkSync(target, join(bad, name));
      await expect(store.fromFolder(bad)).rejects.toThrow(`the symbolic link '${name}' points outside the source`);
    }
    // Each link alone looks harmless; together `d/..` climbs out of the folder.
    const chain = write(tmp(), WINE);
    symlinkSync('.', join(chain, 'd'));
    symlinkSync('d/../escape', join(chain, 'e'));
    await expect(store.fromFolder(chain)).rejects.toThrow("the symbolic link 'e' points outside the source");
    expect(leftovers(store)).toEqual([]);
  });

  it('refuses a folder over the size or entry limits, and anything that is not a file, folder or link', async () => {
    const small = new SourceSnapshots(tmp(), { maxBytes: 1000 });
    const big = write(tmp(), { 'a.bin': 'x'.repeat(600), 'b.bin': 'y'.repeat(600) });
    await expect(small.fromFolder(big)).rejects.toThrow(/is larger than 1000 bytes .*move data into a data binding/);
    const few = new SourceSnapshots(tmp(), { maxEntries: 3 });
    await expect(few.fromFolder(write(tmp(), { a: '', b: '', c: '', d: '' }))).rejects.toThrow(/more than 3 files and folders/);
    const fifo = write(tmp(), WINE);
    await execa('mkfifo', [join(fifo, 'pipe')]);
    await expect(small.fromFolder(fifo)).rejects.toThrow("'pipe' is not a file, folder or link");
    await expect(small.fromFolder(join(tmp(), 'missing'))).rejects.toThrow('does not exist');
    expect(leftovers(small)).toEqual([]);
    expect(leftovers(few)).toEqual([]);
  });

  it('materialises only stored snapshots, into an empty place', async () => {
    const store = new SourceSnapshots(tmp());
    const snap = await store.fromFolder(write(tmp(), WINE));
    const busy = write(tmp(), { 'already.txt': '' });
    await expect(store.materialize(snap.hash, busy)).rejects.toThrow('is not empty');
    await expect(store.materialize('0'.repeat(64), join(tmp(), 'src'))).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(store.materialize('../../etc', join(tmp(), 'src'))).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
  });
});

interface TarEntry {
  name: string;
  type?: tar.Header['type'];
  content?: string;
  linkname?: string;
  mode?: number;
}

async function tarGz(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    const header: Partial<tar.Header> & { name: string } = { name: e.name, type: e.type ?? 'file', mode: e.mode ?? 0o644 };
    if (e.linkname !== undefined) header.linkname = e.linkname;
    if (e.type === 'character-device') Object.assign(header, { devmajor: 1, devminor: 3 });
    if ((e.type ?? 'file') === 'file') pack.entry(header, e.content ?? '');
    else pack.entry(header);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

describe('snapshots of an uploaded .tar.gz', () => {
  it('unpacks a well-formed archive to the same snapshot as the folder it was made from', async () => {
    const store = new SourceSnapshots(tmp());
    const folder = await store.fromFolder(write(tmp(), WINE));
    const archive = await tarGz([
      { name: './', type: 'directory' },
      { name: './MLproject', content: WINE.MLproject },
      { name: './data/', type: 'directory' },
      { name: './data/readme.md', content: WINE['data/readme.md'] },
      { name: './train.py', content: WINE['train.py'], mode: 0o664 },
      { name: './.git/config', content: '[core]' },
    ]);
    const uploaded = await store.fromTarGz(Readable.from(archive));
    expect(uploaded.hash).toBe(folder.hash);
  });

  it('keeps links inside the archive', async () => {
    const store = new SourceSnapshots(tmp());
    const snap = await store.fromTarGz(Readable.from(await tarGz([{ name: 'lib/a.py', content: 'A' }, { name: 'a.py', type: 'symlink', linkname: 'lib/a.py' }])));
    expect(readlinkSync(join(snap.path, 'a.py'))).toBe('lib/a.py');
    expect(readFileSync(join(snap.path, 'a.py'), 'utf8')).toBe('A');
  });

  const hostile: [string, TarEntry[], RegExp | string][] = [
    ['an absolute path', [{ name: '/etc/cron.d/evil', content: 'x' }], 'has an absolute path'],
    ['a parent path', [{ name: '../evil.sh', content: 'x' }], "has '..' in its path"],
    ['a parent path deeper down', [{ name: 'a/b/../../../evil.sh', content: 'x' }], "has '..' in its path"],
    ['a link to an absolute path', [{ name: 'passwd', type: 'symlink', linkname: '/etc/passwd' }], "symbolic link 'passwd' points outside"],
    ['a link climbing out', [{ name: 'sub/up', type: 'symlink', linkname: '../../outside' }], "symbolic link 'sub/up' points outside"],
    [
      'a file written through a link',
      [
        { name: 'dir', type: 'symlink', linkname: 'lib' },
        { name: 'lib/', type: 'directory' },
        { name: 'dir/evil.py', content: 'x' },
      ],
      "lies below the symbolic link 'dir'",
    ],
    [
      'a chain of links that climbs out',
      [
        { name: 'd', type: 'symlink', linkname: '.' },
        { name: 'e', type: 'symlink', linkname: 'd/../escape' },
      ],
      "symbolic link 'e' points outside",
    ],
    ['a hard link', [{ name: 'a', content: 'x' }, { name: 'b', type: 'link', linkname: 'a' }], "'b' is a hard link"],
    ['a device', [{ name: 'null', type: 'character-device' }], "'null' is a character-device"],
    ['a fifo', [{ name: 'pipe', type: 'fifo' }], "'pipe' is a fifo"],
    ['the same file twice', [{ name: 'a.py', content: '1' }, { name: './a.py', content: '2' }], "'a.py' appears twice"],
    ['a file over a link', [{ name: 'l', type: 'symlink', linkname: 'x' }, { name: 'l', content: '2' }], "'l' appears twice"],
    ['too many bytes', [{ name: 'a', content: 'x'.repeat(700) }, { name: 'b', content: 'y'.repeat(700) }], /larger than 1000 bytes/],
    ['too many entries', Array.from({ length: 12 }, (_, i) => ({ name: `f${i}`, content: '' })), /more than 10 files and folders/],
  ];

  it.each(hostile)('refuses %s and stores nothing', async (_what, entries, message) => {
    const store = new SourceSnapshots(tmp(), { maxBytes: 1000, maxEntries: 10 });
    const err = await store.fromTarGz(Readable.from(await tarGz(entries))).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(message);
    expect((err as { code?: string }).code).toBe('INVALID_PARAMETER_VALUE');
    expect(readdirSync(store.root)).toEqual([]);
  });

  it('stops a decompression bomb at the size cap', async () => {
    const store = new SourceSnapshots(tmp(), { maxBytes: 1024 * 1024 });
    const pack = tar.pack();
    pack.entry({ name: 'zeros.bin', size: 64 * 1024 * 1024 }, Buffer.alloc(64 * 1024 * 1024));
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(chunk as Buffer);
    const bomb = gzipSync(Buffer.concat(chunks));
    expect(bomb.length).toBeLessThan(200 * 1024);
    await expect(store.fromTarGz(Readable.from(bomb))).rejects.toThrow(/larger than 1 MiB/);
    expect(readdirSync(store.root)).toEqual([]);
  });

  it('says so when the upload is not a .tar.gz', async () => {
    const store = new SourceSnapshots(tmp());
    await expect(store.fromTarGz(Readable.from(Buffer.from('just some text')))).rejects.toThrow('is not a gzip-compressed tar file');
  });
});
