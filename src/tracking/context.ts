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

/** Joins URI path segments without doubling or dropping slashes: ('mlflow-artifacts:/', '1') → 'mlflow-artifacts:/1'. */
export function joinUri(base: string, ...parts: string[]): string {
  let out = base;
  for (const part of parts) out = out.endsWith('/') ? out + part : `${out}/${part}`;
  return out;
}
