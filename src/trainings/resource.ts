/**
 * The ModelTraining resource as the API and CLI show it: the manifest's id and spec (with every
 * default filled in) plus the status the platform writes.
 */
import type { Selectable } from 'kysely';
import type { TrainingsTable } from '../store/schema.js';
import type { TrainingSpec } from './manifest/types.js';

export type TrainingState = 'scheduling' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'unknown';
export const TRAINING_STATES: readonly TrainingState[] = ['scheduling', 'running', 'succeeded', 'failed', 'cancelled', 'unknown'];
export const FINISHED_STATES: readonly TrainingState[] = ['succeeded', 'failed', 'cancelled'];

export interface TrainingArtifact {
  runId: string;
  artifactName: string;
  commitID: string;
}

export interface TrainingStatus {
  state: TrainingState;
  exitCode?: number;
  reason?: string;
  message?: string;
  artifacts: TrainingArtifact[];
  /** The tracking run of this training. */
  runId?: string;
  /** Git commit the source was checked out at, as soon as it is known. */
  commitID?: string;
  /** Content hash of the snapshotted local source. */
  sourceHash?: string;
  /** Version registered under spec.model.name when the training succeeded. */
  modelVersion?: string;
  /** Increases with every create/edit; each generation is one run of the spec. */
  generation: number;
  createdAt: number;
  updatedAt: number;
  startedAt?: number;
  finishedAt?: number;
}

export interface ModelTraining {
  kind: 'ModelTraining';
  id: string;
  spec: TrainingSpec;
  status: TrainingStatus;
}

export type TrainingRow = Selectable<TrainingsTable>;

interface StoredArtifacts {
  artifacts: TrainingArtifact[];
  modelVersion?: string;
}

export function toResource(row: TrainingRow): ModelTraining {
  const stored = JSON.parse(row.artifacts) as StoredArtifacts;
  const status: TrainingStatus = {
    state: row.state as TrainingState,
    artifacts: stored.artifacts,
    generation: row.generation,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.exit_code !== null) status.exitCode = row.exit_code;
  if (row.reason !== null) status.reason = row.reason;
  if (row.message !== null) status.message = row.message;
  if (row.run_id !== null) status.runId = row.run_id;
  if (row.commit_id !== null) status.commitID = row.commit_id;
  if (row.source_hash !== null) status.sourceHash = row.source_hash;
  if (stored.modelVersion !== undefined) status.modelVersion = stored.modelVersion;
  if (row.started_at !== null) status.startedAt = row.started_at;
  if (row.finished_at !== null) status.finishedAt = row.finished_at;
  return { kind: 'ModelTraining', id: row.id, spec: JSON.parse(row.spec) as TrainingSpec, status };
}

export function storedArtifacts(artifacts: TrainingArtifact[], modelVersion?: string): string {
  return JSON.stringify(modelVersion === undefined ? { artifacts } : { artifacts, modelVersion });
}
