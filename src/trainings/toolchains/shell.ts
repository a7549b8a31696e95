/**
 * POSIX shell quoting and `{name}` placeholder filling, shared by the `mlflow` and `command`
 * toolchains. Every value that reaches a shell goes through `shellQuote`, so a hyper-parameter
 * can hold spaces, quotes, `$`, backticks or newlines without changing the command's meaning.
 */
import { invalid } from '../../errors.js';

/** Characters that never need quoting in a POSIX shell word (the same set Python's shlex leaves bare). */
const SAFE_WORD = /^[\w@%+=:,./-]+$/;

/**
 * One shell word that the shell reads back as exactly `value`. Single quotes keep everything
 * literal (including newlines); an embedded single quote closes the quoting, adds an escaped
 * quote, and reopens it.
 */
export function shellQuote(value: string): string {
  if (value === '') return "''";
  if (SAFE_WORD.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A command line for logs and messages: each word quoted only where it has to be. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

export interface PlaceholderOptions {
  /** Turns a value into its text in the template (quoting for shells, identity for argv). */
  render: (value: string) => string;
  /** Names the template in errors, e.g. "spec.command" or "entry point 'main' of /src/MLproject". */
  where: string;
}

/** A placeholder name: the characters a hyper-parameter key may hold, minus the space. */
const PLACEHOLDER = /^\{([\w.\-:/]+)\}/;

/**
 * Fills `{name}` placeholders from `values`. `{{` and `}}` stand for literal braces (as in
 * MLflow's command templates). `${...}` is left to the shell, so commands may use environment
 * variables such as `${TRAINYARD_OUTPUT_DIR}`. Braces around anything that is not a name (e.g.
 * `awk '{print $1}'`) stay literal. A name with no value is an error naming it.
 */
export function fillPlaceholders(template: string, values: ReadonlyMap<string, string>, options: PlaceholderOptions): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const ch = template[i]!;
    const next = template[i + 1];
    if ((ch === '{' && next === '{') || (ch === '}' && next === '}')) {
      out += ch;
      i += 2;
      continue;
    }
    if (ch === '{' && template[i - 1] !== '$') {
      const m = PLACEHOLDER.exec(template.slice(i));
      if (m) {
        const name = m[1]!;
        const value = values.get(name);
        if (value === undefined) throw unknownPlaceholder(name, values, options.where);
        out += options.render(value);
        i += m[0].length;
        continue;
      }
    }
    out += ch;
    i += 1;
  }
  return out;
}

function unknownPlaceholder(name: string, values: ReadonlyMap<string, string>, where: string) {
  const known = [...values.keys()];
  const list = known.length > 0 ? `known: ${known.join(', ')}` : 'there are none';
  return invalid(
    `${where} uses the placeholder {${name}}, which is not a parameter (${list}); write {{ and }} for literal braces`,
  );
}
