import { constants, createWriteStream } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalid, notFound } from '../errors.js';
import { LocalUploads, RESERVED_DIR } from './local-uploads.js';
import type { ArtifactDownload, ArtifactEntry, ArtifactStat, ArtifactStore, UploadedPart } from './store.js';
import { ByteCounter } from './streams.js';

/**
 * Artifacts in a local folder. Every write streams into a temporary file inside the root's
 * reserved folder and is renamed into place, so a reader never sees half a file and a failed
 * upload leaves nothing behind under its name.
 */
export class LocalArtifactStore implements ArtifactStore {
  readonly location: string;
  private readonly uploads: LocalUploads;
  private rootReal: string | undefined;

  constructor(private readonly root: string) {
    this.location = root;
    this.uploads = new LocalUploads(() => this.realRoot());
  }

  async put(path: string, body: Readable): Promise<{ size: number }> {
    if (path === '') throw invalid('An artifact path must name a file');
    const target = await this.checkTarget(path);
    const temp = await this.uploads.tempFile();
    try {
      const counter = new ByteCounter();
      await pipeline(body, counter, createWriteStream(temp, { flags: 'wx', mode: 0o644 }));
      await this.place(temp, target, path);
      return { size: counter.bytes };
    } catch (err) {
      body.destroy();
      await rm(temp, { force: true });
      throw err;
    }
  }

  async get(path: string): Promise<ArtifactDownload> {
    const target = await this.resolve(path);
    // O_NONBLOCK: a FIFO planted in the folder must not hang the request; regular files ignore it.
    const handle = await open(target, constants.O_RDONLY | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR' || err.code === 'EISDIR') return undefined;
      throw err;
    });
    if (!handle) throw notFound(`Artifact '${path}' does not exist`);
    const s = await handle.stat();
    if (!s.isFile()) {
      await handle.close();
      throw notFound(`Artifact '${path}' does not exist or is a folder`);
    }
    // Size and bytes come from the same open file, so a concurrent replacement cannot mix them.
    return { body: handle.createReadStream({ highWaterMark: 256 * 1024 }), size: s.size };
  }

  async stat(path: string): Promise<ArtifactStat | undefined> {
    const s = await stat(await this.resolve(path)).catch(() => undefined);
    if (!s || !(s.isFile() || s.isDirectory())) return undefined;
    return { isDir: s.isDirectory(), size: s.isDirectory() ? 0 : s.size };
  }

  async list(path: string): Promise<ArtifactEntry[]> {
    const folder = await this.resolve(path);
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    const out = await Promise.all(
      entries.map(async (e): Promise<ArtifactEntry | undefined> => {
        if (path === '' && e.name === RESERVED_DIR) return undefined;
        const rel = path === '' ? e.name : `${path}/${e.name}`;
        if (e.isDirectory()) return { path: rel, isDir: true };
        if (e.isFile()) {
          const s = await lstat(join(folder, e.name)).catch(() => undefined);
          return s ? { path: rel, isDir: false, size: s.size } : undefined;
        }
        // Symbolic links, sockets and devices are not artifacts: left out rather than followed.
        return undefined;
      }),
    );
    return out.filter((e): e is ArtifactEntry => e !== undefined).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async delete(path: string): Promise<void> {
    if (path === '') throw invalid('Refusing to delete the whole artifact store');
    await rm(await this.resolve(path), { recursive: true, force: true });
  }

  async createMultipartUpload(path: string): Promise<string> {
    if (path === '') throw invalid('An artifact path must name a file');
    await this.resolve(path);
    return this.uploads.create(path);
  }

  async uploadPart(path: string, uploadId: string, partNumber: number, body: Readable): Promise<string> {
    return this.uploads.putPart(path, uploadId, partNumber, body);
  }

  async completeMultipartUpload(path: string, uploadId: string, parts: UploadedPart[]): Promise<void> {
    const target = await this.checkTarget(path);
    const temp = await this.uploads.join(path, uploadId, parts);
    try {
      await this.place(temp, target, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    await this.uploads.discard(uploadId);
  }

  async abortMultipartUpload(path: string, uploadId: string): Promise<void> {
    await this.uploads.abort(path, uploadId);
  }

  /**
   * The file for `path`, refused early (before any byte is received) when a folder has its name
   * or a file sits where one of its folders would go. Creates nothing: folders appear only with
   * the finished file, so a failed upload leaves no empty folders behind.
   */
  private async checkTarget(path: string): Promise<string> {
    const target = await this.resolve(path);
    if ((await stat(target).catch(() => undefined))?.isDirectory()) throw invalid(`Cannot write artifact '${path}': a folder of that name exists`);
    const root = await this.realRoot();
    for (let probe = dirname(target); probe !== root; probe = dirname(probe)) {
      const s = await stat(probe).catch(() => undefined);
      if (!s) continue;
      if (!s.isDirectory()) throw invalid(`Cannot write artifact '${path}': part of its folder path is a file`);
      break;
    }
    return target;
  }

  /** Moves a finished temporary file to its name, creating its folders. */
  private async place(temp: string, target: string, path: string): Promise<void> {
    try {
      await mkdir(dirname(target), { recursive: true });
      await rename(temp, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Something changed at the target while the bytes were arriving.
      if (code === 'EISDIR' || code === 'ENOTEMPTY') throw invalid(`Cannot write artifact '${path}': a folder of that name exists`);
      if (code === 'EEXIST' || code === 'ENOTDIR') throw invalid(`Cannot write artifact '${path}': part of its folder path is a file`);
      throw err;
    }
  }

  private async realRoot(): Promise<string> {
    if (this.rootReal === undefined) {
      await mkdir(this.root, { recursive: true });
      this.rootReal = await realpath(this.root);
    }
    return this.rootReal;
  }

  /**
   * The absolute file for a normalised path, refusing the reserved folder and any path whose
   * existing part resolves outside the root through a symbolic link.
   */
  private async resolve(path: string): Promise<string> {
    const root = await this.realRoot();
    if (path === RESERVED_DIR || path.startsWith(`${RESERVED_DIR}/`)) {
      throw invalid(`Invalid path '${path}': '${RESERVED_DIR}' is reserved for uploads in progress`);
    }
    const target = path === '' ? root : join(root, ...path.split('/'));
    let probe = target;
    while (probe !== root) {
      const s = await lstat(probe).catch(() => undefined);
      if (s) {
        // A dangling link counts as leaving: where it would lead cannot be checked.
        const real = await realpath(probe).catch(() => undefined);
        const rel = real === undefined ? '..' : relative(root, real);
        if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw invalid(`Invalid path '${path}': it leaves the artifact store`);
        break;
      }
      probe = dirname(probe);
    }
    return target;
  }
}
