/**
 * Types shared by the filter and order_by parsers: the comparators, the "grammar profile" a search
 * endpoint hands to the parser (which prefixes and keys exist, their value types and comparators),
 * and the typed AST the parser produces.
 */

export type NumericComparator = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type Comparator = NumericComparator | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN' | 'IS NULL' | 'IS NOT NULL';
export type ValueType = 'number' | 'string';

export const NUMERIC_COMPARATORS: readonly Comparator[] = ['=', '!=', '<', '<=', '>', '>='];
export const STRING_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
export const NULL_COMPARATORS: readonly Comparator[] = ['IS NULL', 'IS NOT NULL'];
export const LIST_COMPARATORS: readonly Comparator[] = ['IN', 'NOT IN'];

/** What one key (or every key of an open entity) accepts. */
export interface KeyRule {
  type: ValueType;
  /** Comparators allowed in filters; empty means the key cannot be filtered on. */
  comparators: readonly Comparator[];
  /** Whether the key may appear in order_by. */
  orderable: boolean;
}

/** One kind of thing a key can name: metrics, params, tags, attributes, datasets... */
export interface EntityRule {
  /** Name carried in the AST and used in messages, e.g. 'metric', 'param', 'attribute'. */
  entity: string;
  /** Prefixes accepted before the first dot, matched case-sensitively (e.g. ['metric', 'metrics']). */
  prefixes: readonly string[];
  /** Open entities (metrics, params, tags) accept any key under this rule. */
  anyKey?: KeyRule;
  /** Closed entities (attributes, datasets) accept only these keys. */
  keys?: Readonly<Record<string, KeyRule>>;
  /** Alternative spellings of closed keys, mapped to the canonical key in `keys` (created → start_time). */
  aliases?: Readonly<Record<string, string>>;
}

export interface GrammarProfile {
  /** What the search is over, for messages ('runs', 'experiments', ...). */
  subject: string;
  entities: readonly EntityRule[];
  /** The entity of an identifier written without a prefix, usually 'attribute'; none requires a prefix. */
  bareEntity?: string;
}

interface ClauseBase {
  entity: string;
  /** The key, canonical for closed entities (aliases resolved), unquoted. */
  key: string;
  type: ValueType;
  /** The clause as written, for messages. */
  text: string;
}

/** One `identifier comparator value` clause of a filter; the filter is the AND of its clauses. */
export type Clause =
  | (ClauseBase & { type: 'number'; comparator: NumericComparator; value: number })
  | (ClauseBase & { type: 'string'; comparator: NumericComparator; value: string })
  | (ClauseBase & { comparator: 'LIKE' | 'ILIKE'; value: string })
  | (ClauseBase & { comparator: 'IN' | 'NOT IN'; value: string[] })
  | (ClauseBase & { comparator: 'IS NULL' | 'IS NOT NULL'; value: null });

/** One order_by entry. */
export interface OrderKey {
  entity: string;
  key: string;
  type: ValueType;
  ascending: boolean;
  /** The entry as written, for messages. */
  text: string;
}
