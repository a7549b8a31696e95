/**
 * A pipeline run in tracking: a parent run holding the parameters, and one nested run per task
 * (tag mlflow.parentRunId) with the parameters it reads, its metrics, its log and its outputs.
 * A cache hit gets a nested run too, finished at once and tagged with the run that produced the
 * cached result.
 */
import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { proxyPathOf } from '../../artifacts/proxy-uri.js';
import type { ArtifactStore } from '../../artifacts/store.js';
import type { RunStatus } from '../../tracking/entities.js';
import type { Tracking } from '../../tracking/index.js';
import { walkTree } from '../../trainings/sources/tree.js';
import { experimentNamed } from '../../trainings/launch.js';
import type { PipelineRunRecord } from '../records.js';
import { paramText } from '../spec/params.js';

export interface TrackingDeps {
  tracking: Tracking;
  artifacts: ArtifactStore;
}

export const TAGS = {
  parent: 'mlflow.parentRunId',
  pipeline: 'trainyard.pipeline',
  pipelineRun: 'trainyard.pipeline_run_id',
  task: 'trainyard.task',
  cache: 'trainyard.cache',
  cacheKey: 'trainyard.cache_key',
  cacheSourceRun: 'trainyard.cache.source_run_id',
  cacheSourcePipelineRun: 'trainyard.cache.source_pipeline_run_id',
  schedule: 'trainyard.schedule_id',
} as const;

export const TASK_LOG_ARTIFACT = 'task.log';
export const OUTPUTS_ARTIFACTS = 'outputs';

export async function createParentRun(deps: TrackingDeps, run: PipelineRunRecord): Promise<{ runId: string; experimentId: string }> {
  const experimentId = await experimentNamed(deps.tracking, run.spec.experiment);
  const tags = [
    { key: TAGS.pipeline, value: run.name },
    { key: TAGS.pipelineRun, value: run.id },
    { key: 'mlflow.source.type', value: 'JOB' },
    { key: 'mlflow.source.name', value: `pipeline ${run.name}` },
    { key: 'mlflow.user', value: 'trainyard' },
  ];
  if (run.scheduleId) tags.push({ key: TAGS.schedule, value: run.scheduleId });
  const created = await deps.tracking.runs.create({ experimentId, runName: run.id, userId: 'trainyard', startTime: run.createdAt, tags });
  await logParams(deps.tracking, created.info.run_id, run.params);
  return { runId: created.info.run_id, experimentId };
}

export interface TaskRunInput {
  parent: { runId: string; experimentId: string };
  pipelineRun: PipelineRunRecord;
  task: string;
  params: Record<string, string>;
  cacheKey: string;
  cache: 'hit' | 'miss' | 'off' | 'forced';
  cachedFrom?: { runId: string | null; pipelineRunId: string };
  finished?: boolean;
}

export async function createTaskRun(deps: TrackingDeps, t: TaskRunInput): Promise<string> {
  const tags = [
    { key: TAGS.parent, value: t.parent.runId },
    { key: TAGS.pipeline, value: t.pipelineRun.name },
    { key: TAGS.pipelineRun, value: t.pipelineRun.id },
    { key: TAGS.task, value: t.task },
    { key: TAGS.cacheKey, value: t.cacheKey },
    { key: TAGS.cache, value: t.cache },
    { key: 'mlflow.source.type', value: 'JOB' },
    { key: 'mlflow.user', value: 'trainyard' },
  ];
  if (t.cachedFrom) {
    if (t.cachedFrom.runId) tags.push({ key: TAGS.cacheSourceRun, value: t.cachedFrom.runId });
    tags.push({ key: TAGS.cacheSourcePipelineRun, value: t.cachedFrom.pipelineRunId });
  }
  const run = await deps.tracking.runs.create({ experimentId: t.parent.experimentId, runName: t.task, userId: 'trainyard', tags });
  await logParams(deps.tracking, run.info.run_id, t.params);
  if (t.finished) await endTrackingRun(deps.tracking, run.info.run_id, 'FINISHED');
  return run.info.run_id;
}

async function logParams(tracking: Tracking, runId: string, params: Record<string, string | number | boolean>): Promise<void> {
  const list = Object.entries(params).map(([key, value]) => ({ key, value: paramText(value) }));
  for (let i = 0; i < list.length; i += 100) await tracking.runs.logBatch(runId, { params: list.slice(i, i + 100) });
}

export async function endTrackingRun(tracking: Tracking, runId: string, status: RunStatus): Promise<void> {
  try {
    await tracking.runs.update(runId, { status, endTime: Date.now() });
  } catch {
    // A deleted run cannot be updated; the pipeline's own records still say what happened.
  }
}

/** The run's folder in the server's artifact store, or undefined when its experiment stores artifacts elsewhere. */
async function artifactRoot(tracking: Tracking, runId: string): Promise<string | undefined> {
  const uri = (await tracking.runs.get(runId)).info.artifact_uri;
  return proxyPathOf(uri);
}

/** The task log and its outputs (files and folders under the work directory) as the task run's artifacts. */
export async function storeTaskArtifacts(deps: TrackingDeps, runId: string, logPath: string, outputs: { name: string; abs: string }[]): Promise<void> {
  const root = await artifactRoot(deps.tracking, runId);
  if (root === undefined) return;
  const log = await lstat(logPath).catch(() => undefined);
  if (log?.isFile()) await deps.artifacts.put(`${root}/${TASK_LOG_ARTIFACT}`, createReadStream(logPath), log.size);
  for (const o of outputs) {
    const st = await lstat(o.abs).catch(() => undefined);
    const base = `${root}/${OUTPUTS_ARTIFACTS}/${o.name}`;
    if (st?.isFile()) await deps.artifacts.put(base, createReadStream(o.abs), st.size);
    else if (st?.isDirectory()) {
      for await (const e of walkTree(o.abs)) {
        if (e.kind !== 'file') continue;
        await deps.artifacts.put(`${base}/${e.path}`, createReadStream(join(o.abs, e.path)), (await lstat(e.abs)).size);
      }
    }
  }
}
