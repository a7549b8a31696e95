/**
 * MLflow 3 logged models in MLflow's JSON shape, built from rows with a fixed number of set queries.
 */
import type { Selectable } from 'kysely';
import type { Executor } from '../store/open.js';
import type { LoggedModelsTable } from '../store/schema.js';
import { jsonDouble, type JsonDouble, type KeyValue } from './entities.js';

export type LoggedModelRow = Selectable<LoggedModelsTable>;

export const LOGGED_MODEL_STATUSES = ['LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'] as const;
export type LoggedModelStatus = (typeof LOGGED_MODEL_STATUSES)[number];

export interface LoggedModelMetric {
  key: string;
  value: JsonDouble;
  timestamp: number;
  step: number;
  dataset_name?: string;
  dataset_digest?: string;
  model_id: string;
  run_id: string;
}

export interface LoggedModel {
  info: {
    model_id: string;
    experiment_id: string;
    name: string;
    creation_timestamp_ms: number;
    last_updated_timestamp_ms: number;
    artifact_uri: string;
    status: LoggedModelStatus;
    model_type?: string;
    source_run_id?: string;
    status_message?: string;
    tags?: KeyValue[];
  };
  data: { params?: KeyValue[]; metrics?: LoggedModelMetric[] };
}

/** Logged models with their tags, params and every metric point attached to them, in the rows' order. */
export async function loadLoggedModels(db: Executor, rows: readonly LoggedModelRow[]): Promise<LoggedModel[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.model_id);
  const [tags, params, metrics] = await Promise.all([
    db.selectFrom('logged_model_tags').select(['model_id', 'key', 'value']).where('model_id', 'in', ids).orderBy('key').execute(),
    db.selectFrom('logged_model_params').select(['model_id', 'key', 'value']).where('model_id', 'in', ids).orderBy('key').execute(),
    db
      .selectFrom('logged_model_metrics')
      .selectAll()
      .where('model_id', 'in', ids)
      .orderBy('key')
      .orderBy('step')
      .orderBy('timestamp')
      .execute(),
  ]);
  const models = new Map<string, LoggedModel>();
  for (const r of rows) models.set(r.model_id, { info: infoOf(r), data: {} });
  for (const t of tags) (models.get(t.model_id)!.info.tags ??= []).push({ key: t.key, value: t.value });
  for (const p of params) (models.get(p.model_id)!.data.params ??= []).push({ key: p.key, value: p.value });
  for (const m of metrics) {
    const metric: LoggedModelMetric = {
      key: m.key,
      value: m.is_nan ? 'NaN' : jsonDouble(m.value),
      timestamp: m.timestamp,
      step: m.step,
      model_id: m.model_id,
      run_id: m.run_id,
    };
    if (m.dataset_name) metric.dataset_name = m.dataset_name;
    if (m.dataset_digest) metric.dataset_digest = m.dataset_digest;
    (models.get(m.model_id)!.data.metrics ??= []).push(metric);
  }
  return ids.map((id) => models.get(id)!);
}

function infoOf(r: LoggedModelRow): LoggedModel['info'] {
  const info: LoggedModel['info'] = {
    model_id: r.model_id,
    experiment_id: String(r.experiment_id),
    name: r.name,
    creation_timestamp_ms: r.creation_timestamp_ms,
    last_updated_timestamp_ms: r.last_updated_timestamp_ms,
    artifact_uri: r.artifact_location,
    status: r.status as LoggedModelStatus,
  };
  if (r.model_type) info.model_type = r.model_type;
  if (r.source_run_id) info.source_run_id = r.source_run_id;
  if (r.status_message) info.status_message = r.status_message;
  return info;
}
