import { invalid } from '../../errors.js';
import type { Clause, Comparator, GrammarProfile, NumericComparator } from './grammar.js';
import { identifierLength, list, resolveIdentifier } from './identifier.js';
import { tokenize, type Token } from './tokens.js';

/**
 * Parses an MLflow filter string (`metrics.rmse < 0.5 and params.alpha = '0.1'`) into clauses
 * checked against `profile`. An empty or blank filter gives no clauses. Any problem is an
 * INVALID_PARAMETER_VALUE naming it and quoting the clause.
 */
export function parseFilter(filter: string | undefined | null, profile: GrammarProfile): Clause[] {
  if (filter === undefined || filter === null || filter.trim() === '') return [];
  const tokens = tokenize(filter, 'filter');
  const or = tokens.find((t, i) => isKeyword(tokens, i, 'OR'));
  if (or) {
    throw invalid(`Invalid clause(s) in filter string: 'OR'. Only AND-ed comparisons are supported; OR is not (filter: '${filter}').`);
  }
  const clauses: Clause[] = [];
  let start = 0;
  for (;;) {
    let end = start;
    while (end < tokens.length && !isKeyword(tokens, end, 'AND')) end++;
    if (end === start) {
      throw invalid(`Invalid filter '${filter}': expected a comparison ${start === 0 ? 'before' : 'after'} 'AND' at position ${tokens[start]?.start ?? filter.length}.`);
    }
    clauses.push(parseClause(filter, tokens.slice(start, end), profile));
    if (end === tokens.length) return clauses;
    start = end + 1;
  }
}

function isKeyword(tokens: readonly Token[], i: number, word: string): boolean {
  const t = tokens[i]!;
  if (t.kind !== 'word' || t.text.toUpperCase() !== word) return false;
  // A word glued to a preceding dot is part of a key (params.and), not a keyword.
  const prev = tokens[i - 1];
  return !(prev?.kind === 'dot' && prev.end === t.start);
}

function parseClause(filter: string, tokens: Token[], profile: GrammarProfile): Clause {
  const text = filter.slice(tokens[0]!.start, tokens[tokens.length - 1]!.end);
  const fail = (problem: string) => invalid(`Invalid filter clause '${text}': ${problem}.`);

  const idLength = identifierLength(tokens);
  if (idLength === 0) {
    const first = tokens[0]!;
    const what = first.kind === 'quoted' ? `the string '${first.text}'` : `'${first.text}'`;
    throw fail(`expected an identifier such as metrics.<key> but found ${what}; keys are unquoted, \`backquoted\` or "double-quoted"`);
  }
  const resolved = resolveIdentifier(tokens.slice(0, idLength), profile, 'filter');
  if (!resolved.ok) throw fail(resolved.problem);
  const { entity, key, rule } = resolved.value;
  const what = `${entity.entity} '${key}'`;

  let i = idLength;
  const { comparator, next } = readComparator(tokens, i, fail);
  i = next;
  if (!rule.comparators.includes(comparator)) {
    throw fail(`invalid comparator '${comparator}' for ${what}; it must be one of ${list(rule.comparators)}`);
  }

  const base = { entity: entity.entity, key, type: rule.type, text };
  let clause: Clause;
  if (comparator === 'IS NULL' || comparator === 'IS NOT NULL') {
    clause = { ...base, comparator, value: null };
  } else if (comparator === 'IN' || comparator === 'NOT IN') {
    const { values, next: after } = readList(tokens, i, what, fail);
    i = after;
    clause = { ...base, comparator, value: values };
  } else {
    const token = tokens[i];
    if (!token) throw fail(`missing a value after '${comparator}'`);
    i++;
    if (rule.type === 'number') {
      if (token.kind !== 'number') throw fail(`expected a numeric value for ${what} but found ${describe(token)}`);
      const value = Number(token.text);
      if (Number.isNaN(value)) throw fail(`'${token.text}' is not a number`);
      if (comparator === 'LIKE' || comparator === 'ILIKE') throw fail(`'${comparator}' needs a string key`);
      clause = { ...base, type: 'number', comparator, value };
    } else {
      if (token.kind !== 'quoted') {
        throw fail(`expected a quoted string value for ${what} (e.g. 'my-value') but found ${describe(token)}; use single or double quotes`);
      }
      clause =
        comparator === 'LIKE' || comparator === 'ILIKE'
          ? { ...base, comparator, value: token.text }
          : { ...base, type: 'string', comparator, value: token.text };
    }
  }
  if (i < tokens.length) {
    throw fail(`found ${describe(tokens[i]!)} after the comparison; a clause is '<key> <comparator> <value>' and clauses are joined with AND`);
  }
  return clause;
}

type Fail = (problem: string) => Error;

function readComparator(tokens: readonly Token[], i: number, fail: Fail): { comparator: Comparator; next: number } {
  const t = tokens[i];
  if (!t) throw fail('missing a comparator after the key');
  if (t.kind === 'op') {
    if (!['=', '!=', '<', '<=', '>', '>='].includes(t.text)) throw fail(`invalid comparator '${t.text}'`);
    return { comparator: t.text as NumericComparator, next: i + 1 };
  }
  const word = t.kind === 'word' ? t.text.toUpperCase() : '';
  const after = tokens[i + 1]?.kind === 'word' ? tokens[i + 1]!.text.toUpperCase() : '';
  if (word === 'LIKE' || word === 'ILIKE' || word === 'IN') return { comparator: word, next: i + 1 };
  if (word === 'NOT' && after === 'IN') return { comparator: 'NOT IN', next: i + 2 };
  if (word === 'NOT') throw fail(`invalid comparator 'NOT ${tokens[i + 1]?.text ?? ''}'`.trimEnd());
  if (word === 'IS') {
    if (after === 'NULL') return { comparator: 'IS NULL', next: i + 2 };
    const third = tokens[i + 2]?.kind === 'word' ? tokens[i + 2]!.text.toUpperCase() : '';
    if (after === 'NOT' && third === 'NULL') return { comparator: 'IS NOT NULL', next: i + 3 };
    throw fail(`'IS' must be followed by NULL or NOT NULL`);
  }
  throw fail(`expected a comparator after the key but found ${describe(t)}`);
}

function readList(tokens: readonly Token[], i: number, what: string, fail: Fail): { values: string[]; next: number } {
  if (tokens[i]?.kind !== 'lparen') throw fail(`IN and NOT IN take a parenthesised list of quoted strings, e.g. ('a', 'b')`);
  i++;
  const values: string[] = [];
  for (;;) {
    const t = tokens[i];
    if (t?.kind === 'rparen' && values.length === 0) throw fail('the value list is empty');
    if (t?.kind !== 'quoted') throw fail(`expected a quoted string in the value list for ${what} but found ${t ? describe(t) : 'the end'}`);
    values.push(t.text);
    const sep = tokens[i + 1];
    i += 2;
    if (sep?.kind === 'rparen') return { values, next: i };
    if (sep?.kind !== 'comma') throw fail(`the value list is not closed with ')'`);
  }
}

function describe(t: Token): string {
  if (t.kind === 'quoted') return `the string ${t.quote}${t.text}${t.quote}`;
  if (t.kind === 'number') return `the number ${t.text}`;
  if (t.kind === 'backquoted') return `\`${t.text}\``;
  return `'${t.text}'`;
}
