import { sql, type RawBuilder } from 'kysely';
import type { DialectName } from '../../store/dialect.js';
import { LINK } from '../inputs-links.js';
import type { Clause, OrderKey } from './grammar.js';
import { compare, textOrder, valueCondition } from './sql.js';

/**
 * The pieces of a search-runs query over `runs r`: one condition per filter clause, and the joins
 * and ORDER BY terms of the order keys. Each clause on params, tags, metrics or datasets is its own
 * EXISTS, answered through the (run_uuid, key) primary keys, so a run is checked with a few index
 * lookups wherever the planner finds it.
 */

/** Run attributes → runs columns. run_name is the column the mlflow.runName tag is kept in sync with. */
const ATTRIBUTE_COLUMNS: Record<string, string> = {
  run_id: 'run_uuid',
  run_name: 'name',
  status: 'status',
  user_id: 'user_id',
  artifact_uri: 'artifact_uri',
  start_time: 'start_time',
  end_time: 'end_time',
};
const NULLABLE_ATTRIBUTES = new Set(['end_time']);

const KV_TABLES: Record<string, string> = { param: 'params', tag: 'tags' };

export const DATASET_CONTEXT_TAG = 'mlflow.data.context';

/**
 * `run` is the run id the EXISTS subqueries correlate with. Walking latest_metrics by value, it
 * is the walked row's run id, so SQLite checks them before it looks the run up at all.
 */
export function clauseCondition(dialect: DialectName, c: Clause, run: RawBuilder<unknown> = sql.ref('r.run_uuid')): RawBuilder<boolean> {
  switch (c.entity) {
    case 'attribute':
      return valueCondition(dialect, sql.ref(`r.${ATTRIBUTE_COLUMNS[c.key]!}`), c);
    case 'metric':
      return sql<boolean>`EXISTS (SELECT 1 FROM latest_metrics x WHERE x.run_uuid = ${run} AND x.key = ${c.key} AND ${metricCondition(sql.ref('x.value'), sql.ref('x.is_nan'), c)})`;
    case 'param':
    case 'tag': {
      const table = sql.raw(KV_TABLES[c.entity]!);
      const row = sql`SELECT 1 FROM ${table} x WHERE x.run_uuid = ${run} AND x.key = ${c.key}`;
      if (c.comparator === 'IS NULL') return sql<boolean>`NOT EXISTS (${row})`;
      if (c.comparator === 'IS NOT NULL') return sql<boolean>`EXISTS (${row})`;
      return sql<boolean>`EXISTS (${row} AND ${valueCondition(dialect, sql.ref('x.value'), c)})`;
    }
    case 'dataset': {
      // A run matches when any one of its dataset inputs does.
      const inputs = sql`FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id`;
      const own = sql`i.destination_type = ${LINK.dataset.destination_type} AND i.destination_id = ${run} AND i.source_type = ${LINK.dataset.source_type}`;
      if (c.key === 'context') {
        return sql<boolean>`EXISTS (SELECT 1 ${inputs} JOIN input_tags t ON t.input_uuid = i.input_uuid AND t.name = ${DATASET_CONTEXT_TAG} WHERE ${own} AND ${valueCondition(dialect, sql.ref('t.value'), c)})`;
      }
      return sql<boolean>`EXISTS (SELECT 1 ${inputs} WHERE ${own} AND ${valueCondition(dialect, sql.ref(`d.${c.key === 'digest' ? 'digest' : 'name'}`), c)})`;
    }
    default:
      throw new Error(`no SQL for search entity '${c.entity}'`);
  }
}

/**
 * A latest-metric comparison. NaN is stored as value 0 with is_nan = 1 and follows IEEE rules:
 * it satisfies only `!=`, instead of comparing as 0 the way MLflow's SQL store lets it.
 */
export function metricCondition(value: RawBuilder<unknown>, isNan: RawBuilder<unknown>, c: Clause): RawBuilder<boolean> {
  if (c.type !== 'number' || typeof c.value !== 'number') throw new Error('metric clause without a number');
  if (c.comparator === '!=') return sql<boolean>`(${isNan} = 1 OR ${compare(value, '!=', c.value)})`;
  return sql<boolean>`${isNan} = 0 AND ${compare(value, c.comparator, c.value)}`;
}

export interface OrderPlan {
  /** LEFT JOINs bringing in the ordered params, tags and metrics. */
  joins: RawBuilder<unknown>[];
  terms: RawBuilder<unknown>[];
}

/**
 * Joins and ORDER BY terms for order keys. Per key, runs with a value come first and runs without
 * one last, whatever the direction; for metrics, NaN sits between the two. `alias` numbers the joins.
 */
export function orderPlan(dialect: DialectName, keys: readonly OrderKey[], firstAlias = 1): OrderPlan {
  const joins: RawBuilder<unknown>[] = [];
  const terms: RawBuilder<unknown>[] = [];
  keys.forEach((k, n) => {
    const dir = sql.raw(k.ascending ? 'ASC' : 'DESC');
    if (k.entity === 'attribute') {
      const column = ATTRIBUTE_COLUMNS[k.key]!;
      const ref = sql.ref(`r.${column}`);
      if (NULLABLE_ATTRIBUTES.has(k.key)) terms.push(sql`(${ref} IS NULL)`);
      // Run ids are lower-case hex, ordered alike by every collation; leaving them bare lets
      // PostgreSQL use the (experiment_id, start_time, run_uuid) index.
      terms.push(sql`${k.type === 'string' && column !== 'run_uuid' ? textOrder(dialect, ref) : ref} ${dir}`);
      return;
    }
    const alias = `o${firstAlias + n}`;
    const table = k.entity === 'metric' ? 'latest_metrics' : KV_TABLES[k.entity];
    if (!table) throw new Error(`cannot order runs by '${k.entity}'`);
    joins.push(sql`LEFT JOIN ${sql.raw(table)} ${sql.raw(alias)} ON ${sql.ref(`${alias}.run_uuid`)} = r.run_uuid AND ${sql.ref(`${alias}.key`)} = ${k.key}`);
    if (k.entity === 'metric') {
      terms.push(sql`(${sql.ref(`${alias}.run_uuid`)} IS NULL)`, sql.ref(`${alias}.is_nan`), sql`${sql.ref(`${alias}.value`)} ${dir}`);
    } else {
      const value = sql.ref(`${alias}.value`);
      terms.push(sql`(${value} IS NULL)`, sql`${textOrder(dialect, value)} ${dir}`);
    }
  });
  return { joins, terms };
}

/** MLflow's tie-breaks after the requested keys: start_time DESC (unless ordered by), then run id. */
export function withTieBreaks(keys: readonly OrderKey[]): OrderKey[] {
  const out = [...keys];
  const has = (key: string) => keys.some((k) => k.entity === 'attribute' && k.key === key);
  if (!has('start_time')) out.push({ entity: 'attribute', key: 'start_time', type: 'number', ascending: false, text: 'start_time DESC' });
  if (!has('run_id')) out.push({ entity: 'attribute', key: 'run_id', type: 'string', ascending: true, text: 'run_id ASC' });
  return out;
}
