import { sql, type Expression, type RawBuilder } from 'kysely';
import type { DialectName } from '../../store/dialect.js';
import type { Clause, NumericComparator } from './grammar.js';

/**
 * Dialect-aware SQL for search clauses, so SQLite and PostgreSQL answer alike: LIKE is
 * case-sensitive and ILIKE is not on both, neither has an escape character (MLflow patterns
 * use % and _ only), and strings order by code point.
 */

type Operand = Expression<unknown>;

const SQL_OPERATOR: Record<NumericComparator, string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/** `column <op> value` for = != < <= > >=, the value bound as a parameter. */
export function compare(column: Operand, comparator: NumericComparator, value: number | string): RawBuilder<boolean> {
  return sql<boolean>`${column} ${sql.raw(SQL_OPERATOR[comparator])} ${value}`;
}

/** LIKE (case-sensitive) or ILIKE (case-insensitive) with MLflow's % and _ wildcards. */
export function like(dialect: DialectName, column: Operand, comparator: 'LIKE' | 'ILIKE', pattern: string): RawBuilder<boolean> {
  if (dialect === 'postgres') {
    return comparator === 'LIKE' ? sql<boolean>`${column} LIKE ${pattern} ESCAPE ''` : sql<boolean>`${column} ILIKE ${pattern} ESCAPE ''`;
  }
  // SQLite's LIKE ignores ASCII case and case_sensitive_like is per connection (and deprecated),
  // so a case-sensitive LIKE becomes the equivalent GLOB; ILIKE lower-cases both sides.
  return comparator === 'LIKE' ? sql<boolean>`${column} GLOB ${likeToGlob(pattern)}` : sql<boolean>`lower(${column}) LIKE lower(${pattern})`;
}

/** A LIKE pattern as a GLOB pattern: % → *, _ → ?, and GLOB's own specials made literal. */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (const c of pattern) {
    if (c === '%') out += '*';
    else if (c === '_') out += '?';
    else if (c === '*' || c === '?' || c === '[') out += `[${c}]`;
    else out += c;
  }
  return out;
}

/** `column [NOT] IN (values...)`; values must be non-empty (the parser guarantees it). */
export function inList(column: Operand, values: readonly (string | number)[], negate: boolean): RawBuilder<boolean> {
  const items = sql.join(values.map((v) => sql`${v}`));
  return negate ? sql<boolean>`${column} NOT IN (${items})` : sql<boolean>`${column} IN (${items})`;
}

/** A string column as an ORDER BY term in code-point order on both engines. */
export function textOrder(dialect: DialectName, column: Operand): RawBuilder<unknown> {
  return dialect === 'postgres' ? sql`${column} COLLATE "C"` : sql`${column}`;
}

/** A clause's comparison applied to one column (the value column of a tag row, a runs column...). */
export function valueCondition(dialect: DialectName, column: Operand, c: Clause): RawBuilder<boolean> {
  switch (c.comparator) {
    case 'LIKE':
    case 'ILIKE':
      return like(dialect, column, c.comparator, c.value);
    case 'IN':
    case 'NOT IN':
      return inList(column, c.value, c.comparator === 'NOT IN');
    case 'IS NULL':
      return sql<boolean>`${column} IS NULL`;
    case 'IS NOT NULL':
      return sql<boolean>`${column} IS NOT NULL`;
    default:
      return compare(column, c.comparator, c.value);
  }
}
