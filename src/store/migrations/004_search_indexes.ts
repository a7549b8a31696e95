import type { Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';

/**
 * Covering indexes for search-runs, so walking runs in metric order and checking each run's
 * filter clauses never has to visit table rows:
 * - latest_metrics by (experiment_id, key, is_nan, value) with the run id, for the ordered walk;
 * - latest_metrics, params and tags by run and key with the value, for the per-run EXISTS checks.
 * Param and tag values can be thousands of characters, beyond PostgreSQL's B-tree row limit, so
 * those two exist only on SQLite; PostgreSQL checks them through the primary key.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('latest_metrics_walk')
    .on('latest_metrics')
    .columns(['experiment_id', 'key', 'is_nan', 'value', 'run_uuid'])
    .execute();
  await db.schema.createIndex('latest_metrics_run_value').on('latest_metrics').columns(['run_uuid', 'key', 'is_nan', 'value']).execute();
  if (dialectOf(db) === 'sqlite') {
    await db.schema.createIndex('params_run_value').on('params').columns(['run_uuid', 'key', 'value']).execute();
    await db.schema.createIndex('tags_run_value').on('tags').columns(['run_uuid', 'key', 'value']).execute();
  }
}
