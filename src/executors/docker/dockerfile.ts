/**
 * Just enough of a Dockerfile to know what goes into the image it builds: the images its stages
 * start FROM (and COPY --from), and the build-context paths its COPY/ADD instructions read. When
 * a source cannot be known without building (a variable in it), the whole context counts.
 */
import { invalid } from '../../errors.js';

export interface DockerfileInputs {
  /** Image references the build starts from or copies from (not stage names, not `scratch`). */
  images: { ref: string; line: number }[];
  /** COPY/ADD sources in the context ('' = all of it), context-relative as written. */
  sources: string[];
  /** A source holds a variable, so which files it reads is known only while building. */
  wholeContext: boolean;
  /** ADD sources that are URLs: their text is part of the hash, their content is not. */
  urls: string[];
}

interface Instruction {
  line: number;
  keyword: string;
  args: string;
}

/** Splits a Dockerfile into instructions: directives, comments, continuations handled. */
export function instructions(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  let escape = '\\';
  let i = 0;
  // Parser directives (`# escape=`) come first, before any other line, comment or instruction.
  for (; i < lines.length; i++) {
    const m = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(lines[i]!);
    if (!m) break;
    if (m[1]!.toLowerCase() === 'escape' && (m[2] === '`' || m[2] === '\\')) escape = m[2]!;
  }
  const out: Instruction[] = [];
  let current: { line: number; text: string } | undefined;
  for (; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (current === undefined && (trimmed === '' || trimmed.startsWith('#'))) continue;
    // Comment and empty lines inside a continued instruction are dropped.
    if (current !== undefined && (trimmed === '' || trimmed.startsWith('#'))) continue;
    const continued = trimmed.endsWith(escape);
    const part = continued ? trimmed.slice(0, -1) : trimmed;
    if (current === undefined) current = { line: i + 1, text: part };
    else current.text += ` ${part}`;
    if (!continued) {
      out.push(split(current));
      current = undefined;
    }
  }
  if (current !== undefined) out.push(split(current));
  return out;
}

function split(c: { line: number; text: string }): Instruction {
  const m = /^(\S+)\s*(.*)$/s.exec(c.text.trim())!;
  return { line: c.line, keyword: m[1]!.toUpperCase(), args: m[2]!.trim() };
}

/** What the Dockerfile reads from images and from the build context. */
export function dockerfileInputs(text: string, file = 'Dockerfile'): DockerfileInputs {
  const globalArgs = new Map<string, string | undefined>();
  const stages = new Set<string>();
  const out: DockerfileInputs = { images: [], sources: [], wholeContext: false, urls: [] };
  let seenFrom = false;
  for (const ins of instructions(text)) {
    if (ins.keyword === 'ARG' && !seenFrom) {
      for (const def of ins.args.split(/\s+/)) {
        const eq = def.indexOf('=');
        if (eq < 0) globalArgs.set(def, undefined);
        else globalArgs.set(def.slice(0, eq), unquote(def.slice(eq + 1)));
      }
    } else if (ins.keyword === 'FROM') {
      seenFrom = true;
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      if (words.length === 0) throw invalid(`${file} line ${ins.line}: FROM needs an image`);
      const ref = substitute(words[0]!, globalArgs, `${file} line ${ins.line}`);
      if (ref.toLowerCase() !== 'scratch' && !stages.has(ref.toLowerCase())) out.images.push({ ref, line: ins.line });
      if (words.length >= 3 && words[1]!.toLowerCase() === 'as') stages.add(words[2]!.toLowerCase());
    } else if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
      const { flags, words } = copyArgs(ins.args);
      if (words.length < 2) throw invalid(`${file} line ${ins.line}: ${ins.keyword} needs a source and a destination`);
      const from = flags.get('from');
      if (from !== undefined) {
        // From another stage, or from an image (then that image is an input).
        if (!stages.has(from.toLowerCase()) && !/^\d+$/.test(from)) out.images.push({ ref: from, line: ins.line });
        continue;
      }
      for (const source of words.slice(0, -1)) {
        if (ins.keyword === 'ADD' && /^(https?:\/\/|git@)/.test(source)) out.urls.push(source);
        else if (source.includes('$')) out.wholeContext = true;
        else out.sources.push(source);
      }
    }
  }
  if (!seenFrom) throw invalid(`${file}: no FROM instruction; a Dockerfile starts from an image (or scratch)`);
  return out;
}

/** COPY/ADD arguments: leading `--flag=value` options, then sources and destination (JSON or words). */
function copyArgs(args: string): { flags: Map<string, string>; words: string[] } {
  const flags = new Map<string, string>();
  let rest = args;
  for (;;) {
    const m = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest);
    if (!m) break;
    flags.set(m[1]!, m[2] ?? '');
    rest = rest.slice(m[0].length);
  }
  if (rest.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(rest);
      if (Array.isArray(parsed) && parsed.every((w) => typeof w === 'string')) return { flags, words: parsed as string[] };
    } catch {
      // Not JSON after all: Docker then reads it as words too.
    }
  }
  return { flags, words: rest.split(/\s+/).filter((w) => w !== '') };
}

function unquote(s: string): string {
  return /^(["']).*\1$/s.test(s) ? s.slice(1, -1) : s;
}

/** `$NAME`, `${NAME}` and `${NAME:-default}` from the ARGs declared before the first FROM. */
function substitute(text: string, args: Map<string, string | undefined>, where: string): string {
  return text.replace(/\$(?:\{([A-Za-z_]\w*)(?::-([^}]*))?\}|([A-Za-z_]\w*))/g, (_m, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    const value = args.get(name) ?? fallback;
    if (value === undefined) {
      throw invalid(`${where}: FROM uses \$${name}, which has no default value (declare ARG ${name}=... before FROM; Trainyard passes no build arguments)`);
    }
    return value;
  });
}
