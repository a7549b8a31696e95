/**
 * Unpacks an uploaded .tar.gz into a staging folder, treating the archive as hostile: no absolute
 * paths, no '..', nothing written through a link, links only to places inside, no hard links or
 * devices, and size and entry-count caps counted from the headers before anything is written.
 */
import { open, mkdir, symlink, chmod } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { invalid, TrainyardError } from '../../errors.js';
import { Budget, checkLinkInside, isSkipped, normalizedMode, type SnapshotLimits } from './tree.js';

export const UPLOADED_ARCHIVE = 'The uploaded source archive';

/** `what` names the archive in messages. */
export async function extractTarGz(archive: Readable, staging: string, limits: SnapshotLimits, what = UPLOADED_ARCHIVE): Promise<void> {
  const budget = new Budget(limits, what);
  const gunzip = createGunzip();
  const extract = tar.extract();
  const stop = (err: Error) => extract.destroy(err);
  archive.on('error', stop);
  gunzip.on('error', (err) => stop(invalid(`${what} is not a gzip-compressed tar file (${err.message})`)));
  archive.pipe(gunzip).pipe(extract);
  const links = new Set<string>();
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const path = entryPath(h.name, what);
      budget.entry();
      budget.add(h.size ?? 0);
      if (path === '' || isSkipped(path)) {
        for await (const _ of entry) void _;
        continue;
      }
      refuseBelowLink(path, links, what);
      const dest = join(staging, path);
      switch (h.type ?? 'file') {
        case 'file':
        case 'contiguous-file':
          await writeEntry(entry, dest, path, h.mode ?? 0o644, what);
          break;
        case 'directory':
          await mkdir(dest, { recursive: true }).catch((err: unknown) => refuseWrite(path, err, what));
          break;
        case 'symlink':
          await linkEntry(h.linkname ?? '', dest, path, what);
          links.add(path);
          break;
        case 'link':
          throw invalid(`${what}: '${path}' is a hard link (to '${h.linkname ?? ''}'); hard links are not allowed: pack with \`tar --hard-dereference\``);
        default:
          throw invalid(`${what}: '${path}' is a ${h.type}; only files, folders and symbolic links are allowed`);
      }
    }
    for (const link of links) await checkLinkInside(staging, join(staging, link), what);
  } catch (err) {
    archive.unpipe(gunzip);
    archive.destroy();
    gunzip.destroy();
    extract.destroy();
    throw err instanceof TrainyardError || !(err instanceof Error) ? err : invalid(`${what} could not be read: ${err.message}`);
  }
}

/** The entry's path, relative and '/'-separated, or a refusal for anything that could leave the folder. */
function entryPath(name: string, what: string): string {
  const shown = JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);
  if (name.includes('\0') || name.includes('\\')) throw invalid(`${what}: the entry ${shown} has a NUL or backslash in its name`);
  if (name.startsWith('/')) throw invalid(`${what}: the entry ${shown} has an absolute path`);
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw invalid(`${what}: the entry ${shown} has '..' in its path`);
  return segments.join('/');
}

function refuseBelowLink(path: string, links: Set<string>, what: string): void {
  const segments = path.split('/');
  for (let i = 1; i <= segments.length; i++) {
    const prefix = segments.slice(0, i).join('/');
    if (links.has(prefix)) {
      throw invalid(
        i === segments.length ? `${what}: '${path}' appears twice` : `${what}: '${path}' lies below the symbolic link '${prefix}'; nothing is written through a link`,
      );
    }
  }
}

async function writeEntry(entry: AsyncIterable<unknown>, dest: string, path: string, mode: number, what: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true }).catch((err: unknown) => refuseWrite(path, err, what));
  // 'wx': never follows or replaces what is already there.
  const file = await open(dest, 'wx', 0o600).catch((err: unknown) => refuseWrite(path, err, what));
  try {
    for await (const chunk of entry) await file.write(chunk as Buffer);
  } finally {
    await file.close();
  }
  await chmod(dest, normalizedMode(mode));
}

async function linkEntry(target: string, dest: string, path: string, what: string): Promise<void> {
  if (target === '' || target.includes('\0') || posix.isAbsolute(target)) {
    throw invalid(`${what}: the symbolic link '${path}' points outside the source (to '${target}')`);
  }
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  if (resolved === '..' || resolved.startsWith('../')) throw invalid(`${what}: the symbolic link '${path}' points outside the source (to '${target}')`);
  await mkdir(dirname(dest), { recursive: true }).catch((err: unknown) => refuseWrite(path, err, what));
  await symlink(target, dest).catch((err: unknown) => refuseWrite(path, err, what));
}

function refuseWrite(path: string, err: unknown, what: string): never {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EEXIST') throw invalid(`${what}: '${path}' appears twice`);
  if (code === 'ENOTDIR') throw invalid(`${what}: '${path}' lies below something that is a file`);
  throw err;
}
