import { SqliteAdapter, type Kysely } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

/** Which engine a Kysely instance talks to; migrations branch on it only for DDL differences. */
export function dialectOf(db: Kysely<any>): DialectName {
  return db.getExecutor().adapter instanceof SqliteAdapter ? 'sqlite' : 'postgres';
}

/** The n-th (1-based) bound parameter in hand-written SQL: `?` on SQLite, `$n` on PostgreSQL. */
export function placeholder(dialect: DialectName, n: number): string {
  return dialect === 'sqlite' ? '?' : `$${n}`;
}
