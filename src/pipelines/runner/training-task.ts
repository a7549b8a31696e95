/**
 * Inline training tasks run through the training service, so they get what every training gets
 * (toolchains, data, result archive, a registered model version). The pipeline source, with the
 * task's inputs put in, becomes the training's source snapshot; the training's run becomes the
 * task's run (nested under the pipeline's); its output folder holds the task's outputs.
 */
import { invalid, TrainyardError } from '../../errors.js';
import { FINISHED_STATES } from '../../trainings/resource.js';
import { TRAINING_ID_PATTERN } from '../../trainings/manifest/schema.js';
import { workspaceFor } from '../../trainings/workspace.js';
import type { RunContext } from './context.js';
import type { TaskKey } from './task-key.js';
import type { TryResult } from './task-finish.js';
import { prepareSource } from './task-source.js';
import { TAGS } from './tracking.js';
import { taskNote } from './workspace.js';

/** `pl-<the run id's random suffix>-<task>`: a valid training id, unique per run and task. */
export function trainingIdFor(runId: string, task: string): string {
  const suffix = runId.slice(runId.lastIndexOf('-') + 1);
  const id = `pl-${suffix}-${task.replace(/_/g, '-')}`.slice(0, 63).replace(/-+$/, '');
  if (!new RegExp(TRAINING_ID_PATTERN).test(id)) throw invalid(`cannot name a training for task '${task}' of run '${runId}'`);
  return id;
}

export async function launchTrainingTask(ctx: RunContext, name: string, key: TaskKey): Promise<void> {
  const trainings = ctx.deps.trainings;
  if (!trainings) throw invalid(`tasks.${name}.training: inline trainings need the training service, which this process does not run`);
  const rendered = ctx.rendered.get(name)!;
  if (rendered.run.kind !== 'training') throw new Error('not a training task');
  const rec = ctx.tasks.get(name)!;
  const attempt = rec.attempt + 1;
  const ws = ctx.workspace(name);
  await taskNote(ws, `try ${attempt} of ${rendered.task.retries.count + 1}; cache key ${key.key.slice(0, 12)}; runs as an inline training`);
  await prepareSource(ctx, name, ws);
  const snapshot = await ctx.deps.snapshots.fromFolder(ws.src);
  const id = trainingIdFor(ctx.run.id, name);
  const claimed = await ctx.setTask(
    name,
    { state: 'running', attempt, trainingId: id, jobId: null, cacheKey: key.key, keyParts: key.parts, retryAt: null, startedAt: rec.startedAt ?? ctx.deps.now(), message: null },
    ['pending'],
  );
  if (!claimed) return;
  const manifest = { kind: 'ModelTraining', id, spec: { ...rendered.run.input, algorithmSource: { local: { path: '.', snapshot: snapshot.hash } } } };
  const exists = await trainings.get(id).then(
    () => true,
    () => false,
  );
  await taskNote(ws, `${exists ? 'running training' : 'created training'} ${id} (source snapshot ${snapshot.hash.slice(0, 12)})`);
  if (exists) await trainings.edit(manifest);
  else await trainings.create(manifest);
}

/** Where a running training task stands; a TryResult once its training has finished. */
export async function pollTrainingTask(ctx: RunContext, name: string): Promise<TryResult | undefined> {
  const rec = ctx.tasks.get(name)!;
  const trainings = ctx.deps.trainings;
  if (!trainings || rec.trainingId === null) return undefined;
  let training;
  try {
    training = await trainings.get(rec.trainingId);
  } catch (err) {
    if (err instanceof TrainyardError && err.code === 'RESOURCE_DOES_NOT_EXIST') {
      return { ok: false, exitCode: null, message: `its training ${rec.trainingId} was deleted`, cancelled: false, outputRoot: '' };
    }
    throw err;
  }
  const { status, spec } = training;
  if (status.runId !== undefined && rec.runId !== status.runId) {
    await adoptTrainingRun(ctx, name, status.runId);
    await ctx.setTask(name, { runId: status.runId }, ['running']);
  }
  if (!FINISHED_STATES.includes(status.state)) return undefined;
  const outputRoot = workspaceFor(ctx.deps.home, training.id, status.generation, spec.workDir).output;
  const detail = status.message ? `: ${status.message}` : '';
  return { ok: status.state === 'succeeded', exitCode: status.exitCode ?? null, message: `training ${training.id} ${status.state}${detail}`, cancelled: status.state === 'cancelled', outputRoot };
}

/** Nests the training's run under the pipeline run and marks it as this task's. */
async function adoptTrainingRun(ctx: RunContext, name: string, runId: string): Promise<void> {
  const rec = ctx.tasks.get(name)!;
  const tags: { key: string; value: string }[] = [
    { key: TAGS.parent, value: ctx.parent.runId },
    { key: TAGS.pipeline, value: ctx.run.name },
    { key: TAGS.pipelineRun, value: ctx.run.id },
    { key: TAGS.task, value: name },
    { key: TAGS.cache, value: ctx.run.force.includes(name) ? 'forced' : ctx.rendered.get(name)!.task.cache ? 'miss' : 'off' },
  ];
  if (rec.cacheKey) tags.push({ key: TAGS.cacheKey, value: rec.cacheKey });
  await ctx.deps.tracking.runs.logBatch(runId, { tags });
}

export async function cancelTrainingTask(ctx: RunContext, name: string): Promise<void> {
  const rec = ctx.tasks.get(name)!;
  if (rec.trainingId && ctx.deps.trainings) await ctx.deps.trainings.cancel(rec.trainingId).catch(() => undefined);
}
