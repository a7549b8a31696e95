/**
 * Opening a store brings its schema up to date. Several processes (servers, embedded CLI commands)
 * may start at once against one new database: the schema is made once, under a lock, and every one
 * of them opens it. A schema of another major version is never changed by a plain open.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_MAJOR } from '../../src/store/migrations/index.js';
import { openStore, type Store } from '../../src/store/open.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/backends.js';

const REPO = join(import.meta.dirname, '../..');

function dbUpgrade(uri: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), 'db', 'upgrade', '--backend-store-uri', uri], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b));
    child.stderr.on('data', (b: Buffer) => (output += b));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe.each(BACKENDS)('several processes opening one new %s database at once', (backend) => {
  let database: TestDatabase;
  afterEach(async () => {
    await database?.drop();
  });

  it('make its schema once, and each of them opens it', async () => {
    database = await createTestDatabase(backend);
    const results = await Promise.all(Array.from({ length: 4 }, () => dbUpgrade(database.uri)));
    for (const r of results) expect(r, r.output).toMatchObject({ code: 0, output: expect.stringContaining('is up to date') });

    const store = await openStore(database.uri, { migrate: 'check' });
    try {
      const db = store.db as any;
      const applied: { name: string }[] = await db.selectFrom('kysely_migration').select('name').execute();
      expect(applied.map((r) => r.name).sort()).toEqual(Object.keys(MIGRATIONS).sort());
      expect(await db.selectFrom('trainyard_schema').selectAll().execute()).toEqual([{ id: 1, major: SCHEMA_MAJOR }]);
      expect(await db.selectFrom('experiments').select('name').execute()).toEqual([]);
    } finally {
      await store.close();
    }
  }, 120_000);
});

describe.each(BACKENDS)('a %s database of another schema version', (backend) => {
  let database: TestDatabase;
  afterEach(async () => {
    await database?.drop();
  });

  async function withMajor(major: number): Promise<void> {
    const store = await openStore(database.uri);
    await (store.db as any).updateTable('trainyard_schema').set({ major }).where('id', '=', 1).execute();
    await store.close();
  }

  async function majorOf(): Promise<number> {
    const store: Store = await openStore(database.uri, { migrate: 'check' });
    try {
      return (await (store.db as any).selectFrom('trainyard_schema').select('major').executeTakeFirstOrThrow()).major;
    } finally {
      await store.close();
    }
  }

  it('refuses one written by a newer Trainyard, even to upgrade it', async () => {
    database = await createTestDatabase(backend);
    await withMajor(SCHEMA_MAJOR + 1);
    await expect(openStore(database.uri)).rejects.toThrow(`schema ${SCHEMA_MAJOR + 1}, this one knows ${SCHEMA_MAJOR}`);
    await expect(openStore(database.uri, { migrate: 'upgrade' })).rejects.toThrow('upgrade Trainyard');
  });

  it('asks for `trainyard db upgrade` on an older one, which the upgrade then brings up to date', async () => {
    database = await createTestDatabase(backend);
    await withMajor(SCHEMA_MAJOR - 1);
    await expect(openStore(database.uri)).rejects.toThrow("back it up, then run 'trainyard db upgrade'");
    const upgraded = await dbUpgrade(database.uri);
    expect(upgraded, upgraded.output).toMatchObject({ code: 0 });
    expect(await majorOf()).toBe(SCHEMA_MAJOR);
  }, 120_000);
});
