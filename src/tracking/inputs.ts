/**
 * What a run consumed and produced besides metrics: dataset inputs, MLflow 3 model inputs and
 * outputs, and the MLflow 2 model history tag (log-model).
 */
import { randomUUID } from 'node:crypto';
import { invalid, notFound } from '../errors.js';
import type { Executor } from '../store/open.js';
import type { TrackingContext } from './context.js';
import { LINK } from './inputs-links.js';
import { requireActive, type RunService } from './runs.js';
import { LIMITS } from './validation.js';

export const LOG_MODEL_HISTORY_TAG = 'mlflow.log-model.history';
const MAX_DATASETS_PER_REQUEST = 1000;
const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;
const MODEL_JSON_FIELDS = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'] as const;

export interface DatasetInputRequest {
  tags?: { key: unknown; value: unknown }[];
  dataset: Record<string, unknown>;
}

interface ValidDataset {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema: string | null;
  profile: string | null;
  tags: { name: string; value: string }[];
}

export class RunInputService {
  constructor(
    private readonly ctx: TrackingContext,
    private readonly runs: RunService,
  ) {}

  /**
   * Links datasets and logged models to a run as inputs. A dataset is stored once per experiment
   * by (name, digest); it is linked to a run once, with the tags of that first link.
   */
  async logInputs(runId: string, datasets: readonly DatasetInputRequest[], modelIds: readonly string[] = []): Promise<void> {
    checkRunId(runId);
    if (datasets.length > MAX_DATASETS_PER_REQUEST) {
      throw invalid(`A batch logging request can contain at most ${MAX_DATASETS_PER_REQUEST} datasets. Got ${datasets.length} datasets.`);
    }
    const unique = new Map<string, ValidDataset>();
    datasets.forEach((d, i) => {
      const valid = validateDataset(d, `datasets[${i}]`);
      const k = `${valid.name}\u0000${valid.digest}`;
      if (!unique.has(k)) unique.set(k, valid);
    });
    const models = [...new Set(modelIds)];
    await this.ctx.db.transaction().execute(async (tx) => {
      const run = await this.runs.row(runId, tx);
      requireActive(run);
      await requireLoggedModels(tx, models);
      for (const d of unique.values()) {
        await tx
          .insertInto('datasets')
          .values({
            dataset_uuid: randomUUID().replaceAll('-', ''),
            experiment_id: run.experiment_id,
            name: d.name,
            digest: d.digest,
            dataset_source_type: d.source_type,
            dataset_source: d.source,
            dataset_schema: d.schema,
            dataset_profile: d.profile,
          })
          .onConflict((oc) => oc.columns(['experiment_id', 'name', 'digest']).doNothing())
          .execute();
        const { dataset_uuid } = await tx
          .selectFrom('datasets')
          .select('dataset_uuid')
          .where('experiment_id', '=', run.experiment_id)
          .where('name', '=', d.name)
          .where('digest', '=', d.digest)
          .executeTakeFirstOrThrow();
        const inputUuid = randomUUID().replaceAll('-', '');
        const linked = await tx
          .insertInto('inputs')
          .values({ input_uuid: inputUuid, ...LINK.dataset, source_id: dataset_uuid, destination_id: run.run_uuid, step: 0 })
          .onConflict((oc) => oc.columns(['source_type', 'source_id', 'destination_type', 'destination_id']).doNothing())
          .executeTakeFirst();
        if (Number(linked.numInsertedOrUpdatedRows ?? 0n) > 0 && d.tags.length > 0) {
          await tx.insertInto('input_tags').values(d.tags.map((t) => ({ input_uuid: inputUuid, ...t }))).execute();
        }
      }
      for (const modelId of models) {
        await tx
          .insertInto('inputs')
          .values({ input_uuid: randomUUID().replaceAll('-', ''), ...LINK.modelInput, source_id: modelId, destination_id: run.run_uuid, step: 0 })
          .onConflict((oc) => oc.columns(['source_type', 'source_id', 'destination_type', 'destination_id']).doNothing())
          .execute();
      }
    });
  }

  /** Records logged models as outputs of a run at a step; logging one again moves it to the new step. */
  async logOutputs(runId: string, outputs: readonly { modelId: string; step: number }[]): Promise<void> {
    checkRunId(runId);
    const last = new Map(outputs.map((o) => [o.modelId, o.step]));
    await this.ctx.db.transaction().execute(async (tx) => {
      const run = await this.runs.row(runId, tx);
      requireActive(run);
      await requireLoggedModels(tx, [...last.keys()]);
      if (last.size === 0) return;
      await tx
        .insertInto('inputs')
        .values(
          [...last].map(([modelId, step]) => ({
            input_uuid: randomUUID().replaceAll('-', ''),
            ...LINK.modelOutput,
            source_id: run.run_uuid,
            destination_id: modelId,
            step,
          })),
        )
        .onConflict((oc) => oc.columns(['source_type', 'source_id', 'destination_type', 'destination_id']).doUpdateSet({ step: (eb) => eb.ref('excluded.step') }))
        .execute();
    });
  }

  /** MLflow 2's log-model: appends the model's metadata to the run's JSON list tag of logged models. */
  async logModel(runId: string, modelJson: unknown): Promise<void> {
    if (typeof modelJson !== 'string' || modelJson === '') {
      throw invalid(`Missing value for required parameter 'model_json'. See the API docs for more information about request parameters.`);
    }
    let model: unknown;
    try {
      model = JSON.parse(modelJson);
    } catch {
      throw invalid(`Malformed model info. \n ${modelJson.slice(0, 200)} \n is not a valid JSON.`);
    }
    if (model === null || typeof model !== 'object' || Array.isArray(model)) {
      throw invalid(`Malformed model info: model_json must be a JSON object, got ${modelJson.slice(0, 200)}`);
    }
    const missing = MODEL_JSON_FIELDS.filter((f) => !(f in model));
    if (missing.length > 0) throw invalid(`Model json is missing mandatory fields: {${missing.map((f) => `'${f}'`).join(', ')}}`);
    await this.ctx.db.transaction().execute(async (tx) => {
      const run = await this.runs.row(runId, tx);
      requireActive(run);
      const tag = await tx.selectFrom('tags').select('value').where('run_uuid', '=', run.run_uuid).where('key', '=', LOG_MODEL_HISTORY_TAG).executeTakeFirst();
      let history: unknown[] = [];
      if (tag) {
        try {
          const parsed: unknown = JSON.parse(tag.value);
          if (Array.isArray(parsed)) history = parsed;
        } catch {
          // A hand-written value that is not a list starts a fresh history rather than blocking logging.
        }
      }
      history.push(model);
      const value = JSON.stringify(history);
      await tx
        .insertInto('tags')
        .values({ run_uuid: run.run_uuid, key: LOG_MODEL_HISTORY_TAG, value })
        .onConflict((oc) => oc.columns(['run_uuid', 'key']).doUpdateSet({ value }))
        .execute();
    });
  }
}

async function requireLoggedModels(db: Executor, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const found = await db.selectFrom('logged_models').select('model_id').where('model_id', 'in', ids).where('lifecycle_stage', '=', 'active').execute();
  if (found.length === ids.length) return;
  const known = new Set(found.map((f) => f.model_id));
  throw notFound(`Logged model with ID '${ids.find((id) => !known.has(id))}' not found.`);
}

function checkRunId(runId: string): void {
  if (!RUN_ID.test(runId)) throw invalid(`Invalid value "${runId}" for parameter 'run_id' supplied: expected a run id.`);
}

function validateDataset(input: DatasetInputRequest, field: string): ValidDataset {
  const d = input.dataset;
  if (d === null || typeof d !== 'object' || Array.isArray(d)) throw invalid(`Missing value for required parameter '${field}.dataset'.`);
  const tags = (input.tags ?? []).map((t, i) => ({
    name: text(`${field}.tags[${i}].key`, t.key, LIMITS.inputTagKeyLength, true),
    value: text(`${field}.tags[${i}].value`, t.value, LIMITS.inputTagValueLength, true),
  }));
  return {
    name: text(`${field}.dataset.name`, d.name, LIMITS.datasetNameLength, true),
    digest: text(`${field}.dataset.digest`, d.digest, LIMITS.datasetDigestLength, true),
    source_type: text(`${field}.dataset.source_type`, d.source_type, LIMITS.datasetSourceLength, true),
    source: text(`${field}.dataset.source`, d.source, LIMITS.datasetSourceLength, true),
    schema: optionalText(`${field}.dataset.schema`, d.schema, LIMITS.datasetSchemaLength),
    profile: optionalText(`${field}.dataset.profile`, d.profile, LIMITS.datasetProfileLength),
    tags: [...new Map(tags.map((t) => [t.name, t])).values()],
  };
}

function text(field: string, value: unknown, max: number, required: boolean): string {
  if (value === undefined || value === null || value === '') {
    if (required) throw invalid(`Missing value for required parameter '${field}'.`);
    return '';
  }
  if (typeof value !== 'string') throw invalid(`Invalid value ${JSON.stringify(value)} for parameter '${field}' supplied: expected a string`);
  if (value.length > max) throw invalid(`'${field}' exceeds the maximum length of ${max} characters`);
  return value;
}

function optionalText(field: string, value: unknown, max: number): string | null {
  if (value === undefined || value === null || value === '') return null;
  return text(field, value, max, false);
}

