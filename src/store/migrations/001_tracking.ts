import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';

/** Experiments, runs, params, tags, metrics and dataset inputs: the MLflow tracking model. */
export async function up(db: Kysely<any>): Promise<void> {
  const sqlite = dialectOf(db) === 'sqlite';
  await db.schema
    .createTable('experiments')
    .addColumn('experiment_id', sqlite ? 'integer' : 'bigint', (c) =>
      sqlite ? c.primaryKey() : c.primaryKey().generatedByDefaultAsIdentity(),
    )
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('artifact_location', 'text', (c) => c.notNull())
    .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
    .addColumn('creation_time', 'bigint', (c) => c.notNull())
    .addColumn('last_update_time', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('experiment_tags')
    .addColumn('experiment_id', 'bigint', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('experiment_tags_pk', ['experiment_id', 'key'])
    .execute();

  await db.schema
    .createTable('runs')
    .addColumn('run_uuid', 'text', (c) => c.primaryKey())
    .addColumn('experiment_id', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('start_time', 'bigint', (c) => c.notNull())
    .addColumn('end_time', 'bigint')
    .addColumn('deleted_time', 'bigint')
    .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
    .addColumn('artifact_uri', 'text', (c) => c.notNull())
    .execute();
  // The default search order is start_time DESC, run_uuid ASC within experiments.
  await db.schema.createIndex('runs_experiment_start').on('runs').columns(['experiment_id', 'start_time desc', 'run_uuid']).execute();

  for (const table of ['params', 'tags']) {
    await db.schema
      .createTable(table)
      .addColumn('run_uuid', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['run_uuid', 'key'])
      .execute();
    await db.schema.createIndex(`${table}_key`).on(table).columns(['key', 'run_uuid']).execute();
  }

  // Metric points are stored in chunks, one row per (run, key, request): a columnar blob of
  // steps, timestamps and values. Row-per-point tables cap ingestion near 250k points/s on SQLite;
  // chunks make a 1,000-point batch a handful of inserts and a 100k-point history a few reads.
  await db.schema
    .createTable('metric_chunks')
    .addColumn('chunk_id', sqlite ? 'integer' : 'bigint', (c) =>
      sqlite ? c.primaryKey() : c.primaryKey().generatedByDefaultAsIdentity(),
    )
    .addColumn('run_uuid', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('min_step', 'bigint', (c) => c.notNull())
    .addColumn('max_step', 'bigint', (c) => c.notNull())
    .addColumn('points', sqlite ? 'blob' : 'bytea', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('metric_chunks_series').on('metric_chunks').columns(['run_uuid', 'key', 'chunk_id']).execute();

  await db.schema
    .createTable('latest_metrics')
    .addColumn('run_uuid', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('step', 'bigint', (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addColumn('is_nan', 'integer', (c) => c.notNull())
    .addColumn('experiment_id', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('latest_metrics_pk', ['run_uuid', 'key'])
    // Clustered on SQLite: the row lives in its primary-key b-tree, so a run's latest values are
    // read without a second lookup and each upsert touches one b-tree fewer.
    .modifyEnd(sqlite ? sql`without rowid` : sql``)
    .execute();
  await db.schema
    .createTable('datasets')
    .addColumn('dataset_uuid', 'text', (c) => c.primaryKey())
    .addColumn('experiment_id', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('dataset_source_type', 'text', (c) => c.notNull())
    .addColumn('dataset_source', 'text', (c) => c.notNull())
    .addColumn('dataset_schema', 'text')
    .addColumn('dataset_profile', 'text')
    .addUniqueConstraint('datasets_identity', ['experiment_id', 'name', 'digest'])
    .execute();

  await db.schema
    .createTable('inputs')
    .addColumn('input_uuid', 'text', (c) => c.primaryKey())
    .addColumn('source_type', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('destination_type', 'text', (c) => c.notNull())
    .addColumn('destination_id', 'text', (c) => c.notNull())
    .addColumn('step', 'bigint', (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint('inputs_link', ['source_type', 'source_id', 'destination_type', 'destination_id'])
    .execute();
  await db.schema.createIndex('inputs_destination').on('inputs').columns(['destination_type', 'destination_id']).execute();

  await db.schema
    .createTable('input_tags')
    .addColumn('input_uuid', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('input_tags_pk', ['input_uuid', 'name'])
    .execute();
}
