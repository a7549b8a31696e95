/**
 * Recognising database errors that mean something to a caller, the same way on both engines.
 */

/** A primary-key or unique constraint refused the write (another writer got there first). */
export function isUniqueViolation(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  const code = (err as { code?: unknown }).code;
  // better-sqlite3 reports SQLITE_CONSTRAINT_PRIMARYKEY / _UNIQUE; pg reports SQLSTATE 23505.
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
