import type { CompiledQuery } from 'kysely';
import type { Db, Store } from '../store/open.js';
import type { DialectName } from '../store/dialect.js';

/** What every tracking service needs: the database and where new experiments put artifacts. */
export interface TrackingContext {
  db: Db;
  dialect: DialectName;
  /** Root under which experiments without an explicit location store artifacts. */
  defaultArtifactRoot: string;
  now(): number;
  /** The store's synchronous transaction, where it has one (SQLite): see Store.exclusive. */
  exclusive: Store['exclusive'];
}

export function trackingContext(store: Store, defaultArtifactRoot = 'mlflow-artifacts:/'): TrackingContext {
  return { db: store.db, dialect: store.dialect, defaultArtifactRoot, now: Date.now, exclusive: store.exclusive };
}

type RowsOf<Q extends readonly CompiledQuery<unknown>[]> = { -readonly [K in keyof Q]: Q[K] extends CompiledQuery<infer R> ? R[] : never };

/**
 * Runs read queries as one read: on SQLite synchronously in one transaction (one consistent
 * snapshot, and none of the driver's per-statement promises, which cost more than a small indexed
 * read), elsewhere side by side over the pool.
 */
export function readTogether<const Q extends readonly CompiledQuery<unknown>[]>(ctx: TrackingContext, queries: Q): Promise<RowsOf<Q>> {
  if (ctx.exclusive) return ctx.exclusive((exec) => queries.map((q) => exec.all(q)) as RowsOf<Q>);
  return Promise.all(queries.map(async (q) => (await ctx.db.executeQuery(q)).rows)) as Promise<RowsOf<Q>>;
}

/** Joins URI path segments without doubling or dropping slashes: ('mlflow-artifacts:/', '1') → 'mlflow-artifacts:/1'. */
export function joinUri(base: string, ...parts: string[]): string {
  let out = base;
  for (const part of parts) out = out.endsWith('/') ? out + part : `${out}/${part}`;
  return out;
}
