import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalid, notFound } from '../errors.js';
import type { ArtifactEntry, ArtifactStat, ArtifactStore } from './store.js';

/** Artifacts in a local folder. Writes land in a temporary file renamed into place, so a reader never sees half a file. */
export class LocalArtifactStore implements ArtifactStore {
  readonly location: string;

  constructor(private readonly root: string) {
    this.location = root;
  }

  async put(path: string, body: Readable): Promise<{ size: number }> {
    const target = await this.resolve(path);
    if (path === '') throw invalid('An artifact path must name a file');
    await mkdir(dirname(target), { recursive: true });
    const existing = await stat(target).catch(() => undefined);
    if (existing?.isDirectory()) throw invalid(`Cannot write artifact '${path}': a folder of that name exists`);
    const temp = `${target}.${randomBytes(6).toString('hex')}.partial`;
    let size = 0;
    body.on('data', (chunk: Buffer) => (size += chunk.length));
    try {
      await pipeline(body, createWriteStream(temp, { flags: 'wx', mode: 0o644 }));
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return { size };
  }

  async get(path: string): Promise<Readable> {
    const target = await this.resolve(path);
    const s = await stat(target).catch(() => undefined);
    if (!s || !s.isFile()) throw notFound(`Artifact '${path}' does not exist`);
    return createReadStream(target);
  }

  async stat(path: string): Promise<ArtifactStat | undefined> {
    const s = await stat(await this.resolve(path)).catch(() => undefined);
    return s ? { isDir: s.isDirectory(), size: s.isDirectory() ? 0 : s.size } : undefined;
  }

  async list(path: string): Promise<ArtifactEntry[]> {
    const folder = await this.resolve(path);
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    const out: ArtifactEntry[] = [];
    for (const e of entries) {
      if (e.name.endsWith('.partial')) continue;
      const rel = path === '' ? e.name : `${path}/${e.name}`;
      if (e.isDirectory()) out.push({ path: rel, isDir: true });
      else if (e.isFile()) out.push({ path: rel, isDir: false, size: (await stat(join(folder, e.name))).size });
      // Symbolic links and devices are not artifacts: they are left out rather than followed.
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async delete(path: string): Promise<void> {
    const target = await this.resolve(path);
    if (target === (await this.realRoot())) throw invalid('Refusing to delete the whole artifact store');
    await rm(target, { recursive: true, force: true });
  }

  private rootReal: string | undefined;
  private async realRoot(): Promise<string> {
    if (this.rootReal === undefined) {
      await mkdir(this.root, { recursive: true });
      this.rootReal = await realpath(this.root);
    }
    return this.rootReal;
  }

  /**
   * The absolute file for a normalised path, refusing any whose existing part resolves outside the
   * root through a symbolic link.
   */
  private async resolve(path: string): Promise<string> {
    const root = await this.realRoot();
    const target = path === '' ? root : join(root, ...path.split('/'));
    let probe = target;
    while (probe !== root) {
      const s = await lstat(probe).catch(() => undefined);
      if (s) {
        const real = await realpath(probe);
        const rel = relative(root, real);
        if (rel.startsWith('..') || rel.startsWith(sep)) throw invalid(`Artifact path '${path}' leaves the artifact store`);
        break;
      }
      probe = dirname(probe);
    }
    return target;
  }
}
