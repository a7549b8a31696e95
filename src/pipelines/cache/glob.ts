/**
 * Globs for a task's `code`: `*` and `?` within one path segment, `**` across segments,
 * `[abc]` / `[!abc]` classes and `{a,b}` alternatives. A glob that names a folder takes
 * everything under it (`src` = `src/**`).
 */
import { invalid } from '../../errors.js';

export function globToRegExp(glob: string): RegExp {
  let re = '';
  let i = 0;
  let braces = 0;
  while (i < glob.length) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const atStart = i === 0 || glob[i - 1] === '/';
        const atEnd = i + 2 === glob.length || glob[i + 2] === '/';
        if (atStart && atEnd) {
          // `**/` matches zero or more folders; a trailing `**` anything below.
          re += i + 2 === glob.length ? '.*' : '(?:[^/]+/)*';
          i += i + 2 === glob.length ? 2 : 3;
          continue;
        }
      }
      re += '[^/]*';
      i += glob[i + 1] === '*' ? 2 : 1;
    } else if (c === '?') {
      re += '[^/]';
      i++;
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) throw invalid(`the glob '${glob}' has an unclosed '['`);
      let body = glob.slice(i + 1, end);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end + 1;
    } else if (c === '{') {
      braces++;
      re += '(?:';
      i++;
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
      i++;
    } else if (c === ',' && braces > 0) {
      re += '|';
      i++;
    } else {
      re += c.replace(/[.+^${}()|\\]/g, '\\$&');
      i++;
    }
  }
  if (braces > 0) throw invalid(`the glob '${glob}' has an unclosed '{'`);
  return new RegExp(`^${re.replace(/\/$/, '')}(?:/.*)?$`);
}

/** A predicate over '/'-separated relative paths: true when any glob matches. */
export function globMatcher(globs: readonly string[]): (path: string) => boolean {
  const res = globs.map((g) => globToRegExp(g.replace(/^\.\//, '')));
  return (path) => res.some((r) => r.test(path));
}
