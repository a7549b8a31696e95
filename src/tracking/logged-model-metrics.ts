/**
 * Metrics a run logs "for" a logged model (MLflow 3: log-metric / log-batch items with model_id)
 * are also attached to that model, optionally on a dataset. The run's own history is written as
 * usual; these rows are what LoggedModel.data.metrics and logged-model search read.
 */
import type { Transaction } from 'kysely';
import { invalid, notFound } from '../errors.js';
import type { Database } from '../store/schema.js';
import type { MetricInput } from './metrics.js';
import { LIMITS } from './validation.js';

/** Reads model_id, dataset_name and dataset_digest of a metric item onto `metric`, when model_id is set. */
export function readModelFields(metric: MetricInput, raw: Record<string, unknown>, field: string): void {
  const modelId = raw.model_id;
  if (modelId === undefined || modelId === null || modelId === '') return;
  metric.modelId = stringField(`${field}.model_id`, modelId, 64);
  const name = raw.dataset_name;
  const digest = raw.dataset_digest;
  if (name !== undefined && name !== null && name !== '') metric.datasetName = stringField(`${field}.dataset_name`, name, LIMITS.datasetNameLength);
  if (digest !== undefined && digest !== null && digest !== '') metric.datasetDigest = stringField(`${field}.dataset_digest`, digest, LIMITS.datasetDigestLength);
}

function stringField(field: string, value: unknown, max: number): string {
  if (typeof value !== 'string') throw invalid(`Invalid value ${JSON.stringify(value)} for parameter '${field}' supplied: expected a string`);
  if (value.length > max) throw invalid(`'${field}' exceeds the maximum length of ${max} characters`);
  return value;
}

/** Writes the model-attached copies of the metrics that name a model; every named model must exist. */
export async function appendLoggedModelMetrics(tx: Transaction<Database>, runUuid: string, metrics: readonly MetricInput[]): Promise<void> {
  const attached = metrics.filter((m) => m.modelId !== undefined);
  if (attached.length === 0) return;
  const ids = [...new Set(attached.map((m) => m.modelId!))];
  const found = await tx.selectFrom('logged_models').select('model_id').where('model_id', 'in', ids).where('lifecycle_stage', '=', 'active').execute();
  if (found.length !== ids.length) {
    const known = new Set(found.map((f) => f.model_id));
    throw notFound(`Logged model with ID '${ids.find((id) => !known.has(id))}' not found.`);
  }
  await tx
    .insertInto('logged_model_metrics')
    .values(
      attached.map((m) => {
        const nan = Number.isNaN(m.value);
        return {
          model_id: m.modelId!,
          key: m.key,
          step: m.step,
          timestamp: m.timestamp,
          value: nan ? 0 : m.value,
          is_nan: nan ? 1 : 0,
          run_id: runUuid,
          dataset_name: m.datasetName ?? '',
          dataset_digest: m.datasetDigest ?? '',
        };
      }),
    )
    // The same point logged again is stored once, as a run's metric history does.
    .onConflict((oc) => oc.doNothing())
    .execute();
}
