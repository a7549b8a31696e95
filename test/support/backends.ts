/**
 * The metadata databases every tracking test runs against. PostgreSQL is real: each test file
 * gets its own fresh database on the server named by TRAINYARD_TEST_POSTGRES_URL.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type BackendName = 'sqlite' | 'postgres';
export const BACKENDS: BackendName[] = ['sqlite', 'postgres'];

export interface TestDatabase {
  uri: string;
  drop(): Promise<void>;
}

export function postgresAdminUrl(): string {
  const url = process.env.TRAINYARD_TEST_POSTGRES_URL;
  if (!url) {
    throw new Error(
      'PostgreSQL tests need TRAINYARD_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:55432/postgres). ' +
        'Start a local server with `.ci/start-postgres.sh /tmp/trainyard-pg` (needs Debian\'s postgresql package) and export the URL it prints.',
    );
  }
  return url;
}

export async function createTestDatabase(backend: BackendName): Promise<TestDatabase> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'trainyard-db-'));
    return { uri: `sqlite:///${join(dir, 'trainyard.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const admin = postgresAdminUrl();
  const name = `trainyard_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect().catch((err: Error) => {
    throw new Error(`Cannot reach PostgreSQL at TRAINYARD_TEST_POSTGRES_URL (${err.message}); start it with .ci/start-postgres.sh`);
  });
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    uri: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
