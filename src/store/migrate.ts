import { Migrator, sql, type Kysely, type MigrationProvider } from 'kysely';
import { TrainyardError } from '../errors.js';
import type { DialectName } from './dialect.js';
import { MIGRATIONS, SCHEMA_MAJOR } from './migrations/index.js';

export type MigrateMode = 'auto' | 'check' | 'upgrade';

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** PostgreSQL advisory lock key that serializes Trainyard's migrations ("trainyard" in ASCII, truncated). */
const PG_MIGRATION_LOCK = 0x747261696e79;

/**
 * Brings the schema up to date. Pending migrations of the current major version apply in one
 * transaction; a store from another major version is never changed here: the error says what to run.
 *
 * Servers and embedded CLI commands may open a new database at the same moment, so the whole check
 * and upgrade runs under a database-wide lock taken first: SQLite's write lock (BEGIN IMMEDIATE,
 * waited for through busy_timeout), PostgreSQL's transaction advisory lock. Whoever comes second
 * finds the schema made.
 */
export async function migrate(db: Kysely<any>, dialect: DialectName, mode: MigrateMode): Promise<void> {
  // Most opens find the schema current: they read and never queue for the write lock.
  if (await isCurrent(db)) return;
  await db.connection().execute(async (conn) => {
    await sql.raw(dialect === 'sqlite' ? 'begin immediate' : 'begin').execute(conn);
    try {
      if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${sql.lit(PG_MIGRATION_LOCK)})`.execute(conn);
      await migrateLocked(conn, mode);
      await sql.raw('commit').execute(conn);
    } catch (err) {
      await sql.raw('rollback').execute(conn);
      throw err;
    }
  });
}

async function isCurrent(db: Kysely<any>): Promise<boolean> {
  let major: number | undefined;
  try {
    major = (await db.selectFrom('trainyard_schema').select('major').where('id', '=', 1).executeTakeFirst())?.major;
  } catch {
    return false; // no schema table yet: a new database
  }
  if (major !== SCHEMA_MAJOR) return false;
  const migrations = await new Migrator({ db, provider }).getMigrations();
  return migrations.every((m) => m.executedAt !== undefined);
}

async function migrateLocked(db: Kysely<any>, mode: MigrateMode): Promise<void> {
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

  // Our transaction holds the lock and makes the upgrade all-or-nothing; Kysely must not open its own.
  const migrator = new Migrator({ db, provider, disableTransactions: true });
  const pending = (await migrator.getMigrations()).filter((m) => m.executedAt === undefined);
  if (pending.length === 0 && major === SCHEMA_MAJOR) return;
  if (mode === 'check' && major !== undefined) {
    throw new TrainyardError('INVALID_STATE', `The database has ${pending.length} pending migration(s); run 'trainyard db upgrade'`);
  }
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new TrainyardError('INTERNAL_ERROR', `Migration ${failed} failed; the upgrade was rolled back: ${(error as Error).message}`);
  }
  if (major === undefined) {
    await sql`insert into trainyard_schema (id, major) values (1, ${SCHEMA_MAJOR})`.execute(db);
  } else if (major !== SCHEMA_MAJOR) {
    await sql`update trainyard_schema set major = ${SCHEMA_MAJOR} where id = 1`.execute(db);
  }
}
