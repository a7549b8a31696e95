/**
 * The result archive of a training: a `.zip` or `.tar.gz` streamed from a list of entries, one
 * source open at a time, so memory stays constant whatever the model's size. Entries are written
 * in name order and with one timestamp, so the same inputs give the same archive.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack } from 'tar-stream';
import { ZipFile } from 'yazl';
import { normalizeArtifactPath } from '../../artifacts/paths.js';
import { invalid } from '../../errors.js';

export type ArchiveFormat = 'zip' | 'tar.gz';

/** An entry's bytes: a file on this machine, or a stream opened only when the entry is written. */
export type ArchiveSource =
  | { file: string }
  | { open: () => Promise<{ body: Readable; size: number }> };

export interface ArchiveEntry {
  /** Path inside the archive: relative, '/'-separated; `..` and absolute paths are refused. */
  name: string;
  source: ArchiveSource;
}

export interface ArchiveOptions {
  /** Modification time written for every entry (default: now). Fix it for byte-identical archives. */
  mtime?: Date;
}

export interface ArchiveSummary {
  format: ArchiveFormat;
  /** Entry names in the order written. */
  entries: string[];
  /** Bytes of the archive itself. */
  size: number;
}

/** The format an archive name asks for, by its suffix. */
export function archiveFormatOf(fileName: string): ArchiveFormat {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.zip')) return 'zip';
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) return 'tar.gz';
  throw invalid(`Cannot tell the archive format of '${fileName}': the name must end with .zip or .tar.gz`);
}

/**
 * Writes the archive to `destination`: a file path (written under a temporary name and renamed
 * when complete, so nobody sees half an archive; removed on failure) or a stream.
 */
export async function writeArchive(
  entries: readonly ArchiveEntry[],
  format: ArchiveFormat,
  destination: string | Writable,
  options: ArchiveOptions = {},
): Promise<ArchiveSummary> {
  const ordered = checkEntries(entries);
  const mtime = options.mtime ?? new Date();
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      done(null, chunk);
    },
  });
  const prepared = await prepare(ordered);
  const source = format === 'zip' ? zipStream(prepared, mtime) : tarGzStream(prepared, mtime);
  if (typeof destination !== 'string') {
    await pipeline(source, counter, destination);
  } else {
    const partial = `${destination}.partial-${randomBytes(4).toString('hex')}`;
    try {
      await pipeline(source, counter, createWriteStream(partial, { flags: 'wx' }));
      await rename(partial, destination);
    } catch (err) {
      await unlink(partial).catch(() => undefined);
      throw err;
    }
  }
  return { format, entries: ordered.map((e) => e.name), size };
}

/**
 * Every regular file under `dir` as an entry named `prefix` + its relative path. Symbolic links
 * and special files are skipped and listed, so a training cannot smuggle a link to a host file
 * (say, a credentials file) into its result.
 */
export async function directoryEntries(dir: string, prefix = ''): Promise<{ entries: ArchiveEntry[]; skipped: string[] }> {
  const entries: ArchiveEntry[] = [];
  const skipped: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const d of await readdir(join(dir, relative), { withFileTypes: true })) {
      const rel = relative === '' ? d.name : `${relative}/${d.name}`;
      if (d.isDirectory()) await walk(rel);
      else if (d.isFile()) entries.push({ name: prefix + rel, source: { file: join(dir, rel) } });
      else skipped.push(rel);
    }
  };
  await walk('');
  return { entries, skipped };
}

function checkEntries(entries: readonly ArchiveEntry[]): ArchiveEntry[] {
  const seen = new Set<string>();
  const out: ArchiveEntry[] = [];
  for (const entry of entries) {
    const name = normalizeArtifactPath(entry.name, 'archive entry name');
    if (name === '') throw invalid(`Invalid archive entry name '${entry.name}': it names no file`);
    if (seen.has(name)) throw invalid(`Duplicate archive entry '${name}'`);
    seen.add(name);
    out.push({ name, source: entry.source });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

interface PreparedEntry {
  name: string;
  /** Known up front for files, so both formats can check that what was read is what was expected. */
  size?: number;
  mode: number;
  open: () => Promise<{ body: Readable; size: number }>;
}

async function prepare(entries: readonly ArchiveEntry[]): Promise<PreparedEntry[]> {
  const out: PreparedEntry[] = [];
  for (const { name, source } of entries) {
    if ('open' in source) {
      out.push({ name, mode: 0o644, open: source.open });
      continue;
    }
    const info = await stat(source.file).catch((err: Error) => {
      throw invalid(`Cannot archive '${name}': ${err.message}`);
    });
    if (!info.isFile()) throw invalid(`Cannot archive '${name}': ${source.file} is not a regular file`);
    out.push({
      name,
      size: info.size,
      // Keep the executable bit (scripts in a model folder), drop the rest of the host's permissions.
      mode: info.mode & 0o111 ? 0o755 : 0o644,
      open: async () => ({ body: createReadStream(source.file), size: info.size }),
    });
  }
  return out;
}

function entryError(name: string, err: unknown): Error {
  return new Error(`Cannot read archive entry '${name}': ${err instanceof Error ? err.message : String(err)}`);
}

function zipStream(entries: readonly PreparedEntry[], mtime: Date): Readable {
  const zip = new ZipFile();
  const out = new PassThrough();
  const fail = (err: Error) => out.destroy(err);
  zip.on('error', (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))));
  for (const entry of entries) {
    const options = entry.size === undefined ? { mtime, mode: entry.mode } : { mtime, mode: entry.mode, size: entry.size };
    zip.addReadStreamLazy(entry.name, options, (cb) => {
      entry.open().then(
        ({ body }) => {
          body.on('error', (err) => fail(entryError(entry.name, err)));
          cb(null, body);
        },
        (err: unknown) => fail(entryError(entry.name, err)),
      );
    });
  }
  zip.end();
  (zip.outputStream as Readable).pipe(out);
  return out;
}

function tarGzStream(entries: readonly PreparedEntry[], mtime: Date): Readable {
  const tar = pack();
  const gzip = createGzip();
  // The first failure, named after its entry; the pack stream errors too when an entry breaks.
  let failure: Error | undefined;
  const fail = (err: Error) => {
    failure ??= err;
    tar.destroy();
    gzip.destroy(failure);
  };
  let current: string | undefined;
  tar.on('error', (err) => fail(current === undefined ? err : entryError(current, err)));
  const write = async () => {
    for (const entry of entries) {
      current = entry.name;
      const { body, size } = await entry.open().catch((err: unknown) => {
        throw entryError(entry.name, err);
      });
      await new Promise<void>((resolve, reject) => {
        const header = { name: entry.name, size: entry.size ?? size, mode: entry.mode, mtime, type: 'file' as const };
        const sink = tar.entry(header, (err) => (err ? reject(entryError(entry.name, err)) : resolve()));
        pipeline(body, sink).catch((err: unknown) => reject(entryError(entry.name, err)));
      });
    }
    current = undefined;
    tar.finalize();
  };
  write().catch((err: unknown) => fail(err instanceof Error ? err : new Error(String(err))));
  return tar.pipe(gzip);
}
