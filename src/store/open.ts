import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type CompiledQuery, type SqliteDatabase, type SqliteStatement, type Transaction } from 'kysely';
import { invalid } from '../errors.js';
import type { Database } from './schema.js';
import type { DialectName } from './dialect.js';
import { migrate, type MigrateMode } from './migrate.js';

export type Db = Kysely<Database>;
/** The database or a transaction on it: what a query runs on. */
export type Executor = Db | Transaction<Database>;

export interface Store {
  db: Db;
  dialect: DialectName;
  /** Where the database lives, with any password removed, for messages. */
  location: string;
  /**
   * SQLite only: runs `work` as one transaction without leaving the event loop between statements.
   * Kysely's per-statement promises cost more than SQLite takes to execute a small write, so the
   * hottest write paths run the same compiled queries through this; PostgreSQL has no such path.
   */
  exclusive?: <T>(work: (exec: SyncExecutor) => T) => Promise<T>;
  close(): Promise<void>;
}

/** Runs already compiled queries synchronously (SQLite only). */
export interface SyncExecutor {
  all<R>(query: CompiledQuery): R[];
  run(query: CompiledQuery): void;
}

export interface OpenOptions {
  /** 'auto' applies pending migrations of the current major version; 'check' only verifies. */
  migrate?: MigrateMode;
  /** PostgreSQL pool size. */
  poolSize?: number;
}

/**
 * Opens the metadata store named by a URI: `sqlite:///path` (MLflow's form), `sqlite:path`,
 * a plain file path, or `postgresql://user:pass@host:port/db` (`+driver` suffixes are ignored).
 */
export async function openStore(uri: string, options: OpenOptions = {}): Promise<Store> {
  const target = parseStoreUri(uri);
  const store = target.dialect === 'sqlite' ? openSqlite(target.path) : await openPostgres(target.url, options.poolSize ?? 10);
  try {
    await migrate(store.db, store.dialect, options.migrate ?? 'auto');
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

type StoreTarget = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string };

export function parseStoreUri(uri: string): StoreTarget {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme.length === 1 /* a Windows drive letter */) {
    return { dialect: 'sqlite', path: resolve(uri) };
  }
  const base = scheme.split('+')[0];
  if (base === 'sqlite') {
    // SQLAlchemy: sqlite:///relative.db and sqlite:////absolute.db; we also take sqlite:path.
    let rest = uri.slice(uri.indexOf(':') + 1);
    if (rest.startsWith('///')) rest = rest.slice(3);
    else if (rest.startsWith('//')) rest = rest.slice(2);
    if (rest === '' || rest === ':memory:') return { dialect: 'sqlite', path: ':memory:' };
    return { dialect: 'sqlite', path: resolve(rest.split('?')[0]!) };
  }
  if (base === 'postgresql' || base === 'postgres') {
    return { dialect: 'postgres', url: 'postgresql' + uri.slice(uri.indexOf(':')) };
  }
  throw invalid(`Unsupported backend store URI '${redact(uri)}': expected sqlite:///path or postgresql://host/db`);
}

/** Hides the password of a URI so it can appear in logs and errors. */
export function redact(uri: string): string {
  return uri.replace(/(\/\/[^:/@]+:)[^@/]*@/, '$1***@');
}

function openSqlite(path: string): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const raw = new BetterSqlite3(path);
  // WAL + synchronous=NORMAL: a committed transaction survives a killed process (not a power cut
  // before the next checkpoint), and writers do not block readers.
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('busy_timeout = 10000');
  raw.pragma('cache_size = -65536');
  raw.pragma('temp_store = MEMORY');
  // Checkpoints every 16 MB of WAL instead of SQLite's 4 MB: each one ends in two fsyncs, and under
  // a steady log-batch load a quarter as many of them is worth ~15% more points per second.
  raw.pragma('wal_autocheckpoint = 4000');
  const cached = withStatementCache(raw);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cached }) });
  const statement = (q: CompiledQuery) => cached.prepare(q.sql) as unknown as BetterSqlite3.Statement;
  const exec: SyncExecutor = {
    all: <R>(q: CompiledQuery) => statement(q).all(...(q.parameters as unknown[])) as R[],
    run: (q) => void statement(q).run(...(q.parameters as unknown[])),
  };
  const inTransaction = raw.transaction((work: (exec: SyncExecutor) => unknown) => work(exec));
  return {
    db,
    dialect: 'sqlite',
    location: path,
    exclusive: <T>(work: (exec: SyncExecutor) => T): Promise<T> => {
      const transaction = () => inTransaction(work) as T;
      // Kysely may be inside one of its own transactions on this single connection, waiting on a
      // promise: then ours must wait for the connection. Otherwise nothing of Kysely's is open
      // (better-sqlite3 runs each statement to its end), and running at once, synchronously,
      // cannot interleave with it.
      if (raw.inTransaction) return db.connection().execute(async () => transaction());
      try {
        return Promise.resolve(transaction());
      } catch (err) {
        return Promise.reject(err as Error);
      }
    },
    async close() {
      await db.destroy();
    },
  };
}

/**
 * Kysely prepares every statement anew; better-sqlite3 statements are reusable, and preparing
 * dominates the cost of small queries on the hot logging paths, so keep the recent ones.
 */
function withStatementCache(raw: BetterSqlite3.Database, capacity = 500): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    prepare(sql: string): SqliteStatement {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = raw.prepare(sql);
        if (cache.size >= capacity) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt as unknown as SqliteStatement;
    },
    close() {
      cache.clear();
      raw.close();
    },
  };
}

let pgTypesSet = false;
async function openPostgres(url: string, poolSize: number): Promise<Store> {
  // Loaded on demand: a SQLite server never needs the driver, and it costs memory to load.
  const { default: pg } = await import('pg');
  if (!pgTypesSet) {
    // BIGINT holds epoch milliseconds and steps, all well inside 2^53: read them as numbers.
    pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
    pgTypesSet = true;
  }
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    location: redact(url),
    async close() {
      await db.destroy();
    },
  };
}
