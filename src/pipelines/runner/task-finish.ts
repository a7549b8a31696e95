/**
 * How a task's try ended: on success its declared outputs are stored content-addressed (a
 * missing one fails the task, naming it), its cache entry is written and its run finished; on
 * failure it is tried again after its backoff while tries are left, else it fails.
 */
import { join } from 'node:path';
import { TrainyardError } from '../../errors.js';
import type { StoredOutput } from '../outputs/cas.js';
import { retryDelaySeconds } from '../spec/validate.js';
import type { RunContext } from './context.js';
import { endTrackingRun, storeTaskArtifacts } from './tracking.js';
import { taskNote } from './workspace.js';

export interface TryResult {
  ok: boolean;
  exitCode: number | null;
  message: string;
  cancelled: boolean;
  /** Folder the task's outputs are relative to (its work directory, or a training's output folder). */
  outputRoot: string;
}

/** Records a finished try of a running task. */
export async function finishTry(ctx: RunContext, name: string, result: TryResult): Promise<void> {
  const ws = ctx.workspace(name);
  await taskNote(ws, `the try ${result.ok ? 'finished' : 'ended'}: ${result.message}`);
  if (!result.ok) return failedTry(ctx, name, result);
  let stored: StoredOutput[];
  try {
    stored = await storeOutputs(ctx, name, result.outputRoot);
  } catch (err) {
    return failedTry(ctx, name, { ...result, ok: false, message: (err as Error).message, retryable: !(err instanceof MissingOutputs) });
  }
  const rec = ctx.tasks.get(name)!;
  const { task } = ctx.rendered.get(name)!;
  if (rec.runId) {
    const outputs = task.outputs.map((o) => ({ name: o.name, abs: join(result.outputRoot, ...o.path.split('/')) }));
    await storeTaskArtifacts(ctx.deps, rec.runId, ws.logPath, outputs).catch((err: unknown) => ctx.deps.log.warn({ err, task: name }, 'could not store the task log and outputs in its run'));
  }
  const now = ctx.deps.now();
  if (task.cache && rec.cacheKey && rec.keyParts) {
    await ctx.deps.repo.cachePut({
      cacheKey: rec.cacheKey,
      pipeline: ctx.run.name,
      task: name,
      keyParts: rec.keyParts,
      outputs: stored,
      runId: rec.runId,
      pipelineRunId: ctx.run.id,
      createdAt: now,
    });
  }
  if (rec.runId && rec.trainingId === null) await endTrackingRun(ctx.deps.tracking, rec.runId, 'FINISHED');
  await ctx.setTask(name, { state: 'succeeded', outputs: stored, exitCode: result.exitCode, finishedAt: now, message: result.message }, ['running']);
}

class MissingOutputs extends TrainyardError {}

async function storeOutputs(ctx: RunContext, name: string, root: string): Promise<StoredOutput[]> {
  const { task } = ctx.rendered.get(name)!;
  const stored: StoredOutput[] = [];
  const missing: string[] = [];
  for (const o of task.outputs) {
    const put = await ctx.deps.outputs.put(join(root, ...o.path.split('/')), `output '${o.name}' of task '${name}'`);
    if (put) stored.push({ name: o.name, path: o.path, ...put });
    else missing.push(o.name === o.path ? `'${o.name}'` : `'${o.name}' (${o.path})`);
  }
  if (missing.length > 0) {
    const where = ctx.rendered.get(name)!.run.kind === 'training' ? 'its output folder (TRAINYARD_OUTPUT_DIR)' : `its work directory '${task.workDir}'`;
    throw new MissingOutputs(
      'INVALID_STATE',
      `task '${name}' did not produce its declared output${missing.length === 1 ? '' : 's'} ${missing.join(', ')} (paths are relative to ${where})`,
    );
  }
  return stored;
}

/**
 * A try that failed (or a task that could not start): again after the backoff while tries are
 * left, unless the run is being cancelled or retrying cannot help; else the task fails.
 */
export async function failedTry(ctx: RunContext, name: string, result: Omit<TryResult, 'outputRoot'> & { retryable?: boolean; attempt?: number }): Promise<void> {
  const rec = ctx.tasks.get(name)!;
  const { task } = ctx.rendered.get(name)!;
  const ws = ctx.workspace(name);
  const attempt = result.attempt ?? rec.attempt;
  const from = ['running', 'pending'] as const;
  const now = ctx.deps.now();
  if (result.cancelled || ctx.cancelling) {
    await closeRun(ctx, name, 'KILLED');
    await ctx.setTask(name, { state: 'cancelled', attempt, exitCode: result.exitCode, finishedAt: now, message: result.message }, from);
    return;
  }
  if ((result.retryable ?? true) && attempt <= task.retries.count) {
    const delay = retryDelaySeconds(task.retries, attempt);
    const message = `try ${attempt} of ${task.retries.count + 1} failed (${result.message}); trying again in ${delay}s`;
    await taskNote(ws, message);
    await ctx.setTask(name, { state: 'pending', attempt, exitCode: result.exitCode, retryAt: now + delay * 1000, message }, from);
    return;
  }
  await taskNote(ws, `failed: ${result.message}`);
  await closeRun(ctx, name, 'FAILED');
  await ctx.setTask(name, { state: 'failed', attempt, exitCode: result.exitCode, finishedAt: now, message: result.message }, from);
}

async function closeRun(ctx: RunContext, name: string, status: 'FAILED' | 'KILLED'): Promise<void> {
  const rec = ctx.tasks.get(name)!;
  if (!rec.runId || rec.trainingId !== null) return;
  await storeTaskArtifacts(ctx.deps, rec.runId, ctx.workspace(name).logPath, []).catch(() => undefined);
  await endTrackingRun(ctx.deps.tracking, rec.runId, status);
}
