/**
 * Build contexts: the files of a folder that Docker would see (after `.dockerignore`), the subset
 * a Dockerfile copies, their content hashes, and the tar stream sent to the daemon. Symbolic links
 * go in as links, never followed, so nothing outside the context is read.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pack } from 'tar-stream';
import { DockerIgnore, sourceMatcher } from './patterns.js';

export interface ContextFile {
  /** Context-relative, `/`-separated. */
  path: string;
  /** Absolute path on this machine; absent for generated files. */
  abs?: string;
  /** Generated content (a Dockerfile Trainyard writes). */
  content?: Buffer;
  kind: 'file' | 'symlink';
  mode: number;
  size: number;
  mtime: Date;
  linkname?: string;
}

/**
 * Every file and link of `dir` that Docker would put into the build context; entries named in
 * `skipNames` (at any depth) are left out as if they did not exist.
 */
export async function contextFiles(dir: string, skipNames: readonly string[] = []): Promise<ContextFile[]> {
  const ignoreText = await readFile(join(dir, '.dockerignore'), 'utf8').catch(() => '');
  const ignore = new DockerIgnore(ignoreText);
  const out: ContextFile[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(rel === '' ? dir : join(dir, rel), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (skipNames.includes(e.name)) continue;
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      const abs = join(dir, path);
      const ignored = ignore.ignores(path);
      if (e.isDirectory()) {
        // An excluded folder may still hold an exception (`!dir/keep`): only then look inside.
        if (!ignored || ignore.hasExceptions) await walk(path);
        continue;
      }
      if (ignored || !(e.isFile() || e.isSymbolicLink())) continue;
      const st = await lstat(abs);
      if (e.isSymbolicLink()) out.push({ path, abs, kind: 'symlink', mode: st.mode & 0o7777, size: 0, mtime: st.mtime, linkname: await readlink(abs) });
      else out.push({ path, abs, kind: 'file', mode: st.mode & 0o7777, size: st.size, mtime: st.mtime });
    }
  };
  await walk('');
  return out;
}

/** One file of the context, read whatever `.dockerignore` says (the daemon always gets the Dockerfile); undefined when missing. */
export async function contextEntry(dir: string, path: string): Promise<ContextFile | undefined> {
  const abs = join(dir, path);
  const st = await lstat(abs).catch(() => undefined);
  if (st?.isSymbolicLink()) return { path, abs, kind: 'symlink', mode: st.mode & 0o7777, size: 0, mtime: st.mtime, linkname: await readlink(abs) };
  if (st?.isFile()) return { path, abs, kind: 'file', mode: st.mode & 0o7777, size: st.size, mtime: st.mtime };
  return undefined;
}

/** The files a set of COPY/ADD sources brings in ('' or '.' = everything). */
export function selectFiles(files: ContextFile[], sources: string[]): ContextFile[] {
  const matchers = sources.map(sourceMatcher);
  return files.filter((f) => matchers.some((m) => m(f.path)));
}

/** sha256 of a file's bytes (or a link's target), with its executable bits, which change the image. */
export async function fileDigest(f: ContextFile): Promise<string> {
  const hash = createHash('sha256');
  if (f.kind === 'symlink') hash.update(`link:${f.linkname}`);
  else if (f.content) hash.update(f.content);
  else await pipeline(createReadStream(f.abs!), hash);
  const kind = f.kind === 'symlink' ? 'l' : f.mode & 0o111 ? 'x' : '-';
  return `${kind}:${hash.digest('hex')}`;
}

/** A tar stream of the files, for the daemon's build endpoint. Read errors end the stream with an error. */
export function contextTar(files: ContextFile[]): NodeJS.ReadableStream {
  const tar = pack();
  void (async () => {
    try {
      for (const f of files) {
        const header = { name: f.path, mode: f.mode, mtime: f.mtime, uid: 0, gid: 0 };
        if (f.kind === 'symlink') {
          tar.entry({ ...header, type: 'symlink', linkname: f.linkname! });
        } else if (f.content) {
          tar.entry({ ...header, type: 'file', size: f.content.length }, f.content);
        } else {
          const entry = tar.entry({ ...header, type: 'file', size: f.size });
          await pipeline(createReadStream(f.abs!), entry);
        }
      }
      tar.finalize();
    } catch (err) {
      tar.destroy(err as Error);
    }
  })();
  // tar-stream's Pack is a streamx Readable: the same protocol, other typings.
  return tar as unknown as NodeJS.ReadableStream;
}

export function generatedFile(path: string, content: string | Buffer): ContextFile {
  const data = typeof content === 'string' ? Buffer.from(content) : content;
  return { path, content: data, kind: 'file', mode: 0o644, size: data.length, mtime: new Date(0) };
}
