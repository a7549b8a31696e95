import { invalid, notFound } from '../../errors.js';
import type { TrackingContext } from '../context.js';
import type { Executor } from '../../store/open.js';
import { loadVersions, type ModelVersion, type ModelVersionRow } from './entities.js';
import { requireModel, requireVersion } from './lookup.js';
import { isLocalSource, localRootFor, resolveStorageLocation, validateSource } from './source.js';
import { canonicalStage, DELETED_STAGE, requireArchivableStage, validateModelName, validateRegistryTag, validateRegistryTags } from './validation.js';

/** The logged-model tag listing the registry versions made from that model (MLflow 3). */
export const MODEL_VERSIONS_TAG = 'mlflow.modelVersions';
const REDACTED = { source: 'REDACTED-SOURCE-PATH', run_id: 'REDACTED-RUN-ID', run_link: 'REDACTED-RUN-LINK' } as const;

export interface CreateModelVersionInput {
  name: unknown;
  source: unknown;
  runId?: string | undefined;
  runLink?: string | undefined;
  description?: string | undefined;
  tags?: { key: unknown; value: unknown }[];
  /** MLflow 3: the logged model this version registers. */
  modelId?: string | undefined;
}

/** Numbered versions of a registered model. There is no upload phase: a version is READY at once. */
export class ModelVersionService {
  constructor(private readonly ctx: TrackingContext) {}

  async create(input: CreateModelVersionInput): Promise<ModelVersion> {
    const name = validateModelName(input.name);
    if (typeof input.source !== 'string' || input.source === '') {
      throw invalid(`Missing value for required parameter 'source'. See the API docs for more information about request parameters.`);
    }
    const source = input.source;
    const tags = validateRegistryTags(input.tags ?? []);
    const modelId = input.modelId || undefined;
    const now = this.ctx.now();
    const row = await this.ctx.db.transaction().execute(async (tx) => {
      // Locking the model row makes concurrent creates on PostgreSQL take numbers one at a time.
      await requireModel(tx, name, this.ctx.dialect === 'postgres');
      if (modelId) await requireLoggedModel(tx, modelId);
      // A run is only looked up for a local source: a remote one may come from another tracking server.
      validateSource(source, isLocalSource(source) ? await localRootFor(tx, input.runId || undefined, modelId) : undefined);
      const resolved = await resolveStorageLocation(tx, source);
      // Numbers of deleted versions are never handed out again.
      const max = await tx.selectFrom('model_versions').select((eb) => eb.fn.max('version').as('v')).where('name', '=', name).executeTakeFirst();
      const row: ModelVersionRow = {
        name,
        version: Number(max?.v ?? 0) + 1,
        creation_time: now,
        last_updated_time: now,
        description: input.description || null,
        user_id: null,
        current_stage: 'None',
        source,
        run_id: input.runId || resolved.runId || null,
        run_link: input.runLink || null,
        status: 'READY',
        status_message: null,
        storage_location: resolved.storageLocation,
        model_id: modelId ?? null,
      };
      await tx.insertInto('model_versions').values(row).execute();
      if (tags.length > 0) await tx.insertInto('model_version_tags').values(tags.map((t) => ({ name, version: row.version, ...t }))).execute();
      await tx.updateTable('registered_models').set({ last_updated_time: now }).where('name', '=', name).execute();
      if (modelId) await recordRegistration(tx, modelId, name, row.version, now);
      return row;
    });
    return (await loadVersions(this.ctx.db, [row]))[0]!;
  }

  async get(name: unknown, version: unknown): Promise<ModelVersion> {
    const row = await requireVersion(this.ctx.db, validateModelName(name), version);
    return (await loadVersions(this.ctx.db, [row]))[0]!;
  }

  /** Sets the description; an absent or empty one clears it, as MLflow's PATCH does. */
  async update(name: unknown, version: unknown, description: string | undefined): Promise<ModelVersion> {
    const n = validateModelName(name);
    const row = await requireVersion(this.ctx.db, n, version);
    const now = this.ctx.now();
    await this.ctx.db
      .updateTable('model_versions')
      .set({ description: description || null, last_updated_time: now })
      .where('name', '=', n)
      .where('version', '=', row.version)
      .execute();
    return this.get(n, row.version);
  }

  /**
   * Moves a version to a stage. With `archiveExisting`, the other versions in that stage (only
   * Staging or Production) move to Archived in the same transaction.
   */
  async transitionStage(name: unknown, version: unknown, stage: unknown, archiveExisting = false): Promise<ModelVersion> {
    const n = validateModelName(name);
    const target = canonicalStage(stage);
    if (archiveExisting) requireArchivableStage(target);
    const now = this.ctx.now();
    const v = await this.ctx.db.transaction().execute(async (tx) => {
      const row = await requireVersion(tx, n, version);
      if (archiveExisting) {
        await tx
          .updateTable('model_versions')
          .set({ current_stage: 'Archived', last_updated_time: now })
          .where('name', '=', n)
          .where('current_stage', '=', target)
          .where('version', '!=', row.version)
          .execute();
      }
      await tx.updateTable('model_versions').set({ current_stage: target, last_updated_time: now }).where('name', '=', n).where('version', '=', row.version).execute();
      await tx.updateTable('registered_models').set({ last_updated_time: now }).where('name', '=', n).execute();
      return row.version;
    });
    return this.get(n, v);
  }

  /**
   * A soft delete: the row stays so its number is never reused, but where the files were and who
   * made them is wiped, its aliases and tags go, and every read treats it as absent.
   */
  async delete(name: unknown, version: unknown): Promise<void> {
    const n = validateModelName(name);
    const now = this.ctx.now();
    await this.ctx.db.transaction().execute(async (tx) => {
      const row = await requireVersion(tx, n, version);
      await tx
        .updateTable('model_versions')
        .set({
          current_stage: DELETED_STAGE,
          last_updated_time: now,
          ...REDACTED,
          description: null,
          user_id: null,
          storage_location: null,
          status_message: null,
        })
        .where('name', '=', n)
        .where('version', '=', row.version)
        .execute();
      await tx.deleteFrom('registered_model_aliases').where('name', '=', n).where('version', '=', row.version).execute();
      await tx.deleteFrom('model_version_tags').where('name', '=', n).where('version', '=', row.version).execute();
      await tx.updateTable('registered_models').set({ last_updated_time: now }).where('name', '=', n).execute();
    });
  }

  /** Where a client downloads the version's files from. */
  async downloadUri(name: unknown, version: unknown): Promise<string> {
    const row = await requireVersion(this.ctx.db, validateModelName(name), version);
    return row.storage_location || row.source;
  }

  async setTag(name: unknown, version: unknown, key: unknown, value: unknown): Promise<void> {
    const n = validateModelName(name);
    const tag = validateRegistryTag(key, value);
    await this.ctx.db.transaction().execute(async (tx) => {
      const row = await requireVersion(tx, n, version);
      await tx
        .insertInto('model_version_tags')
        .values({ name: n, version: row.version, ...tag })
        .onConflict((oc) => oc.columns(['name', 'version', 'key']).doUpdateSet({ value: tag.value }))
        .execute();
    });
  }

  /** Deleting a tag that is not there is fine; the version has to exist. */
  async deleteTag(name: unknown, version: unknown, key: unknown): Promise<void> {
    const n = validateModelName(name);
    if (typeof key !== 'string' || key === '') throw invalid(`Missing value for required parameter 'key'.`);
    const row = await requireVersion(this.ctx.db, n, version);
    await this.ctx.db.deleteFrom('model_version_tags').where('name', '=', n).where('version', '=', row.version).where('key', '=', key).execute();
  }
}

async function requireLoggedModel(db: Executor, modelId: string): Promise<void> {
  const found = await db.selectFrom('logged_models').select('model_id').where('model_id', '=', modelId).where('lifecycle_stage', '=', 'active').executeTakeFirst();
  if (!found) throw notFound(`Logged model with ID '${modelId}' not found.`);
}

/** Appends {name, version} to the logged model's mlflow.modelVersions tag (a JSON list), once. */
async function recordRegistration(tx: Executor, modelId: string, name: string, version: number, now: number): Promise<void> {
  const existing = await tx
    .selectFrom('logged_model_tags')
    .select('value')
    .where('model_id', '=', modelId)
    .where('key', '=', MODEL_VERSIONS_TAG)
    .executeTakeFirst();
  const entries = parseRegistrations(existing?.value);
  if (entries.some((e) => e.name === name && e.version === String(version))) return;
  entries.push({ name, version: String(version) });
  // Written the way Python's json.dumps writes it, which is how the MLflow client writes this tag too.
  const value = `[${entries.map((e) => `{"name": ${JSON.stringify(e.name)}, "version": ${JSON.stringify(e.version)}}`).join(', ')}]`;
  await tx
    .insertInto('logged_model_tags')
    .values({ model_id: modelId, key: MODEL_VERSIONS_TAG, value })
    .onConflict((oc) => oc.columns(['model_id', 'key']).doUpdateSet({ value }))
    .execute();
  await tx.updateTable('logged_models').set({ last_updated_timestamp_ms: now }).where('model_id', '=', modelId).execute();
}

function parseRegistrations(value: string | undefined): { name: string; version: string }[] {
  if (!value) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter((e): e is { name: unknown; version: unknown } => e !== null && typeof e === 'object')
      .map((e) => ({ name: String(e.name), version: String(e.version) }));
  } catch {
    // A hand-edited tag that is not JSON is replaced rather than failing the registration.
    return [];
  }
}
