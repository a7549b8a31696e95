import { randomUUID } from 'node:crypto';
import { proxyPathOf } from '../artifacts/proxy-uri.js';
import { listUnderRoot, type RunArtifactFile } from '../artifacts/run-listing.js';
import type { ArtifactDownload, ArtifactStore } from '../artifacts/store.js';
import { invalid, notFound } from '../errors.js';
import type { Executor } from '../store/open.js';
import { joinUri, type TrackingContext } from './context.js';
import type { KeyValue } from './entities.js';
import type { ExperimentService } from './experiments.js';
import { loadLoggedModels, LOGGED_MODEL_STATUSES, type LoggedModel, type LoggedModelRow, type LoggedModelStatus } from './logged-model-entities.js';
import { generateRunName } from './names.js';
import { validateTag } from './runs.js';
import { LIMITS, validateKey, validateLength, validateParamValue } from './validation.js';

const NAME_LENGTH = 500;
// The name becomes part of `models:/` URIs and file names on the client side.
const NAME_FORBIDDEN = ['/', ':', '.', '%', '"', "'"];

export interface CreateLoggedModelInput {
  experimentId: string;
  name?: string | undefined;
  modelType?: string | undefined;
  sourceRunId?: string | undefined;
  params?: { key: unknown; value: unknown }[];
  tags?: { key: unknown; value: unknown }[];
}

export interface ArtifactListing {
  root_uri: string;
  files?: RunArtifactFile[];
}

/** MLflow 3 logged models: a model with its own id, artifact folder, params, tags and metrics. */
export class LoggedModelService {
  constructor(
    private readonly ctx: TrackingContext,
    private readonly experiments: ExperimentService,
  ) {}

  async create(input: CreateLoggedModelInput): Promise<LoggedModel> {
    const name = input.name ? validateModelName(input.name) : generateRunName();
    const params = validateParams(input.params ?? []);
    const tags = validateTags(input.tags ?? []);
    const experiment = await this.experiments.requireActive(input.experimentId);
    const modelId = `m-${randomUUID().replaceAll('-', '')}`;
    const now = this.ctx.now();
    const row: LoggedModelRow = {
      model_id: modelId,
      experiment_id: experiment.experiment_id,
      name,
      artifact_location: joinUri(experiment.artifact_location, 'models', modelId, 'artifacts'),
      creation_timestamp_ms: now,
      last_updated_timestamp_ms: now,
      status: 'LOGGED_MODEL_PENDING',
      status_message: null,
      lifecycle_stage: 'active',
      model_type: input.modelType || null,
      source_run_id: input.sourceRunId || null,
    };
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx.insertInto('logged_models').values(row).execute();
      if (params.length > 0) await tx.insertInto('logged_model_params').values(params.map((p) => ({ model_id: modelId, ...p }))).execute();
      if (tags.length > 0) await tx.insertInto('logged_model_tags').values(tags.map((t) => ({ model_id: modelId, ...t }))).execute();
    });
    return (await loadLoggedModels(this.ctx.db, [row]))[0]!;
  }

  /** A deleted model is absent unless `allowDeleted`. */
  async get(modelId: string, allowDeleted = false): Promise<LoggedModel> {
    const row = await this.row(modelId, allowDeleted);
    return (await loadLoggedModels(this.ctx.db, [row]))[0]!;
  }

  /** Records how the upload ended. Any status may follow any other, as in MLflow. */
  async finalize(modelId: string, status: unknown): Promise<LoggedModel> {
    const s = parseStatus(status);
    const row = await this.row(modelId);
    await this.ctx.db
      .updateTable('logged_models')
      .set({ status: s, last_updated_timestamp_ms: this.ctx.now() })
      .where('model_id', '=', row.model_id)
      .execute();
    return this.get(modelId);
  }

  /** A soft delete: the model disappears from reads and searches, its rows stay. */
  async delete(modelId: string): Promise<void> {
    const row = await this.row(modelId);
    await this.ctx.db
      .updateTable('logged_models')
      .set({ lifecycle_stage: 'deleted', last_updated_timestamp_ms: this.ctx.now() })
      .where('model_id', '=', row.model_id)
      .execute();
  }

  async setTags(modelId: string, tags: { key: unknown; value: unknown }[]): Promise<void> {
    const valid = validateTags(tags);
    const row = await this.row(modelId);
    if (valid.length === 0) return;
    await this.ctx.db
      .insertInto('logged_model_tags')
      .values(valid.map((t) => ({ model_id: row.model_id, ...t })))
      .onConflict((oc) => oc.columns(['model_id', 'key']).doUpdateSet({ value: (eb) => eb.ref('excluded.value') }))
      .execute();
  }

  async deleteTag(modelId: string, key: string): Promise<void> {
    const row = await this.row(modelId);
    const result = await this.ctx.db.deleteFrom('logged_model_tags').where('model_id', '=', row.model_id).where('key', '=', key).executeTakeFirst();
    if (result.numDeletedRows === 0n) throw notFound(`No tag with key '${key}' found for model with ID '${modelId}'.`);
  }

  /** Params are immutable, as a run's are: the same value again is fine, a different one is refused. */
  async logParams(modelId: string, params: { key: unknown; value: unknown }[]): Promise<void> {
    const valid = validateParams(params);
    if (valid.length === 0) {
      await this.row(modelId);
      return;
    }
    await this.ctx.db.transaction().execute(async (tx) => {
      const row = await this.row(modelId, false, tx);
      const existing = await tx
        .selectFrom('logged_model_params')
        .select(['key', 'value'])
        .where('model_id', '=', row.model_id)
        .where(
          'key',
          'in',
          valid.map((p) => p.key),
        )
        .execute();
      const known = new Map(existing.map((e) => [e.key, e.value]));
      const fresh = valid.filter((p) => {
        const old = known.get(p.key);
        if (old !== undefined && old !== p.value) {
          throw invalid(
            `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}' for logged model ID='${modelId}'. Attempted logging new value '${p.value}'.`,
          );
        }
        return old === undefined;
      });
      if (fresh.length > 0) await tx.insertInto('logged_model_params').values(fresh.map((p) => ({ model_id: row.model_id, ...p }))).execute();
    });
  }

  /**
   * The immediate children of a folder of the model's artifacts, with model-relative paths. Only
   * locations the server's own artifact store keeps (`mlflow-artifacts:/`) can be listed.
   */
  async listArtifacts(artifacts: ArtifactStore, modelId: string, directory: string): Promise<ArtifactListing> {
    const row = await this.row(modelId);
    const files = await listUnderRoot(artifacts, row.artifact_location, directory);
    return files.length > 0 ? { root_uri: row.artifact_location, files } : { root_uri: row.artifact_location };
  }

  /** Opens one of the model's artifact files (a model-relative, already checked path). */
  async openArtifact(artifacts: ArtifactStore, modelId: string, file: string): Promise<{ path: string } & ArtifactDownload> {
    const row = await this.row(modelId);
    const root = proxyPathOf(row.artifact_location);
    if (root === undefined) {
      throw invalid(`Artifacts at '${row.artifact_location}' are not kept by this server's artifact store; read them from that location directly`);
    }
    if (file === '') throw invalid('Request must include the "artifact_file_path" query parameter.');
    const path = [root, file].filter((p) => p !== '').join('/');
    return { path, ...(await artifacts.get(path)) };
  }

  async row(modelId: string, allowDeleted = false, db: Executor = this.ctx.db): Promise<LoggedModelRow> {
    const row = await db.selectFrom('logged_models').selectAll().where('model_id', '=', modelId).executeTakeFirst();
    if (!row || (!allowDeleted && row.lifecycle_stage !== 'active')) throw notFound(`Logged model with ID '${modelId}' not found.`);
    return row;
  }
}

export function parseStatus(status: unknown): LoggedModelStatus {
  if (typeof status === 'number' || (typeof status === 'string' && /^\d+$/.test(status))) {
    const s = LOGGED_MODEL_STATUSES[Number(status) - 1];
    if (s) return s;
  } else if (typeof status === 'string' && (LOGGED_MODEL_STATUSES as readonly string[]).includes(status)) {
    return status as LoggedModelStatus;
  }
  if (status === undefined || status === null || status === '') {
    throw invalid(`Missing value for required parameter 'status'. See the API docs for more information about request parameters.`);
  }
  throw invalid(`Invalid value ${JSON.stringify(status)} for parameter 'status' supplied: expected one of ${LOGGED_MODEL_STATUSES.join(', ')}`);
}

function validateModelName(name: string): string {
  if (NAME_FORBIDDEN.some((c) => name.includes(c))) {
    throw invalid(`Invalid model name ('${name}') provided. Model name must be a non-empty string and cannot contain the following characters: ${NAME_FORBIDDEN.join(' ')}`);
  }
  validateLength('model name', name, NAME_LENGTH);
  return name;
}

function validateParams(params: readonly { key: unknown; value: unknown }[]): KeyValue[] {
  limitCount('params', params.length);
  const last = new Map<string, string>();
  for (const p of params) {
    const key = validateKey('param', p.key);
    last.set(key, validateParamValue(key, p.value));
  }
  return [...last].map(([key, value]) => ({ key, value }));
}

function validateTags(tags: readonly { key: unknown; value: unknown }[]): KeyValue[] {
  limitCount('tags', tags.length);
  const last = new Map<string, string>();
  for (const t of tags) {
    const tag = validateTag(t.key, t.value);
    last.set(tag.key, tag.value);
  }
  return [...last].map(([key, value]) => ({ key, value }));
}

function limitCount(what: string, n: number): void {
  if (n > LIMITS.entitiesPerBatch) {
    throw invalid(`A logged model request can contain at most ${LIMITS.entitiesPerBatch} ${what}. Got ${n} ${what}.`);
  }
}
