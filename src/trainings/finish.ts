/**
 * Recording how a training ended: the job's verdict becomes the training's state, the run is
 * closed, and a successful training's results are collected and registered.
 */
import type { JobRecord } from '../jobs/index.js';
import type { RunStatus } from '../tracking/entities.js';
import type { TrainingSpec } from './manifest/types.js';
import type { TrainingRepository } from './repository.js';
import { storedArtifacts, type TrainingRow, type TrainingState } from './resource.js';
import { collectResults, runArtifactRoot, storeLog, type ResultDeps } from './results/collect.js';
import { note } from './launch.js';
import { workspaceFor } from './workspace.js';

export interface FinishDeps extends ResultDeps {
  repo: TrainingRepository;
  home: string;
}

const REASONS: Record<string, string> = {
  completed: 'Completed',
  failed: 'Error',
  timeout: 'Timeout',
  oom: 'OOMKilled',
  cancelled: 'Cancelled',
  lost: 'Lost',
};

export async function finishTraining(deps: FinishDeps, row: TrainingRow, job: JobRecord): Promise<void> {
  const spec = JSON.parse(row.spec) as TrainingSpec;
  const ws = workspaceFor(deps.home, row.id, row.generation, spec.workDir);
  const exitCode = job.exitCode;
  await note(ws, `the training ${job.state === 'succeeded' ? 'finished' : 'ended'}: ${job.message ?? job.state}`);

  let state: TrainingState = job.state === 'succeeded' ? 'succeeded' : job.state === 'cancelled' ? 'cancelled' : 'failed';
  let reason = REASONS[job.reason ?? 'failed'] ?? 'Error';
  let message = job.message ?? '';
  let artifacts = storedArtifacts([]);
  const run = row.run_id === null ? undefined : (await deps.tracking.runs.get(row.run_id)).info;

  if (run) {
    if (state === 'succeeded') {
      try {
        await storeLog(deps, runArtifactRoot(run.artifact_uri), ws);
        const result = await collectResults(deps, { runId: run.run_id, artifactUri: run.artifact_uri }, row.id, spec, row.commit_id, ws);
        artifacts = storedArtifacts([result.artifact], result.modelVersion);
        message = `archive ${result.artifact.artifactName}; registered ${spec.model.name} version ${result.modelVersion}`;
        await note(ws, message);
      } catch (err) {
        state = 'failed';
        reason = 'ResultFailed';
        message = `the training succeeded but its results could not be stored: ${(err as Error).message}`;
        await note(ws, message);
      }
    }
    // The final log, with the notes above, replaces the copy inside the archive's run folder.
    await storeLog(deps, runArtifactRoot(run.artifact_uri), ws).catch(() => undefined);
    await endRun(deps, run.run_id, state);
  }

  await deps.repo.update(
    row.id,
    row.generation,
    { state, exit_code: exitCode, reason, message, artifacts, finished_at: job.finishedAt ?? Date.now() },
    message,
    ['scheduling', 'running'],
  );
}

/** Closes the tracking run with the training's outcome (unless someone deleted it meanwhile). */
export async function endRun(deps: ResultDeps, runId: string, state: TrainingState): Promise<void> {
  const status: RunStatus = state === 'succeeded' ? 'FINISHED' : state === 'cancelled' ? 'KILLED' : 'FAILED';
  try {
    await deps.tracking.runs.update(runId, { status, endTime: Date.now() });
  } catch {
    // A deleted run cannot be updated; the training's own status still says what happened.
  }
}
