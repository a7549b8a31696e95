import type { Kysely } from 'kysely';

/** Connections, trainings and the durable job queue the dispatcher claims work from. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('connections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    // Non-secret fields as JSON; secret fields as one AES-256-GCM sealed JSON document.
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('secrets', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('trainings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('spec', 'text', (c) => c.notNull())
    // Bumped by every create/edit; status writes carry the generation they belong to and are
    // refused when the spec changed in the meantime.
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('exit_code', 'integer')
    .addColumn('reason', 'text')
    .addColumn('message', 'text')
    .addColumn('run_id', 'text')
    .addColumn('commit_id', 'text')
    .addColumn('source_hash', 'text')
    .addColumn('artifacts', 'text', (c) => c.notNull())
    .addColumn('model_name', 'text', (c) => c.notNull())
    .addColumn('model_version', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema.createIndex('trainings_state').on('trainings').columns(['state', 'created_at']).execute();
  await db.schema.createIndex('trainings_model').on('trainings').columns(['model_name', 'model_version']).execute();

  await db.schema
    .createTable('training_events')
    .addColumn('training_id', 'text', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .execute();
  await db.schema.createIndex('training_events_training').on('training_events').columns(['training_id', 'at']).execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_kind', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('executor', 'text', (c) => c.notNull())
    // The ExecJob as JSON: argv, env, paths, resources, image.
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('handle', 'text')
    .addColumn('worker', 'text')
    .addColumn('heartbeat_at', 'bigint')
    .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('exit_code', 'integer')
    .addColumn('reason', 'text')
    .addColumn('message', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema.createIndex('jobs_state').on('jobs').columns(['state', 'created_at']).execute();
  await db.schema.createIndex('jobs_owner').on('jobs').columns(['owner_kind', 'owner_id']).execute();
}
