/** Finding a registered model or a live model version, or answering 404 as MLflow does. */
import { notFound } from '../../errors.js';
import type { Executor } from '../../store/open.js';
import type { ModelVersionRow, RegisteredModelRow } from './entities.js';
import { DELETED_STAGE, parseVersion } from './validation.js';

export const modelNotFound = (name: string) => notFound(`Registered Model with name=${name} not found`);
export const versionNotFound = (name: string, version: unknown) => notFound(`Model Version (name=${name}, version=${String(version)}) not found`);

/** The model's row, or 404. `lock` holds the row for the transaction (PostgreSQL) so writers to one model queue up. */
export async function requireModel(db: Executor, name: string, lock = false): Promise<RegisteredModelRow> {
  let q = db.selectFrom('registered_models').selectAll().where('name', '=', name);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw modelNotFound(name);
  return row;
}

/** A version that exists and is not soft-deleted, or 404; the version number is checked first. */
export async function requireVersion(db: Executor, name: string, version: unknown): Promise<ModelVersionRow> {
  const v = parseVersion(version);
  const row = await db
    .selectFrom('model_versions')
    .selectAll()
    .where('name', '=', name)
    .where('version', '=', v)
    .where('current_stage', '!=', DELETED_STAGE)
    .executeTakeFirst();
  if (!row) throw versionNotFound(name, v);
  return row;
}
