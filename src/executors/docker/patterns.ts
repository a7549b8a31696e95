/**
 * Path patterns as Docker reads them: `.dockerignore` rules (with `**` and `!` exceptions, the
 * last matching rule wins, a rule matching a folder covers what is inside it) and the globs of
 * COPY/ADD sources (`*`, `?` and `[...]` within one path segment). Paths are context-relative
 * with `/` separators and no leading `./`.
 */

/** `a/./b/`, `/a//b`, `./a` → `a/b`; `..` that would leave the context is dropped, as Docker does. */
export function cleanContextPath(path: string): string {
  const out: string[] = [];
  for (const part of path.replaceAll('\\', '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

export function hasGlob(pattern: string): boolean {
  return /[*?[\\]/.test(pattern);
}

/**
 * A regular expression for one pattern: `*` and `?` stay inside a segment, `[...]` is a class
 * (`[^...]`/`[!...]` negated), `\x` is a literal x, and with `doubleStar` `**` spans segments.
 */
export function patternRegExp(pattern: string, doubleStar: boolean): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (doubleStar && pattern[i + 1] === '*') {
        i++;
        // `**/` also matches no folder at all: `**/x` matches `x`.
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negated = body.startsWith('^') || body.startsWith('!');
      if (negated) body = body.slice(1);
      re += `[${negated ? '^/' : ''}${body.replace(/[\]\\^]/g, (m) => `\\${m}`)}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, 's');
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

interface IgnoreRule {
  re: RegExp;
  exclude: boolean;
}

/** The rules of a `.dockerignore` file. */
export class DockerIgnore {
  private readonly rules: IgnoreRule[];
  /** With no `!` rule, an excluded folder can be skipped whole. */
  readonly hasExceptions: boolean;

  constructor(text: string) {
    this.rules = [];
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const exclude = !line.startsWith('!');
      const pattern = cleanContextPath(exclude ? line : line.slice(1).trim());
      if (pattern === '') continue;
      this.rules.push({ re: patternRegExp(pattern, true), exclude });
    }
    this.hasExceptions = this.rules.some((r) => !r.exclude);
  }

  /** Whether `path` (a file or a folder) is left out: a rule matches it or a folder above it. */
  ignores(path: string): boolean {
    const parts = path.split('/');
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/')).reverse();
    let excluded = false;
    for (const rule of this.rules) {
      if (candidates.some((c) => rule.re.test(c))) excluded = rule.exclude;
    }
    return excluded;
  }
}

/**
 * Whether a COPY/ADD source brings in the context file `path`: the source names the file, or a
 * folder above it, exactly or by glob. `''` (from `.`) is the whole context.
 */
export function sourceMatcher(source: string): (path: string) => boolean {
  const clean = cleanContextPath(source);
  if (clean === '') return () => true;
  if (!hasGlob(clean)) return (path) => path === clean || path.startsWith(`${clean}/`);
  const re = patternRegExp(clean, false);
  const depth = clean.split('/').length;
  return (path) => {
    const parts = path.split('/');
    return parts.length >= depth && re.test(parts.slice(0, depth).join('/'));
  };
}
