/**
 * Databases with large fixtures (say, 100,000 runs) for bench rows. Creating them through the
 * services takes minutes, so each is made once per schema and fixture version and then copied:
 * a SQLite file kept under bench-results/cache, a template database on PostgreSQL. The rows in
 * them are exactly what Trainyard's services write; only the making is skipped on later runs.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { openServices, type Services } from '../src/services.js';
import { parseStoreUri } from '../src/store/open.js';
import { MIGRATIONS } from '../src/store/migrations/index.js';
import { createTestDatabase, postgresAdminUrl, type BackendName, type TestDatabase } from '../test/support/backends.js';

export interface Fixture {
  /** Short name, part of cached file and database names. */
  name: string;
  /** Changes whenever the data `seed` writes changes (e.g. a hash of its source). */
  version: string;
  seed(services: Services): Promise<void>;
}

const CACHE_DIR = resolve('bench-results/cache');

/** A fresh database holding the fixture, for the caller to drop. */
export async function fixtureDatabase(backend: BackendName, fixture: Fixture, scratch: string): Promise<TestDatabase> {
  const id = `${fixture.name}_${hash(Object.keys(MIGRATIONS).join(',') + '\n' + fixture.version)}`;
  return backend === 'sqlite' ? sqliteCopy(id, fixture, scratch) : postgresCopy(id, fixture, scratch);
}

async function seedInto(uri: string, fixture: Fixture, scratch: string): Promise<void> {
  const started = Date.now();
  process.stdout.write(`  (making fixture ${fixture.name} once; later bench runs reuse it) ... `);
  const services = await openServices(loadConfig({ home: join(scratch, 'seed-home'), backendStoreUri: uri }, {}));
  try {
    await fixture.seed(services);
  } finally {
    await services.close();
  }
  console.log(`${((Date.now() - started) / 1000).toFixed(0)} s`);
}

async function sqliteCopy(id: string, fixture: Fixture, scratch: string): Promise<TestDatabase> {
  const cached = join(CACHE_DIR, `${id}.sqlite`);
  if (!existsSync(cached)) {
    const making = await createTestDatabase('sqlite');
    try {
      await seedInto(making.uri, fixture, scratch);
      mkdirSync(CACHE_DIR, { recursive: true });
      // Closing the services checkpointed the WAL: the main file is the whole database.
      copyFileSync(sqlitePath(making.uri), `${cached}.partial`);
      renameSync(`${cached}.partial`, cached);
    } finally {
      await making.drop();
    }
  }
  const database = await createTestDatabase('sqlite');
  copyFileSync(cached, sqlitePath(database.uri));
  return database;
}

function sqlitePath(uri: string): string {
  const target = parseStoreUri(uri);
  if (target.dialect !== 'sqlite') throw new Error(`not a SQLite URI: ${uri}`);
  return target.path;
}

async function postgresCopy(id: string, fixture: Fixture, scratch: string): Promise<TestDatabase> {
  const admin = postgresAdminUrl();
  const template = `trainyard_bench_${id}`.toLowerCase();
  const ready = `${template}_ready`;
  const query = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      return await client.query<T>(text, values);
    } finally {
      await client.end();
    }
  };
  const exists = async (name: string) => (await query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  if (!(await exists(ready))) {
    // A template left half-made by an interrupted run is made again.
    await query(`drop database if exists ${template} with (force)`);
    await query(`create database ${template}`);
    await seedInto(urlFor(admin, template), fixture, scratch);
    // Renaming marks it complete; only complete templates are ever copied.
    await query(`alter database ${template} rename to ${ready}`);
  }
  const name = `trainyard_test_${hash(String(Math.random())).slice(0, 12)}`;
  await query(`create database ${name} template ${ready}`);
  return {
    uri: urlFor(admin, name),
    drop: async () => void (await query(`drop database if exists ${name} with (force)`)),
  };
}

function urlFor(admin: string, database: string): string {
  const url = new URL(admin);
  url.pathname = `/${database}`;
  return url.toString();
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
