/**
 * What the parts of a runner share: the services it uses, and the one pipeline run it drives
 * with its tasks' current records (kept equal to the rows: every change is written, then kept).
 */
import type { ArtifactStore } from '../../artifacts/store.js';
import type { Dispatcher } from '../../jobs/index.js';
import type { Tracking } from '../../tracking/index.js';
import type { ConnectionService } from '../../trainings/connections/service.js';
import type { TrainingService } from '../../trainings/service.js';
import type { SourceSnapshots } from '../../trainings/sources/snapshots.js';
import type { CodeHasher } from '../cache/code-hash.js';
import type { OutputStore } from '../outputs/cas.js';
import type { PipelineRunRecord, TaskChanges, TaskRecord, TaskState } from '../records.js';
import type { PipelineRepository } from '../repository.js';
import type { RenderedTask } from '../spec/render.js';
import type { ImageIdentifier } from './task-image.js';
import type { TaskWorkspace } from './workspace.js';

export interface RunnerLog {
  warn(obj: object, msg: string): void;
}

export interface RunnerDeps {
  repo: PipelineRepository;
  tracking: Tracking;
  artifacts: ArtifactStore;
  outputs: OutputStore;
  code: CodeHasher;
  snapshots: SourceSnapshots;
  connections: ConnectionService;
  dispatcher: Dispatcher;
  /** Tells a docker task's image for its cache key; absent where there is no Docker executor. */
  images?: ImageIdentifier;
  /** Runs inline training tasks; absent where trainings are not available. */
  trainings?: TrainingService;
  home: string;
  s3EndpointUrl: string | undefined;
  trackingUri(): string;
  now(): number;
  log: RunnerLog;
}

export interface RunContext {
  deps: RunnerDeps;
  run: PipelineRunRecord;
  parent: { runId: string; experimentId: string };
  rendered: ReadonlyMap<string, RenderedTask>;
  tasks: ReadonlyMap<string, TaskRecord>;
  /** True once the run is being cancelled: nothing new starts. */
  readonly cancelling: boolean;
  /** Writes a task's changes when it is in one of `from`; keeps the record in step. */
  setTask(name: string, changes: TaskChanges, from: readonly TaskState[]): Promise<boolean>;
  workspace(name: string): TaskWorkspace;
  /** The stored source snapshot folder, if the pipeline has a source. */
  snapshotRoot(): string | undefined;
}
