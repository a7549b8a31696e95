/**
 * Registered models and model versions in MLflow's JSON shape, and the loaders that build them
 * from rows with a fixed number of set queries (never one query per row).
 */
import type { Selectable } from 'kysely';
import type { Executor } from '../../store/open.js';
import type { ModelVersionsTable, RegisteredModelsTable } from '../../store/schema.js';
import type { KeyValue } from '../entities.js';
import { DELETED_STAGE } from './validation.js';

export type RegisteredModelRow = Selectable<RegisteredModelsTable>;
export type ModelVersionRow = Selectable<ModelVersionsTable>;

export interface ModelVersion {
  name: string;
  /** A string on the wire, as in MLflow. */
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id?: string;
  current_stage: string;
  description?: string;
  source: string;
  run_id?: string;
  status: string;
  status_message?: string;
  tags?: KeyValue[];
  run_link?: string;
  aliases?: string[];
  model_id?: string;
}

export interface RegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description?: string;
  latest_versions?: ModelVersion[];
  tags?: KeyValue[];
  aliases?: { alias: string; version: string }[];
}

/** Versions with their tags and alias names, in the rows' order. */
export async function loadVersions(db: Executor, rows: readonly ModelVersionRow[]): Promise<ModelVersion[]> {
  if (rows.length === 0) return [];
  const names = [...new Set(rows.map((r) => r.name))];
  let tagQuery = db.selectFrom('model_version_tags').select(['name', 'version', 'key', 'value']).where('name', 'in', names);
  // Narrow to the wanted versions when that list is short, so reading one version of a model with
  // thousands does not read every version's tags.
  if (rows.length <= 500) tagQuery = tagQuery.where('version', 'in', [...new Set(rows.map((r) => r.version))]);
  const [tags, aliases] = await Promise.all([
    tagQuery.execute(),
    db.selectFrom('registered_model_aliases').select(['name', 'version', 'alias']).where('name', 'in', names).orderBy('alias').execute(),
  ]);
  const keyOf = (name: string, version: number) => `${version}\u0000${name}`;
  const tagsOf = groupBy(tags, (t) => keyOf(t.name, t.version));
  const aliasesOf = groupBy(aliases, (a) => keyOf(a.name, a.version));
  return rows.map((r) => {
    const v = versionEntity(r);
    const t = tagsOf.get(keyOf(r.name, r.version));
    if (t) v.tags = t.map(({ key, value }) => ({ key, value }));
    const a = aliasesOf.get(keyOf(r.name, r.version));
    if (a) v.aliases = a.map((x) => x.alias);
    return v;
  });
}

/** Registered models with tags, aliases and the latest version of each stage, in the rows' order. */
export async function loadModels(db: Executor, rows: readonly RegisteredModelRow[]): Promise<RegisteredModel[]> {
  if (rows.length === 0) return [];
  const names = rows.map((r) => r.name);
  const [tags, aliases, latestKeys] = await Promise.all([
    db.selectFrom('registered_model_tags').select(['name', 'key', 'value']).where('name', 'in', names).execute(),
    db.selectFrom('registered_model_aliases').select(['name', 'alias', 'version']).where('name', 'in', names).orderBy('alias').execute(),
    db
      .selectFrom('model_versions')
      .select((eb) => ['name', 'current_stage', eb.fn.max('version').as('version')])
      .where('name', 'in', names)
      .where('current_stage', '!=', DELETED_STAGE)
      .groupBy(['name', 'current_stage'])
      .execute(),
  ]);
  const latestRows =
    latestKeys.length === 0
      ? []
      : await db
          .selectFrom('model_versions')
          .selectAll()
          .where((eb) => eb.or(latestKeys.map((k) => eb.and([eb('name', '=', k.name), eb('version', '=', Number(k.version))]))))
          .orderBy('version')
          .execute();
  const latest = groupBy(await loadVersions(db, latestRows), (v) => v.name);
  const tagsOf = groupBy(tags, (t) => t.name);
  const aliasesOf = groupBy(aliases, (a) => a.name);
  return rows.map((r) => {
    const m: RegisteredModel = { name: r.name, creation_timestamp: r.creation_time, last_updated_timestamp: r.last_updated_time };
    if (r.description) m.description = r.description;
    const l = latest.get(r.name);
    if (l) m.latest_versions = l;
    const t = tagsOf.get(r.name);
    if (t) m.tags = t.map(({ key, value }) => ({ key, value }));
    const a = aliasesOf.get(r.name);
    if (a) m.aliases = a.map((x) => ({ alias: x.alias, version: String(x.version) }));
    return m;
  });
}

function versionEntity(r: ModelVersionRow): ModelVersion {
  const v: ModelVersion = {
    name: r.name,
    version: String(r.version),
    creation_timestamp: r.creation_time,
    last_updated_timestamp: r.last_updated_time,
    current_stage: r.current_stage,
    source: r.source,
    status: r.status,
  };
  if (r.user_id) v.user_id = r.user_id;
  if (r.description) v.description = r.description;
  if (r.run_id) v.run_id = r.run_id;
  if (r.status_message) v.status_message = r.status_message;
  if (r.run_link) v.run_link = r.run_link;
  if (r.model_id) v.model_id = r.model_id;
  return v;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(item);
  }
  return out;
}
