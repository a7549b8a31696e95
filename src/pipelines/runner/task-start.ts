/**
 * Starting a task: stage its connection data, compute its cache key, and either take the cached
 * result (a hit) or prepare its workspace and queue its job with the dispatcher (a miss).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { resourceNumbers } from '../../quantity.js';
import { jobContainer } from '../../trainings/container.js';
import { fetchDataBinding } from '../../trainings/data/bindings.js';
import { trainingEnvironment } from '../../trainings/environment.js';
import { hashTree } from '../../trainings/sources/tree.js';
import { renderEntryPoint } from '../../trainings/toolchains/mlproject-command.js';
import { loadMLproject, type DockerEnv } from '../../trainings/toolchains/mlproject.js';
import { parameterEnv } from '../../trainings/toolchains/types.js';
import type { CacheEntry, TaskRecord } from '../records.js';
import type { InputRef, TaskSpec } from '../spec/types.js';
import type { RunContext } from './context.js';
import { buildContext, taskImageSpec } from './task-image.js';
import { computeTaskKey, type TaskKey } from './task-key.js';
import { launchTrainingTask } from './training-task.js';
import { createTaskRun } from './tracking.js';
import { prepareSource } from './task-source.js';
import { taskNote, type TaskWorkspace } from './workspace.js';

export const PIPELINE_TASK_OWNER = 'pipeline-task' as const;

export function ownerId(runId: string, task: string): string {
  return `${runId}/${task}`;
}

/** Key, then hit or launch. Throws when the task cannot start; the runner counts that as a failed try. */
export async function startTask(ctx: RunContext, name: string): Promise<void> {
  const rendered = ctx.rendered.get(name)!;
  const { task } = rendered;
  const ws = ctx.workspace(name);
  const connectionDigests = await stageConnections(ctx, task, ws);
  const upstream = new Map(task.needs.map((n) => [n, ctx.tasks.get(n)!]));
  const key = await computeTaskKey({ rendered, params: ctx.run.params, snapshotRoot: ctx.snapshotRoot(), code: ctx.deps.code, upstream, connectionDigests, images: ctx.deps.images });
  const forced = ctx.run.force.includes(name);
  if (task.cache && !forced) {
    const entry = await ctx.deps.repo.cacheGet(key.key);
    if (entry && (await outputsPresent(ctx, entry))) return takeHit(ctx, name, key, entry);
    if (entry) {
      // Its stored outputs were removed: the entry is worthless, and the task recomputes them.
      await ctx.deps.repo.cacheDelete(key.key);
      await taskNote(ws, `the cache entry ${key.key.slice(0, 12)} lost its stored outputs; recomputing`);
    }
  }
  if (ctx.cancelling) return;
  if (rendered.run.kind === 'training') return launchTrainingTask(ctx, name, key);
  return launchJob(ctx, name, key, forced ? 'forced' : task.cache ? 'miss' : 'off');
}

async function outputsPresent(ctx: RunContext, entry: CacheEntry): Promise<boolean> {
  for (const o of entry.outputs) if (!(await ctx.deps.outputs.verify(o.digest))) return false;
  return true;
}

async function takeHit(ctx: RunContext, name: string, key: TaskKey, entry: CacheEntry): Promise<void> {
  const cachedFrom = { runId: entry.runId, pipelineRunId: entry.pipelineRunId };
  const runId = await createTaskRun(ctx.deps, {
    parent: ctx.parent,
    pipelineRun: ctx.run,
    task: name,
    params: ctx.rendered.get(name)!.paramValues,
    cacheKey: key.key,
    cache: 'hit',
    cachedFrom,
    finished: true,
  });
  const now = ctx.deps.now();
  await ctx.setTask(
    name,
    { state: 'cached', cacheKey: key.key, keyParts: key.parts, outputs: entry.outputs, cachedFrom, runId, startedAt: now, finishedAt: now, message: `cached: the result of pipeline run ${entry.pipelineRunId}` },
    ['pending'],
  );
}

/** Connection inputs are fetched into staging first: their content is part of the key. */
async function stageConnections(ctx: RunContext, task: TaskSpec, ws: TaskWorkspace): Promise<string[]> {
  const digests: string[] = [];
  const inputs = task.inputs.filter((i): i is Extract<InputRef, { kind: 'connection' }> => i.kind === 'connection');
  if (inputs.length === 0) return digests;
  for (const [i, input] of inputs.entries()) {
    const dir = join(ws.staging, String(i));
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await fetchDataBinding({ connName: input.connection, localPath: input.path, remotePath: input.remotePath }, i, {
      workDir: dir,
      connection: (id) => ctx.deps.connections.getDecrypted(id),
      s3EndpointUrl: ctx.deps.s3EndpointUrl,
    });
    digests.push(await hashTree(dir));
  }
  return digests;
}

async function launchJob(ctx: RunContext, name: string, key: TaskKey, cache: 'miss' | 'off' | 'forced'): Promise<void> {
  const rendered = ctx.rendered.get(name)!;
  const { task } = rendered;
  const rec = ctx.tasks.get(name)!;
  const attempt = rec.attempt + 1;
  const ws = ctx.workspace(name);
  await taskNote(ws, `try ${attempt} of ${task.retries.count + 1}; cache key ${key.key.slice(0, 12)} (${describeCache(cache)})`);
  for (const note of key.notes) await taskNote(ws, `cache key: ${note}`);
  const runId = await ensureTaskRun(ctx, name, rec, key, cache);
  await prepareSource(ctx, name, ws);

  let argv: string[];
  let commandEnv: Record<string, string> = {};
  let dockerEnv: DockerEnv | undefined;
  if (rendered.run.kind === 'command') {
    argv = rendered.run.argv;
    await taskNote(ws, `command: ${rendered.run.display}`);
  } else if (rendered.run.kind === 'entrypoint') {
    const project = await loadMLproject(ws.workDir);
    const command = renderEntryPoint(project, rendered.run.entrypoint, rendered.run.parameters);
    argv = command.argv;
    commandEnv = command.env;
    if (project.environment.type === 'docker') dockerEnv = project.environment.docker;
    await taskNote(ws, `entry point ${rendered.run.entrypoint}: ${command.display}`);
  } else {
    throw new Error('an inline training is not a job');
  }
  // As for a training: in a container, the image's PATH, a writable HOME, Trainyard's Python module mounted.
  // A built image's context is the task's folder of the source snapshot (see task-image.ts).
  const container = jobContainer(taskImageSpec(rendered), buildContext(rendered, ctx.snapshotRoot()) ?? ws.src, dockerEnv);
  const env = trainingEnvironment(
    {
      trackingUri: ctx.deps.trackingUri(),
      runId,
      experimentId: ctx.parent.experimentId,
      outputDir: ws.workDir,
      trainingId: ownerId(ctx.run.id, name),
      extra: {
        ...container.env,
        ...rendered.envs,
        ...parameterEnv(rendered.paramValues, `tasks.${name}`),
        ...commandEnv,
        TRAINYARD_PIPELINE_RUN_ID: ctx.run.id,
        TRAINYARD_TASK: name,
      },
    },
    container.serverEnv,
  );
  const jobId = `${ctx.run.id}.${name}.${attempt}-${randomBytes(2).toString('hex')}`;
  const now = ctx.deps.now();
  // Recorded before the job exists, so its first event always finds the task.
  const claimed = await ctx.setTask(
    name,
    { state: 'running', attempt, jobId, cacheKey: key.key, keyParts: key.parts, retryAt: null, startedAt: rec.startedAt ?? now, message: null },
    ['pending'],
  );
  if (!claimed) return;
  const amounts = (a: TaskSpec['resources']['limits']) => {
    const n = resourceNumbers(a);
    return { millicores: n.millicores, bytes: n.bytes, gpus: n.gpus };
  };
  await ctx.deps.dispatcher.enqueue(
    {
      id: jobId,
      owner: { kind: PIPELINE_TASK_OWNER, id: ownerId(ctx.run.id, name) },
      argv,
      cwd: ws.workDir,
      workspace: ws.root,
      env,
      logPath: ws.logPath,
      limits: amounts(task.resources.limits),
      requests: amounts(task.resources.requests),
      ...(task.timeout !== undefined && { timeoutSeconds: task.timeout }),
      ...container.fields,
    },
    task.executor,
  );
  if (ctx.cancelling) await ctx.deps.dispatcher.cancel(jobId);
}

/** The task's nested run: one for all its tries. */
export async function ensureTaskRun(ctx: RunContext, name: string, rec: TaskRecord, key: TaskKey, cache: 'miss' | 'off' | 'forced'): Promise<string> {
  if (rec.runId) return rec.runId;
  const runId = await createTaskRun(ctx.deps, {
    parent: ctx.parent,
    pipelineRun: ctx.run,
    task: name,
    params: ctx.rendered.get(name)!.paramValues,
    cacheKey: key.key,
    cache,
  });
  await ctx.setTask(name, { runId }, ['pending']);
  return runId;
}

function describeCache(cache: 'miss' | 'off' | 'forced'): string {
  return cache === 'miss' ? 'not in the cache' : cache === 'off' ? 'cache: false' : 'forced';
}
