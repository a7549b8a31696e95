/**
 * Node-only: packs a local source folder as a .tar.gz and uploads it to `POST /api/v1/sources`,
 * streamed (nothing is held whole in memory). What is packed follows the server's snapshot rules:
 * the same skipped names, only the executable bit of modes, links kept (absolute ones inside the
 * folder made relative), sockets and devices refused.
 */
import { createReadStream } from 'node:fs';
import { lstat, realpath } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pipeline as pipelineCb } from 'node:stream';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { portableTarget } from '../trainings/sources/copy-folder.js';
import { normalizedMode, walkTree } from '../trainings/sources/tree.js';
import type { SourceSnapshotRef, V1Client } from './v1.js';

// Fixed so that packing the same tree twice gives the same bytes.
const EPOCH = new Date(0);

/** Packs `folder` and uploads it; the answer's hash goes into `spec.algorithmSource.local.snapshot`. */
export async function uploadSource(client: V1Client, folder: string, signal?: AbortSignal): Promise<SourceSnapshotRef> {
  const info = await lstat(folder).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? new Error(`Source folder '${folder}' does not exist`) : err;
  });
  if (!info.isDirectory()) throw new Error(`Source folder '${folder}' is not a folder`);
  const archive = packFolder(folder);
  // A packing failure (a link leading out, a file vanishing) is the real cause of a failed upload.
  let packError: unknown;
  archive.on('error', (err) => (packError ??= err));
  try {
    return await client.uploadSourceArchive(Readable.toWeb(archive) as ReadableStream<Uint8Array>, signal);
  } catch (err) {
    throw packError ?? err;
  } finally {
    archive.destroy();
  }
}

/** The folder as a gzip-compressed tar stream, entries in the order the server hashes them. */
export function packFolder(folder: string): Readable {
  const pack = tar.pack();
  const gzip = createGzip();
  // Errors travel down the pipeline: whoever reads the gzip side sees them.
  pipelineCb(pack, gzip, () => undefined);
  fill(pack, folder).then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  return gzip;
}

async function fill(pack: tar.Pack, folder: string): Promise<void> {
  const root = await realpath(folder);
  const what = `Source folder '${folder}'`;
  for await (const entry of walkTree(root)) {
    if (entry.kind === 'dir') {
      await add(pack, { name: entry.path, type: 'directory', mode: 0o755, mtime: EPOCH });
    } else if (entry.kind === 'symlink') {
      const linkname = await portableTarget(root, entry.abs, what, entry.path);
      await add(pack, { name: entry.path, type: 'symlink', linkname, mode: 0o777, mtime: EPOCH });
    } else if (entry.kind === 'file') {
      const stat = await lstat(entry.abs);
      const sink = pack.entry({ name: entry.path, type: 'file', size: stat.size, mode: normalizedMode(stat.mode), mtime: EPOCH });
      await pipeline(createReadStream(entry.abs), sink);
    } else {
      throw new Error(`${what}: '${entry.path}' is not a file, folder or link (a socket, pipe or device); move it out of the source`);
    }
  }
}

function add(pack: tar.Pack, header: Parameters<tar.Pack["entry"]>[0]): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(header, (err) => (err ? reject(err) : resolve())));
}
