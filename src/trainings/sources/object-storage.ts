/**
 * A training's code from object storage (Odahu's algorithmSource.objectStorage): the objects
 * under a prefix, one file, or one .tar.gz that is unpacked with the same hostile-archive rules as
 * an uploaded source. `path` replaces the path part of the connection's URI, as remotePath does.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { invalid } from '../../errors.js';
import type { Connection } from '../connections/schema.js';
import { fetchRemote, type FetchContext } from '../data/fetch.js';
import { extractTarGz } from './tar-extract.js';
import { DEFAULT_SNAPSHOT_LIMITS, type SnapshotLimits } from './tree.js';

export interface ObjectStorageSourceOptions extends FetchContext {
  /** The connection, decrypted (ConnectionService.getDecrypted). */
  connection: Connection;
  path?: string | undefined;
  /** A workspace's src folder; must not exist yet or be empty. */
  dest: string;
  /** Caps for an unpacked archive. */
  limits?: Partial<SnapshotLimits>;
}

const ARCHIVE = /\.(tar\.gz|tgz)$/;

export async function fetchObjectStorageSource(options: ObjectStorageSourceOptions): Promise<void> {
  const { connection, dest } = options;
  if ((await readdir(dest).catch(() => [])).length > 0) throw invalid(`Cannot put the source into '${dest}': the folder is not empty`);
  await mkdir(dest, { recursive: true });
  // An archive is downloaded beside the folder, not into it, so its entries cannot collide with it.
  const place = { dir: dest, file: (name: string) => (ARCHIVE.test(name) ? `${dest}.download-${name}` : join(dest, name)) };
  const fetched = await fetchRemote(connection, options.path, place, `Source from connection '${connection.id}'`, options);
  if (fetched.kind === 'file' && !fetched.path.startsWith(`${dest}/`)) {
    try {
      await extractTarGz(createReadStream(fetched.path), dest, { ...DEFAULT_SNAPSHOT_LIMITS, ...options.limits }, `The source archive from connection '${connection.id}'`);
    } finally {
      await rm(fetched.path, { force: true });
    }
  }
}
