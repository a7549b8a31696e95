import { Migrator, sql, type Kysely, type MigrationProvider } from 'kysely';
import { TrainyardError } from '../errors.js';
import { MIGRATIONS, SCHEMA_MAJOR } from './migrations/index.js';

export type MigrateMode = 'auto' | 'check' | 'upgrade';

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/**
 * Brings the schema up to date. Pending migrations of the current major version apply in one
 * transaction; a store from another major version is never changed here: the error says what to run.
 */
export async function migrate(db: Kysely<any>, mode: MigrateMode): Promise<void> {
  await db.schema
    .createTable('trainyard_schema')
    .ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('major', 'integer', (c) => c.notNull())
    .execute();
  const row = await db.selectFrom('trainyard_schema').select('major').where('id', '=', 1).executeTakeFirst();
  const major: number | undefined = row?.major;
  if (major !== undefined && major > SCHEMA_MAJOR) {
    throw new TrainyardError(
      'INVALID_STATE',
      `The database was written by a newer Trainyard (schema ${major}, this one knows ${SCHEMA_MAJOR}); upgrade Trainyard`,
    );
  }
  if (major !== undefined && major < SCHEMA_MAJOR && mode !== 'upgrade') {
    throw new TrainyardError(
      'INVALID_STATE',
      `The database has schema ${major} and this Trainyard needs ${SCHEMA_MAJOR}; back it up, then run 'trainyard db upgrade'`,
    );
  }

  const migrator = new Migrator({ db, provider });
  const pending = (await migrator.getMigrations()).filter((m) => m.executedAt === undefined);
  if (pending.length === 0 && major === SCHEMA_MAJOR) return;
  if (mode === 'check' && major !== undefined) {
    throw new TrainyardError('INVALID_STATE', `The database has ${pending.length} pending migration(s); run 'trainyard db upgrade'`);
  }
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new TrainyardError('INTERNAL_ERROR', `Migration ${failed} failed and was rolled back: ${(error as Error).message}`);
  }
  if (major === undefined) {
    await sql`insert into trainyard_schema (id, major) values (1, ${SCHEMA_MAJOR})`.execute(db);
  } else if (major !== SCHEMA_MAJOR) {
    await sql`update trainyard_schema set major = ${SCHEMA_MAJOR} where id = 1`.execute(db);
  }
}
