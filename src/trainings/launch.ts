/**
 * Preparing a training to run: its tracking run, workspace, source, data and command, then a
 * job for the dispatcher. Every failure names its phase, so the status says what went wrong.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TrainyardError } from '../errors.js';
import type { Dispatcher } from '../jobs/index.js';
import { resourceNumbers } from '../quantity.js';
import type { Tracking } from '../tracking/index.js';
import type { ConnectionService } from './connections/service.js';
import { fetchDataBindings } from './data/bindings.js';
import { jobContainer } from './container.js';
import { trainingEnvironment } from './environment.js';
import type { TrainingSource, TrainingSpec } from './manifest/types.js';
import type { TrainingRepository } from './repository.js';
import type { TrainingRow } from './resource.js';
import { fetchSource } from './sources/fetch-source.js';
import type { SourceSnapshots } from './sources/snapshots.js';
import { trainingCommand } from './toolchains/toolchain.js';
import { createWorkspace, workspaceFor, type Workspace } from './workspace.js';

export interface LaunchDeps {
  repo: TrainingRepository;
  tracking: Tracking;
  connections: ConnectionService;
  snapshots: SourceSnapshots;
  dispatcher: Dispatcher;
  home: string;
  s3EndpointUrl: string | undefined;
  /** The tracking server a training's MLflow client talks to. */
  trackingUri(): string;
}

/** Why a training failed before it started; the phase becomes the status reason. */
export class PreparationError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export function sourceOf(spec: TrainingSpec): TrainingSource {
  if (spec.vcsName !== undefined) return { kind: 'git', connection: spec.vcsName, reference: spec.reference };
  const a = spec.algorithmSource!;
  if (a.vcs) return { kind: 'git', connection: a.vcs.connection, reference: a.vcs.reference ?? spec.reference };
  if (a.objectStorage) return { kind: 'objectStorage', connection: a.objectStorage.connection, path: a.objectStorage.path };
  return { kind: 'local', path: a.local!.path, snapshot: a.local!.snapshot };
}

/** Appends Trainyard's own notes to the training log, marked so they stand apart from its output. */
export async function note(ws: Workspace, text: string): Promise<void> {
  await mkdir(dirname(ws.logPath), { recursive: true });
  await appendFile(ws.logPath, `[trainyard] ${text}\n`);
}

/**
 * Prepares one generation and enqueues its job under `jobId`. Throws PreparationError (the caller
 * records it) or an AbortError when the training was cancelled meanwhile.
 */
export async function launchTraining(deps: LaunchDeps, row: TrainingRow, jobId: string, signal: AbortSignal): Promise<void> {
  const spec = JSON.parse(row.spec) as TrainingSpec;
  const ws = workspaceFor(deps.home, row.id, row.generation, spec.workDir);
  const update = (changes: Parameters<TrainingRepository['update']>[2]) => deps.repo.update(row.id, row.generation, changes);

  await createWorkspace(ws);
  await note(ws, `preparing ${row.id} (generation ${row.generation}) for the ${spec.executor} executor`);
  const run = await phase('TrackingFailed', () => ensureRun(deps.tracking, row, spec));
  if (row.run_id === null) await update({ run_id: run.runId });
  signal.throwIfAborted();

  const source = sourceOf(spec);
  const connection = (id: string) => deps.connections.getDecrypted(id);
  await note(ws, `fetching the source (${describeSource(source)})`);
  const fetched = await phase('SourceFetchFailed', () =>
    fetchSource(source, ws.src, {
      snapshots: deps.snapshots,
      connection,
      s3EndpointUrl: deps.s3EndpointUrl,
      signal,
      onCommit: async (commit) => {
        await update({ commit_id: commit });
        await deps.tracking.runs.setTag(run.runId, 'mlflow.source.git.commit', commit);
        await note(ws, `checked out commit ${commit}`);
      },
    }),
  );
  if (fetched.snapshot) await note(ws, `source snapshot ${fetched.snapshot}`);
  const workDirStat = await stat(ws.workDir).catch(() => undefined);
  if (!workDirStat?.isDirectory()) throw new PreparationError('SourceFetchFailed', `spec.workDir '${spec.workDir}' is not a folder in the source`);

  if (spec.data.length > 0) {
    await note(ws, `copying ${spec.data.length} data binding(s)`);
    await phase('DataBindingFailed', () => fetchDataBindings(spec.data, { workDir: ws.workDir, connection, s3EndpointUrl: deps.s3EndpointUrl, signal }));
  }
  signal.throwIfAborted();

  const command = await phase('InvalidProject', () => trainingCommand(spec, ws.workDir));
  const container = jobContainer(spec, ws.src, command.dockerEnv);
  const env = trainingEnvironment(
    {
      trackingUri: deps.trackingUri(),
      runId: run.runId,
      experimentId: run.experimentId,
      outputDir: ws.output,
      trainingId: row.id,
      extra: { ...container.env, ...Object.fromEntries(spec.envs.map((e) => [e.name, e.value])), ...command.env },
    },
    container.serverEnv,
  );
  await note(ws, `command: ${command.display}`);

  // The job id is recorded before the job exists, so the job's first event always finds its
  // training; a restart that finds no such job prepares the generation again.
  if (!(await deps.repo.update(row.id, row.generation, { job_id: jobId }, undefined, ['scheduling']))) {
    throw new DOMException('the training was cancelled or replaced while it was being prepared', 'AbortError');
  }
  await phase('Rejected', () =>
    deps.dispatcher.enqueue(
      {
        id: jobId,
        owner: { kind: 'training', id: row.id },
        argv: command.argv,
        cwd: ws.workDir,
        workspace: ws.root,
        env,
        logPath: ws.logPath,
        limits: amounts(spec.resources.limits),
        requests: amounts(spec.resources.requests),
        ...(spec.timeout !== undefined && { timeoutSeconds: spec.timeout }),
        ...container.fields,
      },
      spec.executor,
    ),
  );
}

/** Unique per attempt: a generation prepared again after a crash gets a new job. */
export function newJobId(row: TrainingRow): string {
  return `${row.id}-${row.generation}-${randomBytes(3).toString('hex')}`;
}

function amounts(a: TrainingSpec['resources']['limits']) {
  const n = resourceNumbers(a);
  return { millicores: n.millicores, bytes: n.bytes, gpus: n.gpus };
}

async function phase<T>(reason: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    if (err instanceof TrainyardError || err instanceof Error) throw new PreparationError(reason, err.message);
    throw new PreparationError(reason, String(err));
  }
}

/** The training's tracking run, created once per generation in the spec's experiment. */
async function ensureRun(tracking: Tracking, row: TrainingRow, spec: TrainingSpec): Promise<{ runId: string; experimentId: string }> {
  if (row.run_id !== null) {
    const info = (await tracking.runs.get(row.run_id)).info;
    return { runId: info.run_id, experimentId: info.experiment_id };
  }
  const experimentId = await experimentNamed(tracking, spec.experiment);
  const run = await tracking.runs.create({
    experimentId,
    runName: row.id,
    userId: 'trainyard',
    tags: [
      { key: 'training_id', value: row.id },
      { key: 'model_name', value: spec.model.name },
      { key: 'model_version', value: spec.model.version },
      { key: 'mlflow.source.type', value: 'JOB' },
      { key: 'mlflow.source.name', value: describeSource(sourceOf(spec)) },
      { key: 'mlflow.user', value: 'trainyard' },
      { key: 'trainyard.generation', value: String(row.generation) },
    ],
  });
  const params = Object.entries(spec.hyperParameters).map(([key, value]) => ({ key, value }));
  for (let i = 0; i < params.length; i += 100) await tracking.runs.logBatch(run.info.run_id, { params: params.slice(i, i + 100) });
  return { runId: run.info.run_id, experimentId };
}

export async function experimentNamed(tracking: Tracking, name: string): Promise<string> {
  try {
    return (await tracking.experiments.getByName(name)).experiment_id;
  } catch (err) {
    if (!(err instanceof TrainyardError) || err.code !== 'RESOURCE_DOES_NOT_EXIST') throw err;
  }
  try {
    return await tracking.experiments.create(name);
  } catch (err) {
    // Another training created it first.
    if (err instanceof TrainyardError && err.code === 'RESOURCE_ALREADY_EXISTS') return (await tracking.experiments.getByName(name)).experiment_id;
    throw err;
  }
}

export function describeSource(source: TrainingSource): string {
  switch (source.kind) {
    case 'git':
      return `git connection '${source.connection}'${source.reference ? ` at ${source.reference}` : ''}`;
    case 'objectStorage':
      return `object storage connection '${source.connection}'${source.path ? ` path ${source.path}` : ''}`;
    case 'local':
      return `local folder ${source.path}`;
  }
}
