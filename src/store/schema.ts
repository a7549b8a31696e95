/**
 * Table shapes of the metadata database, shared by SQLite and PostgreSQL. Booleans are stored as
 * 0/1 integers and times as epoch milliseconds so both engines read back the same JS values.
 */
import type { Generated } from 'kysely';

export interface ExperimentsTable {
  experiment_id: Generated<number>;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
}
export interface ExperimentTagsTable {
  experiment_id: number;
  key: string;
  value: string;
}
export interface RunsTable {
  run_uuid: string;
  experiment_id: number;
  name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  deleted_time: number | null;
  lifecycle_stage: string;
  artifact_uri: string;
}
export interface ParamsTable {
  run_uuid: string;
  key: string;
  value: string;
}
export interface TagsTable {
  run_uuid: string;
  key: string;
  value: string;
}
export interface MetricChunksTable {
  chunk_id: Generated<number>;
  run_uuid: string;
  key: string;
  count: number;
  min_step: number;
  max_step: number;
  /** Columnar little-endian float64s: count steps, then count timestamps, then count values. */
  points: Uint8Array;
}
export interface LatestMetricsTable {
  run_uuid: string;
  key: string;
  step: number;
  timestamp: number;
  value: number;
  is_nan: number;
  experiment_id: number;
}
export interface DatasetsTable {
  dataset_uuid: string;
  experiment_id: number;
  name: string;
  digest: string;
  dataset_source_type: string;
  dataset_source: string;
  dataset_schema: string | null;
  dataset_profile: string | null;
}
export interface InputsTable {
  input_uuid: string;
  source_type: string;
  source_id: string;
  destination_type: string;
  destination_id: string;
  step: number;
}
export interface InputTagsTable {
  input_uuid: string;
  name: string;
  value: string;
}
export interface RegisteredModelsTable {
  name: string;
  creation_time: number;
  last_updated_time: number;
  description: string | null;
}
export interface RegisteredModelTagsTable {
  name: string;
  key: string;
  value: string;
}
export interface ModelVersionsTable {
  name: string;
  version: number;
  creation_time: number;
  last_updated_time: number;
  description: string | null;
  user_id: string | null;
  current_stage: string;
  source: string;
  run_id: string | null;
  run_link: string | null;
  status: string;
  status_message: string | null;
  storage_location: string | null;
  model_id: string | null;
}
export interface ModelVersionTagsTable {
  name: string;
  version: number;
  key: string;
  value: string;
}
export interface RegisteredModelAliasesTable {
  name: string;
  alias: string;
  version: number;
}
export interface LoggedModelsTable {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  status: string;
  status_message: string | null;
  lifecycle_stage: string;
  model_type: string | null;
  source_run_id: string | null;
}
export interface LoggedModelTagsTable {
  model_id: string;
  key: string;
  value: string;
}
export interface LoggedModelParamsTable {
  model_id: string;
  key: string;
  value: string;
}
export interface LoggedModelMetricsTable {
  model_id: string;
  key: string;
  step: number;
  timestamp: number;
  value: number;
  is_nan: number;
  run_id: string;
  dataset_name: string;
  dataset_digest: string;
}

export interface ConnectionsTable {
  id: string;
  type: string;
  spec: string;
  secrets: string | null;
  created_at: number;
  updated_at: number;
}
export interface TrainingsTable {
  id: string;
  spec: string;
  generation: number;
  state: string;
  exit_code: number | null;
  reason: string | null;
  message: string | null;
  run_id: string | null;
  commit_id: string | null;
  source_hash: string | null;
  artifacts: string;
  model_name: string;
  model_version: string;
  job_id: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}
export interface TrainingEventsTable {
  training_id: string;
  generation: number;
  at: number;
  state: string;
  message: string | null;
}
export interface JobsTable {
  id: string;
  owner_kind: string;
  owner_id: string;
  state: string;
  executor: string;
  spec: string;
  handle: string | null;
  worker: string | null;
  heartbeat_at: number | null;
  cancel_requested: Generated<number>;
  exit_code: number | null;
  reason: string | null;
  message: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface PipelineRunsTable {
  id: string;
  name: string;
  spec: string;
  params: string;
  force: string;
  state: string;
  message: string | null;
  run_id: string | null;
  schedule_id: string | null;
  runner: string | null;
  heartbeat_at: number | null;
  cancel_requested: Generated<number>;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}
export interface PipelineTasksTable {
  pipeline_run_id: string;
  name: string;
  position: number;
  state: string;
  attempt: number;
  cache_key: string | null;
  key_parts: string | null;
  job_id: string | null;
  run_id: string | null;
  training_id: string | null;
  cached_from: string | null;
  outputs: string | null;
  exit_code: number | null;
  message: string | null;
  retry_at: number | null;
  started_at: number | null;
  finished_at: number | null;
}
export interface PipelineCacheTable {
  cache_key: string;
  pipeline: string;
  task: string;
  key_parts: string;
  outputs: string;
  run_id: string | null;
  pipeline_run_id: string;
  created_at: number;
}
export interface SchedulesTable {
  id: string;
  spec: string;
  next_fire_at: number | null;
  last_fire_at: number | null;
  last_target: string | null;
  created_at: number;
  updated_at: number;
}
export interface ScheduleFiringsTable {
  schedule_id: string;
  fire_at: number;
  state: string;
  target: string | null;
  message: string | null;
  created_at: number;
  updated_at: number;
}

export interface Database {
  experiments: ExperimentsTable;
  experiment_tags: ExperimentTagsTable;
  runs: RunsTable;
  params: ParamsTable;
  tags: TagsTable;
  metric_chunks: MetricChunksTable;
  latest_metrics: LatestMetricsTable;
  datasets: DatasetsTable;
  inputs: InputsTable;
  input_tags: InputTagsTable;
  registered_models: RegisteredModelsTable;
  registered_model_tags: RegisteredModelTagsTable;
  model_versions: ModelVersionsTable;
  model_version_tags: ModelVersionTagsTable;
  registered_model_aliases: RegisteredModelAliasesTable;
  logged_models: LoggedModelsTable;
  logged_model_tags: LoggedModelTagsTable;
  logged_model_params: LoggedModelParamsTable;
  logged_model_metrics: LoggedModelMetricsTable;
  connections: ConnectionsTable;
  trainings: TrainingsTable;
  training_events: TrainingEventsTable;
  jobs: JobsTable;
  pipeline_runs: PipelineRunsTable;
  pipeline_tasks: PipelineTasksTable;
  pipeline_cache: PipelineCacheTable;
  schedules: SchedulesTable;
  schedule_firings: ScheduleFiringsTable;
}
