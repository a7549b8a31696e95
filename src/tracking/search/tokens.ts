import { invalid } from '../../errors.js';

/**
 * Tokens of MLflow's search language. `word` is a bare name or keyword, `quoted` a '…' or "…"
 * string, `backquoted` a `…` name, `op` a run of comparison symbols. Positions let the parser
 * glue adjacent pieces into one identifier (`tags."a b"`) and quote the clause an error is about.
 */
export type TokenKind = 'word' | 'number' | 'quoted' | 'backquoted' | 'dot' | 'op' | 'lparen' | 'rparen' | 'comma';

export interface Token {
  kind: TokenKind;
  /** Words and ops as written; quoted/backquoted: the content, unescaped; numbers: the literal. */
  text: string;
  /** For quoted tokens, the quote character. */
  quote?: "'" | '"';
  start: number;
  end: number;
}

const WORD_START = /[A-Za-z_]/;
// Keys may hold the characters MLflow allows in names (- : / included); dots split identifiers.
const WORD_CHAR = /[A-Za-z0-9_:/\-]/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const OP_CHAR = /[<>=!]/;

/** Splits a filter or order_by string into tokens; `what` names the string in errors ('filter'). */
export function tokenize(input: string, what: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    const prev = tokens[tokens.length - 1];
    const adjacent = prev !== undefined && prev.end === i;
    const afterName = adjacent && (prev.kind === 'word' || prev.kind === 'quoted' || prev.kind === 'backquoted');
    if (c === '.' && afterName) {
      i++;
      tokens.push({ kind: 'dot', text: '.', start, end: i });
    } else if (adjacent && prev.kind === 'dot' && WORD_CHAR.test(c)) {
      // A key after a dot may start with a digit: metrics.0_loss, tags.v1.2
      while (i < input.length && WORD_CHAR.test(input[i]!)) i++;
      tokens.push({ kind: 'word', text: input.slice(start, i), start, end: i });
    } else if (WORD_START.test(c)) {
      while (i < input.length && WORD_CHAR.test(input[i]!)) i++;
      tokens.push({ kind: 'word', text: input.slice(start, i), start, end: i });
    } else if (/[0-9.+-]/.test(c) && NUMBER.test(input.slice(i))) {
      const literal = NUMBER.exec(input.slice(i))![0];
      i += literal.length;
      tokens.push({ kind: 'number', text: literal, start, end: i });
    } else if (c === "'" || c === '"' || c === '`') {
      const { text, end } = readQuoted(input, i, what);
      i = end;
      if (c === '`') tokens.push({ kind: 'backquoted', text, start, end });
      else tokens.push({ kind: 'quoted', text, quote: c, start, end });
    } else if (c === '.') {
      i++;
      tokens.push({ kind: 'dot', text: '.', start, end: i });
    } else if (OP_CHAR.test(c)) {
      while (i < input.length && OP_CHAR.test(input[i]!)) i++;
      tokens.push({ kind: 'op', text: input.slice(start, i), start, end: i });
    } else if (c === '(' || c === ')' || c === ',') {
      i++;
      tokens.push({ kind: c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'comma', text: c, start, end: i });
    } else {
      throw invalid(`Invalid ${what} '${input}': unexpected character '${c}' at position ${i}.`);
    }
  }
  return tokens;
}

/**
 * Reads a quoted string starting at `open`. The quote is escaped by doubling it (SQL style) or by
 * a backslash; any other backslash stays as written, so LIKE patterns keep their characters.
 */
function readQuoted(input: string, open: number, what: string): { text: string; end: number } {
  const q = input[open]!;
  let text = '';
  let i = open + 1;
  while (i < input.length) {
    const c = input[i]!;
    if (c === '\\' && i + 1 < input.length) {
      const next = input[i + 1]!;
      text += next === q ? q : c + next;
      i += 2;
    } else if (c === q) {
      if (input[i + 1] === q) {
        text += q;
        i += 2;
      } else {
        return { text, end: i + 1 };
      }
    } else {
      text += c;
      i++;
    }
  }
  throw invalid(`Invalid ${what} '${input}': the string starting at position ${open} has no closing ${q}.`);
}
