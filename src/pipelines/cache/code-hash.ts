/**
 * The content hash of a task's code: the files of the pipeline source under its work directory
 * that its `code` globs select (all of them by default), each with its path, normalised mode and
 * content. A snapshot never changes, so its file list and file hashes are computed once per
 * process and shared by every task and every run over it.
 */
import { createHash } from 'node:crypto';
import { lstat, readlink } from 'node:fs/promises';
import { hashFile, normalizedMode, walkTree } from '../../trainings/sources/tree.js';
import { globMatcher } from './glob.js';

interface SnapshotFile {
  path: string;
  abs: string;
  link: boolean;
  digest?: Promise<string>;
}

const MAX_SNAPSHOTS = 32;

export class CodeHasher {
  private readonly snapshots = new Map<string, Promise<SnapshotFile[]>>();

  /**
   * Hash of the selected files; `root` is a stored (immutable) snapshot folder or undefined for a
   * pipeline without source. `extra` files (relative to workDir) always count, e.g. the MLproject.
   */
  async hash(root: string | undefined, workDir: string, globs: readonly string[] | null, extra: readonly string[] = []): Promise<{ hash: string; files: number }> {
    const h = createHash('sha256');
    let files = 0;
    if (root !== undefined) {
      const prefix = workDir === '.' ? '' : `${workDir}/`;
      const selected = globs === null ? () => true : globMatcher([...globs, ...extra]);
      for (const f of await this.files(root)) {
        if (!f.path.startsWith(prefix)) continue;
        const rel = f.path.slice(prefix.length);
        if (!selected(rel)) continue;
        files++;
        h.update(`${rel}\0${await this.digest(f)}\0`);
      }
    }
    return { hash: h.digest('hex'), files };
  }

  private files(root: string): Promise<SnapshotFile[]> {
    let listed = this.snapshots.get(root);
    if (!listed) {
      if (this.snapshots.size >= MAX_SNAPSHOTS) this.snapshots.delete(this.snapshots.keys().next().value!);
      listed = (async () => {
        const out: SnapshotFile[] = [];
        for await (const e of walkTree(root)) if (e.kind === 'file' || e.kind === 'symlink') out.push({ path: e.path, abs: e.abs, link: e.kind === 'symlink' });
        return out;
      })();
      listed.catch(() => this.snapshots.delete(root));
      this.snapshots.set(root, listed);
    }
    return listed;
  }

  private digest(f: SnapshotFile): Promise<string> {
    f.digest ??= f.link
      ? readlink(f.abs).then((target) => `L${target}`)
      : Promise.all([hashFile(f.abs), lstat(f.abs)]).then(([d, s]) => `F${normalizedMode(s.mode).toString(8)}:${d}`);
    return f.digest;
  }
}
