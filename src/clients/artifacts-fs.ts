/**
 * Node-only artifact helpers: upload files, folders and Readables, download to files, folders
 * and Readables, all streamed so that memory stays flat whatever the size.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeWebStream } from 'node:stream/web';
import { ArtifactsClient, cleanPath, joinArtifactPath } from './artifacts.js';

/** Folder uploads and downloads run this many files at once. */
const PARALLEL = 4;

export class ArtifactFiles {
  constructor(readonly client: ArtifactsClient) {}

  /** Uploads one local file to `remotePath` (the full artifact path, file name included). */
  async uploadFile(localPath: string, remotePath: string): Promise<void> {
    const info = await stat(localPath);
    if (!info.isFile()) throw new TypeError(`'${localPath}' is not a file`);
    await this.uploadStream(createReadStream(localPath), remotePath, info.size);
  }

  /** Uploads whatever a Readable yields; `size`, when known, is sent as Content-Length. */
  async uploadStream(source: Readable, remotePath: string, size?: number): Promise<void> {
    const body = Readable.toWeb(source) as unknown as ReadableStream<Uint8Array>;
    try {
      await this.client.upload(remotePath, body, { contentLength: size });
    } finally {
      source.destroy();
    }
  }

  /**
   * Uploads every file below `localDir` under `remoteDir`, keeping subfolders. Returns the
   * uploaded paths relative to `localDir`, '/'-separated, in name order.
   */
  async uploadDir(localDir: string, remoteDir: string): Promise<string[]> {
    const files = await listLocalFiles(localDir);
    await runParallel(files, (rel) => this.uploadFile(join(localDir, ...rel.split('/')), joinArtifactPath(remoteDir, rel)));
    return files;
  }

  /** A remote file as a Node Readable. */
  async downloadStream(remotePath: string): Promise<Readable> {
    const { body } = await this.client.download(remotePath);
    return Readable.fromWeb(body as unknown as NodeWebStream<Uint8Array>);
  }

  /**
   * Downloads one file. It is written beside the target and renamed into place when complete,
   * so a failed transfer never leaves a truncated file under the real name.
   */
  async downloadFile(remotePath: string, localPath: string): Promise<void> {
    await mkdir(dirname(resolve(localPath)), { recursive: true });
    const partial = `${localPath}.partial-${process.pid}-${Date.now()}`;
    try {
      await pipeline(await this.downloadStream(remotePath), createWriteStream(partial));
      await rename(partial, localPath);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  }

  /** Downloads every file below `remoteDir` into `localDir`; returns their relative paths. */
  async downloadDir(remoteDir: string, localDir: string): Promise<string[]> {
    const files: string[] = [];
    for await (const f of this.client.walk(remoteDir)) files.push(f.path);
    const root = resolve(localDir);
    await mkdir(root, { recursive: true });
    await runParallel(files, (rel) => this.downloadFile(joinArtifactPath(remoteDir, rel), inside(root, rel)));
    return files;
  }

  /**
   * Downloads a file or a folder, whichever `remotePath` is, as MLflow's clients do: a path that
   * lists entries is a folder, anything else is fetched as a file. Returns the local path.
   */
  async download(remotePath: string, localPath: string): Promise<string> {
    const entries = await this.client.list(remotePath);
    if (entries.length > 0) await this.downloadDir(remotePath, localPath);
    else await this.downloadFile(cleanPath(remotePath), localPath);
    return localPath;
  }
}

/** Files below a folder, relative and '/'-separated, in name order; symbolic links are followed as files. */
export async function listLocalFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    const entries = await readdir(abs, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      const childAbs = join(abs, e.name);
      const isDir = e.isDirectory() || (e.isSymbolicLink() && (await stat(childAbs)).isDirectory());
      if (isDir) await walk(childAbs, childRel);
      else out.push(childRel);
    }
  };
  await walk(dir, '');
  return out;
}

// Names come from the server: never let one write outside the target folder.
function inside(root: string, rel: string): string {
  const target = resolve(root, ...rel.split('/'));
  if (target !== root && !target.startsWith(root + sep)) throw new Error(`Refusing to write '${rel}' outside '${root}'`);
  if (relative(root, target) === '') throw new Error(`Refusing to overwrite the download folder with '${rel}'`);
  return target;
}

/**
 * Runs `work` over the items, a few at a time. After a failure no new item starts, and the
 * call settles only when the running ones have, so nothing keeps transferring behind its back.
 */
async function runParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  if (failure) throw failure.error;
}
