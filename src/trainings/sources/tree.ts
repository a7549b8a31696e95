/**
 * A source tree as Trainyard sees it: which entries count, their content hash, and the limits and
 * safety rules every way of bringing a tree in (a folder, an uploaded archive) shares.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import { invalid } from '../../errors.js';

/** Never part of a source: version-control data, installed packages, caches, Trainyard's own folder. */
export const SKIPPED_NAMES: ReadonlySet<string> = new Set(['.git', 'node_modules', '__pycache__', '.trainyard']);

export interface SnapshotLimits {
  /** Total bytes of file contents. */
  maxBytes: number;
  /** Files, folders and links together. */
  maxEntries: number;
}

export const DEFAULT_SNAPSHOT_LIMITS: SnapshotLimits = { maxBytes: 1024 ** 3, maxEntries: 100_000 };

export function isSkipped(relPath: string): boolean {
  return relPath.split('/').some((name) => SKIPPED_NAMES.has(name));
}

/** Only the executable bit survives, as in git: the hash must not depend on the submitter's umask. */
export function normalizedMode(mode: number): number {
  return mode & 0o111 ? 0o755 : 0o644;
}

/** Counts what comes in against the limits and refuses, naming what was being read, once they are passed. */
export class Budget {
  private bytes = 0;
  private entries = 0;

  constructor(
    private readonly limits: SnapshotLimits,
    private readonly what: string,
  ) {}

  entry(): void {
    if (++this.entries > this.limits.maxEntries) {
      throw invalid(`${this.what} holds more than ${this.limits.maxEntries} files and folders, the most a source snapshot takes; move data into a data binding`);
    }
  }

  add(bytes: number): void {
    this.bytes += bytes;
    if (this.bytes > this.limits.maxBytes) {
      throw invalid(
        `${this.what} is larger than ${formatBytes(this.limits.maxBytes)} (not counting ${[...SKIPPED_NAMES].join(', ')}), the most a source snapshot takes; move data into a data binding`,
      );
    }
  }

  get totals(): { bytes: number; entries: number } {
    return { bytes: this.bytes, entries: this.entries };
  }
}

function formatBytes(n: number): string {
  return n >= 1024 ** 3 ? `${n / 1024 ** 3} GiB` : n >= 1024 ** 2 ? `${n / 1024 ** 2} MiB` : `${n} bytes`;
}

export interface TreeEntry {
  /** '/'-separated, relative to the root. */
  path: string;
  kind: 'file' | 'dir' | 'symlink' | 'other';
  abs: string;
}

/** Every entry under root, depth first, children in name order, skipped names left out. */
export async function* walkTree(root: string, base = ''): AsyncGenerator<TreeEntry> {
  const children = await readdir(base ? join(root, base) : root, { withFileTypes: true });
  children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const child of children) {
    if (SKIPPED_NAMES.has(child.name)) continue;
    const path = base ? `${base}/${child.name}` : child.name;
    const abs = join(root, path);
    const kind = child.isSymbolicLink() ? 'symlink' : child.isDirectory() ? 'dir' : child.isFile() ? 'file' : 'other';
    yield { path, kind, abs };
    if (kind === 'dir') yield* walkTree(root, path);
  }
}

/**
 * The content hash of a tree: sha256 over its files and links in walk order, each with its path,
 * normalised mode and content hash (links: their target). Folders count only through what they hold.
 */
export async function hashTree(root: string): Promise<string> {
  const tree = createHash('sha256');
  for await (const entry of walkTree(root)) {
    if (entry.kind === 'file') {
      const content = await hashFile(entry.abs);
      tree.update(`F\0${entry.path}\0${normalizedMode((await lstat(entry.abs)).mode).toString(8)}\0${content}\0`);
    } else if (entry.kind === 'symlink') {
      tree.update(`L\0${entry.path}\0${await readlink(entry.abs)}\0`);
    }
  }
  return tree.digest('hex');
}

/** sha256 of a file's contents, hex, read as a stream. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Refuses a link that leads out of root. Lexically: its target, read from the link's folder, must
 * stay inside. On disk: resolved through every link on the way, it must land inside too, so chains
 * of individually harmless links cannot escape. A dangling link is accepted only without '..' in
 * its target: resolved later from another place (the workspace), such a target could reach out.
 */
export async function checkLinkInside(root: string, link: string, what: string): Promise<void> {
  const target = await readlink(link);
  const rel = relative(root, link).split(sep).join('/');
  const refuse = () => invalid(`${what}: the symbolic link '${rel}' points outside the source (to '${target}')`);
  if (posix.isAbsolute(target) || escapes(posix.join(posix.dirname(rel), target))) throw refuse();
  let resolved: string;
  try {
    resolved = await realpath(link);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (target.split('/').includes('..')) throw refuse();
    return;
  }
  if (escapes(relative(await realpath(root), resolved).split(sep).join('/'))) throw refuse();
}

function escapes(rel: string): boolean {
  const normalized = posix.normalize(rel);
  return normalized === '..' || normalized.startsWith('../') || posix.isAbsolute(normalized);
}
