import type { Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';

/**
 * Covering indexes for search-runs over latest_metrics, so a search never visits its table rows:
 * - (experiment_id, key, is_nan, value, run_uuid) for walking an experiment's runs in metric order;
 * - (run_uuid, key, is_nan, value) for checking a run's metric clauses — PostgreSQL only: on SQLite
 *   the table is clustered on (run_uuid, key), which already serves those lookups.
 * Measured on 100k runs (filter on a param and a metric, order by another metric, 100 results),
 * they halve the query's time against the primary key alone. Covering indexes for params and tags
 * gained nothing measurable (SQLite prefers their unique primary key).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('latest_metrics_walk')
    .on('latest_metrics')
    .columns(['experiment_id', 'key', 'is_nan', 'value', 'run_uuid'])
    .execute();
  if (dialectOf(db) === 'postgres') {
    await db.schema.createIndex('latest_metrics_run_value').on('latest_metrics').columns(['run_uuid', 'key', 'is_nan', 'value']).execute();
  }
}
