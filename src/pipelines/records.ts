/**
 * Pipeline runs and their tasks as the service and the API see them, decoded from their rows.
 */
import type { Selectable } from 'kysely';
import type { PipelineCacheTable, PipelineRunsTable, PipelineTasksTable } from '../store/schema.js';
import type { KeyParts } from './cache/key.js';
import type { StoredOutput } from './outputs/cas.js';
import type { ParamValue, PipelineSpec } from './spec/types.js';

export const RUN_STATES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export type PipelineRunState = (typeof RUN_STATES)[number];

export const TASK_STATES = ['pending', 'running', 'succeeded', 'failed', 'cached', 'upstream-failed', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** States a dependant may start after. */
export const TASK_DONE: readonly TaskState[] = ['succeeded', 'cached'];
/** States that end a task for good. */
export const TASK_FINAL: readonly TaskState[] = ['succeeded', 'cached', 'failed', 'upstream-failed', 'cancelled'];

export interface CachedFrom {
  /** The tracking run of the task that produced the entry. */
  runId: string | null;
  pipelineRunId: string;
}

export interface TaskRecord {
  pipelineRunId: string;
  name: string;
  position: number;
  state: TaskState;
  /** Tries started so far. */
  attempt: number;
  cacheKey: string | null;
  keyParts: KeyParts | null;
  jobId: string | null;
  /** The task's nested tracking run (for an inline training: the training's run). */
  runId: string | null;
  trainingId: string | null;
  cachedFrom: CachedFrom | null;
  outputs: StoredOutput[] | null;
  exitCode: number | null;
  message: string | null;
  retryAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface PipelineRunRecord {
  id: string;
  name: string;
  spec: PipelineSpec;
  params: Record<string, ParamValue>;
  /** Tasks recomputed whatever the cache holds: those asked for and everything downstream. */
  force: string[];
  state: PipelineRunState;
  message: string | null;
  /** The parent tracking run. */
  runId: string | null;
  scheduleId: string | null;
  runner: string | null;
  heartbeatAt: number | null;
  cancelRequested: boolean;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

export interface CacheEntry {
  cacheKey: string;
  pipeline: string;
  task: string;
  keyParts: KeyParts;
  outputs: StoredOutput[];
  runId: string | null;
  pipelineRunId: string;
  createdAt: number;
}

export function decodeRun(r: Selectable<PipelineRunsTable>, parseSpec: (text: string) => PipelineSpec = (t) => JSON.parse(t) as PipelineSpec): PipelineRunRecord {
  return {
    id: r.id,
    name: r.name,
    spec: parseSpec(r.spec),
    params: JSON.parse(r.params) as Record<string, ParamValue>,
    force: JSON.parse(r.force) as string[],
    state: r.state as PipelineRunState,
    message: r.message,
    runId: r.run_id,
    scheduleId: r.schedule_id,
    runner: r.runner,
    heartbeatAt: r.heartbeat_at,
    cancelRequested: r.cancel_requested === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  };
}

export function decodeTask(r: Selectable<PipelineTasksTable>): TaskRecord {
  return {
    pipelineRunId: r.pipeline_run_id,
    name: r.name,
    position: r.position,
    state: r.state as TaskState,
    attempt: r.attempt,
    cacheKey: r.cache_key,
    keyParts: r.key_parts === null ? null : (JSON.parse(r.key_parts) as KeyParts),
    jobId: r.job_id,
    runId: r.run_id,
    trainingId: r.training_id,
    cachedFrom: r.cached_from === null ? null : (JSON.parse(r.cached_from) as CachedFrom),
    outputs: r.outputs === null ? null : (JSON.parse(r.outputs) as StoredOutput[]),
    exitCode: r.exit_code,
    message: r.message,
    retryAt: r.retry_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

export function decodeCache(r: Selectable<PipelineCacheTable>): CacheEntry {
  return {
    cacheKey: r.cache_key,
    pipeline: r.pipeline,
    task: r.task,
    keyParts: JSON.parse(r.key_parts) as KeyParts,
    outputs: JSON.parse(r.outputs) as StoredOutput[],
    runId: r.run_id,
    pipelineRunId: r.pipeline_run_id,
    createdAt: r.created_at,
  };
}

/** Task fields as columns, for partial updates. */
export type TaskChanges = Partial<Omit<TaskRecord, 'pipelineRunId' | 'name' | 'position'>>;

export function taskColumns(c: TaskChanges): Partial<Selectable<PipelineTasksTable>> {
  const out: Partial<Selectable<PipelineTasksTable>> = {};
  if (c.state !== undefined) out.state = c.state;
  if (c.attempt !== undefined) out.attempt = c.attempt;
  if (c.cacheKey !== undefined) out.cache_key = c.cacheKey;
  if (c.keyParts !== undefined) out.key_parts = c.keyParts === null ? null : JSON.stringify(c.keyParts);
  if (c.jobId !== undefined) out.job_id = c.jobId;
  if (c.runId !== undefined) out.run_id = c.runId;
  if (c.trainingId !== undefined) out.training_id = c.trainingId;
  if (c.cachedFrom !== undefined) out.cached_from = c.cachedFrom === null ? null : JSON.stringify(c.cachedFrom);
  if (c.outputs !== undefined) out.outputs = c.outputs === null ? null : JSON.stringify(c.outputs);
  if (c.exitCode !== undefined) out.exit_code = c.exitCode;
  if (c.message !== undefined) out.message = c.message;
  if (c.retryAt !== undefined) out.retry_at = c.retryAt;
  if (c.startedAt !== undefined) out.started_at = c.startedAt;
  if (c.finishedAt !== undefined) out.finished_at = c.finishedAt;
  return out;
}
