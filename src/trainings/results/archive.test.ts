import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { open as openZip, type Entry, type ZipFile } from 'yauzl';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { archiveFormatOf, directoryEntries, writeArchive, type ArchiveEntry } from './archive.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'archive-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const MTIME = new Date('2024-05-06T07:08:10Z');

interface ReadEntry {
  name: string;
  data: Buffer;
  mode: number;
  mtime: Date;
}

function bufferSource(text: string | Buffer): ArchiveEntry['source'] {
  const data = Buffer.from(text);
  return { open: async () => ({ body: Readable.from([data]), size: data.length }) };
}

async function readZip(file: string): Promise<ReadEntry[]> {
  const zip = await new Promise<ZipFile>((res, rej) => openZip(file, { lazyEntries: true }, (err, z) => (err ? rej(err) : res(z))));
  const out: ReadEntry[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', resolve);
    zip.on('entry', (entry: Entry) => {
      zip.openReadStream(entry, async (err, stream) => {
        if (err) return reject(err);
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        out.push({ name: entry.fileName, data: Buffer.concat(chunks), mode: (entry.externalFileAttributes >>> 16) & 0o777, mtime: entry.getLastModDate() });
        zip.readEntry();
      });
    });
    zip.readEntry();
  });
  return out;
}

async function readTarGz(file: string): Promise<ReadEntry[]> {
  const out: ReadEntry[] = [];
  const ex = extract();
  const done = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      out.push({ name: entry.header.name, data: Buffer.concat(chunks), mode: entry.header.mode ?? 0, mtime: entry.header.mtime ?? new Date(0) });
    }
  })();
  await pipeline(createReadStream(file), createGunzip(), ex);
  await done;
  return out;
}

const READERS = { zip: readZip, 'tar.gz': readTarGz } as const;

describe.each(['zip', 'tar.gz'] as const)('writeArchive (%s)', (format) => {
  it('round-trips files and streams, in name order, with modes and the given time', async () => {
    await mkdir(join(dir, 'src/model'), { recursive: true });
    await writeFile(join(dir, 'src/model/model.pkl'), 'pickled');
    await writeFile(join(dir, 'src/run.sh'), '#!/bin/sh\n');
    await chmod(join(dir, 'src/run.sh'), 0o700);
    const target = join(dir, `out.${format}`);
    const summary = await writeArchive(
      [
        { name: 'model/model.pkl', source: { file: join(dir, 'src/model/model.pkl') } },
        { name: 'run.sh', source: { file: join(dir, 'src/run.sh') } },
        { name: 'logs/training.log', source: bufferSource('line 1\nline 2\n') },
        { name: './MLmodel', source: bufferSource('') },
      ],
      format,
      target,
      { mtime: MTIME },
    );
    expect(summary.entries).toEqual(['MLmodel', 'logs/training.log', 'model/model.pkl', 'run.sh']);
    expect(summary.size).toBe((await readFile(target)).length);
    const entries = await READERS[format](target);
    expect(entries.map((e) => [e.name, e.data.toString(), e.mode.toString(8)])).toEqual([
      ['MLmodel', '', '644'],
      ['logs/training.log', 'line 1\nline 2\n', '644'],
      ['model/model.pkl', 'pickled', '644'],
      ['run.sh', '#!/bin/sh\n', '755'],
    ]);
    // Zip keeps two-second DOS times in local time next to an exact UTC field; tar keeps seconds.
    for (const e of entries) expect(Math.abs(e.mtime.getTime() - MTIME.getTime())).toBeLessThanOrEqual(2000);
    expect(await readdir(dir)).toEqual(['out.' + format, 'src']);
  });

  it('writes the same bytes for the same inputs', async () => {
    const entries = () => [
      { name: 'b.txt', source: bufferSource('b') },
      { name: 'a/c.txt', source: bufferSource('c') },
    ];
    await writeArchive(entries(), format, join(dir, '1'), { mtime: MTIME });
    await writeArchive(entries().reverse(), format, join(dir, '2'), { mtime: MTIME });
    expect(await readFile(join(dir, '1'))).toEqual(await readFile(join(dir, '2')));
  });

  it('streams a large entry intact into a Writable', async () => {
    const block = randomBytes(1 << 20);
    const blocks = 8;
    const expected = createHash('sha256');
    for (let i = 0; i < blocks; i++) expected.update(block);
    const source = { open: async () => ({ body: Readable.from((function* () { for (let i = 0; i < blocks; i++) yield block; })()), size: block.length * blocks }) };
    const file = join(dir, `big.${format}`);
    const { createWriteStream } = await import('node:fs');
    await writeArchive([{ name: 'big.bin', source }], format, createWriteStream(file), { mtime: MTIME });
    const [entry] = await READERS[format](file);
    expect(entry!.data.length).toBe(block.length * blocks);
    expect(createHash('sha256').update(entry!.data).digest('hex')).toBe(expected.digest('hex'));
  });

  it('keeps long and non-ASCII names', async () => {
    const long = `${'deep/'.repeat(30)}ünïcødé file.txt`;
    const file = join(dir, `names.${format}`);
    await writeArchive([{ name: long, source: bufferSource('x') }], format, file, { mtime: MTIME });
    expect((await READERS[format](file)).map((e) => e.name)).toEqual([long]);
  });

  it('fails naming the entry whose stream breaks, and leaves no partial file behind', async () => {
    const broken = {
      open: async () => ({
        body: new Readable({
          read() {
            this.destroy(new Error('disk on fire'));
          },
        }),
        size: 10,
      }),
    };
    const target = join(dir, `broken.${format}`);
    await expect(writeArchive([{ name: 'a.txt', source: bufferSource('fine') }, { name: 'b.bin', source: broken }], format, target)).rejects.toThrow(
      /Cannot read archive entry 'b\.bin': disk on fire/,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails naming an entry whose file is missing', async () => {
    await expect(writeArchive([{ name: 'm.pkl', source: { file: join(dir, 'nope') } }], format, join(dir, 'x'))).rejects.toThrow(/Cannot archive 'm\.pkl': ENOENT/);
  });
});

describe('writeArchive (tar.gz) sizes', () => {
  it('refuses a stream shorter than the size it announced, instead of writing a corrupt tar', async () => {
    const liar = { open: async () => ({ body: Readable.from([Buffer.from('four')]), size: 10 }) };
    await expect(writeArchive([{ name: 'short.bin', source: liar }], 'tar.gz', join(dir, 's.tar.gz'))).rejects.toThrow(/Cannot read archive entry 'short\.bin'/);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('writeArchive entry names', () => {
  it.each([
    ['../escape.txt', /'\.\.' is not allowed/],
    ['a/../../b', /'\.\.' is not allowed/],
    ['/etc/passwd', /absolute paths are not allowed/],
    ['a\\b', /backslashes are not allowed/],
    ['.', /names no file/],
  ])('refuses %s', async (name, message) => {
    await expect(writeArchive([{ name, source: bufferSource('x') }], 'zip', new Writable({ write: (_c, _e, cb) => cb() }))).rejects.toThrow(message);
  });

  it('refuses two entries with the same name', async () => {
    await expect(writeArchive([{ name: 'a/b', source: bufferSource('1') }, { name: 'a//b', source: bufferSource('2') }], 'zip', join(dir, 'x.zip'))).rejects.toThrow(
      "Duplicate archive entry 'a/b'",
    );
  });
});

describe('system tools read the archives', () => {
  it('unzip and tar list what was written', async () => {
    const entries = [
      { name: 'model/model.pkl', source: bufferSource('m') },
      { name: 'metrics.json', source: bufferSource('{}') },
    ];
    await writeArchive(entries, 'zip', join(dir, 'r.zip'), { mtime: MTIME });
    await writeArchive(entries, 'tar.gz', join(dir, 'r.tar.gz'), { mtime: MTIME });
    expect(execFileSync('unzip', ['-Z1', join(dir, 'r.zip')], { encoding: 'utf8' }).trim().split('\n')).toEqual(['metrics.json', 'model/model.pkl']);
    expect(execFileSync('tar', ['-tzf', join(dir, 'r.tar.gz')], { encoding: 'utf8' }).trim().split('\n')).toEqual(['metrics.json', 'model/model.pkl']);
    expect(execFileSync('unzip', ['-p', join(dir, 'r.zip'), 'model/model.pkl'], { encoding: 'utf8' })).toBe('m');
  });
});

describe('directoryEntries', () => {
  it('lists regular files under a prefix and skips links and special files', async () => {
    await mkdir(join(dir, 'out/model'), { recursive: true });
    await writeFile(join(dir, 'out/model/model.pkl'), 'm');
    await writeFile(join(dir, 'out/notes.txt'), 'n');
    await symlink('/etc/passwd', join(dir, 'out/passwd'));
    await symlink(join(dir, 'out/model'), join(dir, 'out/model-link'));
    execFileSync('mkfifo', [join(dir, 'out/pipe')]);
    const { entries, skipped } = await directoryEntries(join(dir, 'out'), 'output/');
    expect(entries.map((e) => e.name).sort()).toEqual(['output/model/model.pkl', 'output/notes.txt']);
    expect(skipped.sort()).toEqual(['model-link', 'passwd', 'pipe']);
    const summary = await writeArchive(entries, 'zip', join(dir, 'o.zip'));
    expect(summary.entries).toEqual(['output/model/model.pkl', 'output/notes.txt']);
  });
});

describe('archiveFormatOf', () => {
  it('reads the format from the name', () => {
    expect(archiveFormatOf('wine-1.0-x.zip')).toBe('zip');
    expect(archiveFormatOf('wine.TAR.GZ')).toBe('tar.gz');
    expect(archiveFormatOf('wine.tgz')).toBe('tar.gz');
    expect(() => archiveFormatOf('wine.rar')).toThrow("Cannot tell the archive format of 'wine.rar': the name must end with .zip or .tar.gz");
  });
});
