/**
 * A pipeline run as the API and CLI show it: the run, each task's state (pending, running,
 * succeeded, failed, cached, upstream-failed, cancelled) and where its result came from.
 */
import type { KeyParts } from './cache/key.js';
import type { StoredOutput } from './outputs/cas.js';
import type { CachedFrom, PipelineRunRecord, PipelineRunState, TaskRecord, TaskState } from './records.js';
import type { ParamValue } from './spec/types.js';

export interface PipelineTaskView {
  name: string;
  state: TaskState;
  needs: string[];
  /** Tries started, and the most it gets. */
  attempt: number;
  maxAttempts: number;
  cacheKey?: string;
  keyParts?: KeyParts;
  cachedFrom?: CachedFrom;
  /** The task's tracking run (nested under the pipeline run's). */
  runId?: string;
  jobId?: string;
  trainingId?: string;
  exitCode?: number;
  message?: string;
  retryAt?: number;
  startedAt?: number;
  finishedAt?: number;
  outputs: StoredOutput[];
}

export interface PipelineRunView {
  kind: 'PipelineRun';
  id: string;
  pipeline: string;
  state: PipelineRunState;
  message?: string;
  params: Record<string, ParamValue>;
  force: string[];
  /** The parent tracking run. */
  runId?: string;
  experiment: string;
  scheduleId?: string;
  cancelRequested: boolean;
  createdAt: number;
  finishedAt?: number;
  /** How many tasks are in each state. */
  summary: Partial<Record<TaskState, number>>;
  tasks: PipelineTaskView[];
}

export function toView(run: PipelineRunRecord, tasks: readonly TaskRecord[]): PipelineRunView {
  const specs = new Map(run.spec.tasks.map((t) => [t.name, t]));
  const summary: Partial<Record<TaskState, number>> = {};
  for (const t of tasks) summary[t.state] = (summary[t.state] ?? 0) + 1;
  const view: PipelineRunView = {
    kind: 'PipelineRun',
    id: run.id,
    pipeline: run.name,
    state: run.state,
    params: run.params,
    force: run.force,
    experiment: run.spec.experiment,
    cancelRequested: run.cancelRequested,
    createdAt: run.createdAt,
    summary,
    tasks: tasks.map((t) => taskView(t, specs.get(t.name)?.needs ?? [], (specs.get(t.name)?.retries.count ?? 0) + 1)),
  };
  if (run.message !== null) view.message = run.message;
  if (run.runId !== null) view.runId = run.runId;
  if (run.scheduleId !== null) view.scheduleId = run.scheduleId;
  if (run.finishedAt !== null) view.finishedAt = run.finishedAt;
  return view;
}

function taskView(t: TaskRecord, needs: string[], maxAttempts: number): PipelineTaskView {
  const v: PipelineTaskView = { name: t.name, state: t.state, needs, attempt: t.attempt, maxAttempts, outputs: t.outputs ?? [] };
  if (t.cacheKey !== null) v.cacheKey = t.cacheKey;
  if (t.keyParts !== null) v.keyParts = t.keyParts;
  if (t.cachedFrom !== null) v.cachedFrom = t.cachedFrom;
  if (t.runId !== null) v.runId = t.runId;
  if (t.jobId !== null) v.jobId = t.jobId;
  if (t.trainingId !== null) v.trainingId = t.trainingId;
  if (t.exitCode !== null) v.exitCode = t.exitCode;
  if (t.message !== null) v.message = t.message;
  if (t.retryAt !== null) v.retryAt = t.retryAt;
  if (t.startedAt !== null) v.startedAt = t.startedAt;
  if (t.finishedAt !== null) v.finishedAt = t.finishedAt;
  return v;
}
