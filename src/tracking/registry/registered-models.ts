import { alreadyExists, invalid } from '../../errors.js';
import { isUniqueViolation } from '../../store/errors.js';
import type { TrackingContext } from '../context.js';
import { loadModels, loadVersions, type ModelVersion, type RegisteredModel, type RegisteredModelRow } from './entities.js';
import { modelNotFound, requireModel, requireVersion } from './lookup.js';
import { canonicalStage, DELETED_STAGE, STAGES, validateAlias, validateModelName, validateRegistryTag, validateRegistryTags, type Stage } from './validation.js';

export interface CreateRegisteredModelInput {
  name: unknown;
  tags?: { key: unknown; value: unknown }[];
  description?: string | undefined;
}

/** Registered models: named homes for model versions, with tags and aliases. */
export class RegisteredModelService {
  constructor(private readonly ctx: TrackingContext) {}

  async create(input: CreateRegisteredModelInput): Promise<RegisteredModel> {
    const name = validateModelName(input.name);
    const tags = validateRegistryTags(input.tags ?? []);
    const now = this.ctx.now();
    const row: RegisteredModelRow = { name, creation_time: now, last_updated_time: now, description: input.description || null };
    const duplicate = () => alreadyExists(`Registered Model (name=${name}) already exists.`);
    try {
      await this.ctx.db.transaction().execute(async (tx) => {
        const clash = await tx.selectFrom('registered_models').select('name').where('name', '=', name).executeTakeFirst();
        if (clash) throw duplicate();
        await tx.insertInto('registered_models').values(row).execute();
        if (tags.length > 0) await tx.insertInto('registered_model_tags').values(tags.map((t) => ({ name, ...t }))).execute();
      });
    } catch (err) {
      // Two clients registering the same new name at once: the loser hears what MLflow would say.
      if (isUniqueViolation(err)) throw duplicate();
      throw err;
    }
    return (await loadModels(this.ctx.db, [row]))[0]!;
  }

  async get(name: unknown): Promise<RegisteredModel> {
    const row = await requireModel(this.ctx.db, validateModelName(name));
    return (await loadModels(this.ctx.db, [row]))[0]!;
  }

  /** Renames the model and moves its versions, tags and aliases along. */
  async rename(name: unknown, newName: unknown): Promise<RegisteredModel> {
    const from = validateModelName(name);
    const to = validateModelName(newName, 'new_name');
    const now = this.ctx.now();
    const duplicate = () => alreadyExists(`Registered Model (name=${to}) already exists.`);
    try {
      await this.ctx.db.transaction().execute(async (tx) => {
        await requireModel(tx, from, this.ctx.dialect === 'postgres');
        if (to !== from) {
          const clash = await tx.selectFrom('registered_models').select('name').where('name', '=', to).executeTakeFirst();
          if (clash) throw duplicate();
        }
        await tx.updateTable('registered_models').set({ name: to, last_updated_time: now }).where('name', '=', from).execute();
        await tx.updateTable('model_versions').set({ name: to, last_updated_time: now }).where('name', '=', from).execute();
        for (const table of ['registered_model_tags', 'model_version_tags', 'registered_model_aliases'] as const) {
          await tx.updateTable(table).set({ name: to }).where('name', '=', from).execute();
        }
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate();
      throw err;
    }
    return this.get(to);
  }

  /** Sets the description; an absent or empty one clears it, as MLflow's PATCH does. */
  async update(name: unknown, description: string | undefined): Promise<RegisteredModel> {
    const n = validateModelName(name);
    const result = await this.ctx.db
      .updateTable('registered_models')
      .set({ description: description || null, last_updated_time: this.ctx.now() })
      .where('name', '=', n)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw modelNotFound(n);
    return this.get(n);
  }

  /** Deletes the model and everything under it for good; the name and version numbers start afresh. */
  async delete(name: unknown): Promise<void> {
    const n = validateModelName(name);
    await this.ctx.db.transaction().execute(async (tx) => {
      await requireModel(tx, n);
      for (const table of ['model_version_tags', 'model_versions', 'registered_model_aliases', 'registered_model_tags', 'registered_models'] as const) {
        await tx.deleteFrom(table).where('name', '=', n).execute();
      }
    });
  }

  /** The highest version in each requested stage (all four when none are named), in stage order. */
  async latestVersions(name: unknown, stages: readonly string[] = []): Promise<ModelVersion[]> {
    const n = validateModelName(name);
    const wanted: Stage[] = stages.length === 0 ? [...STAGES] : [...new Set(stages.map((s) => canonicalStage(s, 'stages')))];
    await requireModel(this.ctx.db, n);
    const latest = await this.ctx.db
      .selectFrom('model_versions')
      .select((eb) => ['current_stage', eb.fn.max('version').as('version')])
      .where('name', '=', n)
      .where('current_stage', 'in', wanted)
      .groupBy('current_stage')
      .execute();
    const versionOf = new Map(latest.map((l) => [l.current_stage, Number(l.version)]));
    const numbers = wanted.map((s) => versionOf.get(s)).filter((v): v is number => v !== undefined);
    if (numbers.length === 0) return [];
    const rows = await this.ctx.db.selectFrom('model_versions').selectAll().where('name', '=', n).where('version', 'in', numbers).execute();
    const byVersion = new Map(rows.map((r) => [r.version, r]));
    return loadVersions(
      this.ctx.db,
      numbers.map((v) => byVersion.get(v)!),
    );
  }

  async setTag(name: unknown, key: unknown, value: unknown): Promise<void> {
    const n = validateModelName(name);
    const tag = validateRegistryTag(key, value);
    await this.ctx.db.transaction().execute(async (tx) => {
      await requireModel(tx, n);
      await tx
        .insertInto('registered_model_tags')
        .values({ name: n, ...tag })
        .onConflict((oc) => oc.columns(['name', 'key']).doUpdateSet({ value: tag.value }))
        .execute();
    });
  }

  /** Deleting a tag that is not there is fine; the model has to exist. */
  async deleteTag(name: unknown, key: unknown): Promise<void> {
    const n = validateModelName(name);
    if (typeof key !== 'string' || key === '') throw invalid(`Missing value for required parameter 'key'.`);
    await requireModel(this.ctx.db, n);
    await this.ctx.db.deleteFrom('registered_model_tags').where('name', '=', n).where('key', '=', key).execute();
  }

  /** Points an alias at a version, moving it if it pointed elsewhere. */
  async setAlias(name: unknown, alias: unknown, version: unknown): Promise<void> {
    const n = validateModelName(name);
    const a = validateAlias(alias);
    await this.ctx.db.transaction().execute(async (tx) => {
      const v = await requireVersion(tx, n, version);
      await tx
        .insertInto('registered_model_aliases')
        .values({ name: n, alias: a, version: v.version })
        .onConflict((oc) => oc.columns(['name', 'alias']).doUpdateSet({ version: v.version }))
        .execute();
    });
  }

  async deleteAlias(name: unknown, alias: unknown): Promise<void> {
    const n = validateModelName(name);
    if (typeof alias !== 'string' || alias === '') throw invalid(`Missing value for required parameter 'alias'.`);
    await requireModel(this.ctx.db, n);
    await this.ctx.db.deleteFrom('registered_model_aliases').where('name', '=', n).where('alias', '=', alias).execute();
  }

  /** An unknown alias is a bad parameter, not a missing resource: MLflow clients expect that code. */
  async getByAlias(name: unknown, alias: unknown): Promise<ModelVersion> {
    const n = validateModelName(name);
    if (typeof alias !== 'string' || alias === '') throw invalid(`Missing value for required parameter 'alias'.`);
    await requireModel(this.ctx.db, n);
    const row = await this.ctx.db
      .selectFrom('registered_model_aliases')
      .innerJoin('model_versions', (j) =>
        j.onRef('model_versions.name', '=', 'registered_model_aliases.name').onRef('model_versions.version', '=', 'registered_model_aliases.version'),
      )
      .selectAll('model_versions')
      .where('registered_model_aliases.name', '=', n)
      .where('registered_model_aliases.alias', '=', alias)
      .where('model_versions.current_stage', '!=', DELETED_STAGE)
      .executeTakeFirst();
    if (!row) throw invalid(`Registered model alias ${alias} not found.`);
    return (await loadVersions(this.ctx.db, [row]))[0]!;
  }
}
