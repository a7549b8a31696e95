/**
 * Content-addressed snapshots of local sources under `$TRAINYARD_HOME/sources/<sha256>/`. A
 * training submitted from a folder (or an uploaded archive of one) runs the code as it was at
 * submit time: later edits to the folder change nothing already queued. Identical content is
 * stored once.
 */
import { randomBytes } from 'node:crypto';
import { chmod, cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { invalid, notFound } from '../../errors.js';
import { copyFolder } from './copy-folder.js';
import { extractTarGz } from './tar-extract.js';
import { DEFAULT_SNAPSHOT_LIMITS, hashTree, type SnapshotLimits } from './tree.js';

const HASH = /^[0-9a-f]{64}$/;

export interface Snapshot {
  /** sha256 of the tree: relative paths (in name order, depth first), normalised modes and contents. */
  hash: string;
  /** Where the snapshot is stored (read it, never write it). */
  path: string;
}

export class SourceSnapshots {
  readonly root: string;
  private readonly limits: SnapshotLimits;

  constructor(home: string, limits: Partial<SnapshotLimits> = {}) {
    this.root = join(home, 'sources');
    this.limits = { ...DEFAULT_SNAPSHOT_LIMITS, ...limits };
  }

  /** Snapshots a folder on this machine (skipping .git, node_modules, __pycache__, .trainyard). */
  async fromFolder(folder: string): Promise<Snapshot> {
    return this.stage((staging) => copyFolder(folder, staging, this.limits));
  }

  /** Snapshots an uploaded .tar.gz of a folder, as the CLI sends it in remote mode. */
  async fromTarGz(archive: Readable): Promise<Snapshot> {
    return this.stage((staging) => extractTarGz(archive, staging, this.limits));
  }

  async has(hash: string): Promise<boolean> {
    return stat(this.path(hash)).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  /** The stored snapshot's folder; refuses anything that is not a content hash. */
  path(hash: string): string {
    if (!HASH.test(hash)) throw invalid(`'${hash}' is not a source snapshot hash (64 lowercase hex digits)`);
    return join(this.root, hash);
  }

  /** Copies a snapshot into `dest` (a workspace's src folder), which must not exist yet or be empty. */
  async materialize(hash: string, dest: string): Promise<void> {
    const from = this.path(hash);
    if (!(await this.has(hash))) throw notFound(`Source snapshot ${hash} is not in ${this.root}; submit the training again to snapshot its folder`);
    const existing = await readdir(dest).catch(() => []);
    if (existing.length > 0) throw invalid(`Cannot put the source into '${dest}': the folder is not empty`);
    await mkdir(dest, { recursive: true });
    await cp(from, dest, { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false });
  }

  /**
   * Fills a private staging folder, hashes what landed there (not what the source holds now, which
   * may change meanwhile), then renames it into place; a snapshot already stored is kept as it is.
   */
  private async stage(fill: (staging: string) => Promise<void>): Promise<Snapshot> {
    await mkdir(this.root, { recursive: true });
    const staging = join(this.root, `.staging-${randomBytes(8).toString('hex')}`);
    await mkdir(staging, { mode: 0o700 });
    try {
      await fill(staging);
      const hash = await hashTree(staging);
      const path = join(this.root, hash);
      await chmod(staging, 0o755);
      try {
        await rename(staging, path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      }
      return { hash, path };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
}
