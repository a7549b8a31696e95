/**
 * Task outputs, content-addressed in the artifact store. Every file is stored once under its
 * sha256 (`pipelines/blobs/ab/abcd…`); an output (a file or a folder) is a manifest listing its
 * files, stored under the sha256 of the manifest (`pipelines/manifests/<digest>.json`). The
 * digest is the output's identity: a dependant's cache key holds it, so a changed output makes
 * every dependant miss, and identical bytes from a re-run keep them hitting.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArtifactStore } from '../../artifacts/store.js';
import { invalid } from '../../errors.js';
import { hashFile, normalizedMode, walkTree } from '../../trainings/sources/tree.js';
import { canonicalJson } from '../cache/key.js';

export interface OutputManifest {
  kind: 'file' | 'dir';
  /** For a file output, one entry with path ''. */
  files: { path: string; sha256: string; size: number; mode: number }[];
}

export interface StoredOutput {
  name: string;
  /** Where the task wrote it, relative to its work directory. */
  path: string;
  digest: string;
  kind: 'file' | 'dir';
  files: number;
  size: number;
}

const DIGEST = /^[0-9a-f]{64}$/;

export class OutputStore {
  constructor(
    private readonly store: ArtifactStore,
    private readonly prefix = 'pipelines',
  ) {}

  /**
   * Stores the file or folder at `abs`; undefined when nothing is there (the caller names the
   * missing output). Links are refused: an output must hold its own bytes.
   */
  async put(abs: string, what: string): Promise<Omit<StoredOutput, 'name' | 'path'> | undefined> {
    const st = await lstat(abs).catch(() => undefined);
    if (!st) return undefined;
    let manifest: OutputManifest;
    if (st.isFile()) {
      manifest = { kind: 'file', files: [await this.putBlob(abs, '', st.mode)] };
    } else if (st.isDirectory()) {
      manifest = { kind: 'dir', files: [] };
      for await (const e of walkTree(abs)) {
        if (e.kind === 'dir') continue;
        if (e.kind !== 'file') throw invalid(`${what} holds '${e.path}', which is not a regular file (links and devices are not stored)`);
        manifest.files.push(await this.putBlob(e.abs, e.path, (await lstat(e.abs)).mode));
      }
    } else {
      throw invalid(`${what} is not a regular file or folder`);
    }
    const body = canonicalJson(manifest);
    const digest = createHash('sha256').update(body).digest('hex');
    const path = this.manifestPath(digest);
    if (!(await this.store.stat(path))) await this.store.put(path, Readable.from([Buffer.from(body)]), Buffer.byteLength(body));
    return { digest, kind: manifest.kind, files: manifest.files.length, size: manifest.files.reduce((n, f) => n + f.size, 0) };
  }

  /** The manifest, or undefined when it (or any file it lists) is gone from the store. */
  async verify(digest: string): Promise<OutputManifest | undefined> {
    const manifest = await this.manifest(digest).catch(() => undefined);
    if (!manifest) return undefined;
    for (const f of manifest.files) {
      const st = await this.store.stat(this.blobPath(f.sha256));
      if (!st || st.isDir || st.size !== f.size) return undefined;
    }
    return manifest;
  }

  /** Writes the output to `dest` (the file itself, or the folder to fill). */
  async materialize(digest: string, dest: string): Promise<void> {
    const manifest = await this.manifest(digest);
    for (const f of manifest.files) {
      const target = f.path === '' ? dest : join(dest, ...f.path.split('/'));
      await mkdir(dirname(target), { recursive: true });
      const { body } = await this.store.get(this.blobPath(f.sha256));
      await pipeline(body, createWriteStream(target));
      await chmod(target, f.mode);
    }
    if (manifest.kind === 'dir') await mkdir(dest, { recursive: true });
  }

  async manifest(digest: string): Promise<OutputManifest> {
    if (!DIGEST.test(digest)) throw invalid(`'${digest}' is not an output digest`);
    const { body } = await this.store.get(this.manifestPath(digest));
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as OutputManifest;
  }

  /** Opens one file of a stored output, for copying it elsewhere (e.g. into a run's artifacts). */
  async open(sha: string): Promise<{ body: Readable; size: number }> {
    return this.store.get(this.blobPath(sha));
  }

  private async putBlob(abs: string, path: string, mode: number): Promise<OutputManifest['files'][number]> {
    const sha = await hashFile(abs);
    const size = (await lstat(abs)).size;
    const blob = this.blobPath(sha);
    const existing = await this.store.stat(blob);
    if (!existing || existing.size !== size) await this.store.put(blob, createReadStream(abs), size);
    return { path, sha256: sha, size, mode: normalizedMode(mode) };
  }

  private blobPath(sha: string): string {
    return `${this.prefix}/blobs/${sha.slice(0, 2)}/${sha}`;
  }

  private manifestPath(digest: string): string {
    return `${this.prefix}/manifests/${digest}.json`;
  }
}

