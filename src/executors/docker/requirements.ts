/**
 * The build of "base image + pip requirements file": which files of the source it needs (the
 * requirements file, the files it includes with -r/-c, local wheels and --find-links folders),
 * and the Dockerfile Trainyard writes for it.
 */
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { invalid } from '../../errors.js';
import { cleanContextPath } from './patterns.js';

/** Where the needed files sit inside the image while pip runs. */
const BUILD_DIR = '/tmp/trainyard-requirements';
const MAX_INCLUDE_DEPTH = 8;

/** Options whose value is a file or folder (relative to the including file). */
const PATH_OPTIONS = new Set(['-r', '--requirement', '-c', '--constraint', '-f', '--find-links']);
const INCLUDE_OPTIONS = new Set(['-r', '--requirement', '-c', '--constraint']);

/** Context-relative paths the requirements file needs: itself, its includes and local packages. */
export async function requirementsSources(context: string, requirements: string): Promise<string[]> {
  const out = new Set<string>();
  const visit = async (path: string, depth: number, from: string): Promise<void> => {
    const clean = inside(path, from);
    if (out.has(clean)) return;
    out.add(clean);
    let text: string;
    try {
      text = await readFile(join(context, clean), 'utf8');
    } catch (err) {
      throw invalid(`${from}: cannot read ${clean} in the source: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (depth >= MAX_INCLUDE_DEPTH) throw invalid(`${clean}: requirements files include each other more than ${MAX_INCLUDE_DEPTH} levels deep`);
    const dir = posix.dirname(clean);
    for (const ref of localReferences(text)) {
      const target = posix.join(dir, ref.path);
      if (ref.include) await visit(target, depth + 1, clean);
      else out.add(inside(target, clean));
    }
  };
  await visit(requirements, 0, 'spec.requirements');
  return [...out];
}

interface LocalRef {
  path: string;
  include: boolean;
}

/** Local paths a requirements text refers to; URLs and index names are not files of the source. */
export function localReferences(text: string): LocalRef[] {
  const refs: LocalRef[] = [];
  for (const raw of text.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    const words = line.split(/\s+/);
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      const eq = w.indexOf('=');
      const option = w.startsWith('-') ? (eq > 0 ? w.slice(0, eq) : w) : undefined;
      if (option !== undefined && PATH_OPTIONS.has(option)) {
        const value = eq > 0 ? w.slice(eq + 1) : words[++i];
        if (value !== undefined && isLocal(value)) refs.push({ path: value, include: INCLUDE_OPTIONS.has(option) });
      } else if (i === 0 && option === undefined && looksLikePath(w)) {
        refs.push({ path: w, include: false });
      }
    }
  }
  return refs;
}

function isLocal(value: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !value.startsWith('/');
}

/** `./pkg`, `../x.whl`, `wheels/x-1.0-py3-none-any.whl`, `dist/x-1.0.tar.gz`: files, not names. */
function looksLikePath(word: string): boolean {
  if (!isLocal(word) || /[<>=!~;@]/.test(word)) return false;
  return word.startsWith('./') || word.startsWith('../') || /\.(whl|tar\.gz|zip)$/.test(word);
}

/** A path of the build context, refused when it climbs out of it. */
function inside(path: string, from: string): string {
  const normal = posix.normalize(path);
  if (normal.startsWith('../') || normal === '..' || posix.isAbsolute(normal)) {
    throw invalid(`${from}: '${path}' is outside the training's source; a requirements file may only refer to files inside it`);
  }
  return cleanContextPath(normal);
}

/** The Dockerfile of a requirements build; the needed files are copied under BUILD_DIR with their layout. */
export function requirementsDockerfile(base: string, requirements: string): string {
  const file = cleanContextPath(requirements);
  const dir = posix.dirname(file);
  const name = posix.basename(file);
  const pip = 'PIP_BREAK_SYSTEM_PACKAGES=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore python3 -m pip install -r';
  return [
    `FROM ${base}`,
    `COPY . ${BUILD_DIR}/`,
    `WORKDIR ${posix.join(BUILD_DIR, dir)}`,
    `RUN ${pip} ${shellQuote(name)}`,
    'WORKDIR /',
    '',
  ].join('\n');
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
