import type { Kysely } from 'kysely';

/**
 * Pipelines: runs and their task states (so a runner that dies is resumed by another), the
 * content-addressed cache of task results, and cron schedules with their firings.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pipeline_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    // The validated spec (with its source snapshot), the resolved parameters and the forced tasks, as JSON.
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('force', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('run_id', 'text')
    .addColumn('schedule_id', 'text')
    // The process driving the run and when it last said so; a stale heartbeat lets another take over.
    .addColumn('runner', 'text')
    .addColumn('heartbeat_at', 'bigint')
    .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema.createIndex('pipeline_runs_name').on('pipeline_runs').columns(['name', 'created_at']).execute();
  await db.schema.createIndex('pipeline_runs_state').on('pipeline_runs').columns(['state', 'heartbeat_at']).execute();
  await db.schema.createIndex('pipeline_runs_schedule').on('pipeline_runs').columns(['schedule_id', 'created_at']).execute();

  await db.schema
    .createTable('pipeline_tasks')
    .addColumn('pipeline_run_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    // Topological position, for listing in a stable order.
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('cache_key', 'text')
    .addColumn('key_parts', 'text')
    .addColumn('job_id', 'text')
    .addColumn('run_id', 'text')
    // An inline training task runs as this training.
    .addColumn('training_id', 'text')
    .addColumn('cached_from', 'text')
    .addColumn('outputs', 'text')
    .addColumn('exit_code', 'integer')
    .addColumn('message', 'text')
    .addColumn('retry_at', 'bigint')
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addPrimaryKeyConstraint('pipeline_tasks_pk', ['pipeline_run_id', 'name'])
    .execute();

  await db.schema
    .createTable('pipeline_cache')
    .addColumn('cache_key', 'text', (c) => c.primaryKey())
    .addColumn('pipeline', 'text', (c) => c.notNull())
    .addColumn('task', 'text', (c) => c.notNull())
    .addColumn('key_parts', 'text', (c) => c.notNull())
    .addColumn('outputs', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .addColumn('pipeline_run_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('pipeline_cache_task').on('pipeline_cache').columns(['pipeline', 'task', 'created_at']).execute();

  await db.schema
    .createTable('schedules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('next_fire_at', 'bigint')
    .addColumn('last_fire_at', 'bigint')
    .addColumn('last_target', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('schedules_next').on('schedules').columns(['next_fire_at']).execute();

  await db.schema
    .createTable('schedule_firings')
    .addColumn('schedule_id', 'text', (c) => c.notNull())
    // The cron time this firing is for; the primary key makes each time fire at most once.
    .addColumn('fire_at', 'bigint', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('message', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('schedule_firings_pk', ['schedule_id', 'fire_at'])
    .execute();
  await db.schema.createIndex('schedule_firings_state').on('schedule_firings').columns(['schedule_id', 'state']).execute();
}
