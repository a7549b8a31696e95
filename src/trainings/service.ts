/**
 * The ModelTraining resource: create, edit (= run again), get, list, delete, cancel and logs.
 * Preparation runs in this process; the dispatcher runs the job; the handlers below turn job
 * events into training states. Nothing stays "running" across a restart: start() reconciles.
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { alreadyExists, invalid } from '../errors.js';
import { followFile } from '../executors/log-tail.js';
import { isTerminal, type Dispatcher, type JobRecord } from '../jobs/index.js';
import type { ArtifactStore } from '../artifacts/store.js';
import type { Tracking } from '../tracking/index.js';
import type { ConnectionService } from './connections/service.js';
import { endRun, finishTraining } from './finish.js';
import { DirectiveRecorder } from './log-directives-batch.js';
import { launchTraining, newJobId, note, PreparationError, type LaunchDeps } from './launch.js';
import type { TrainingSpec } from './manifest/types.js';
import { validateManifest } from './manifest/validate.js';
import { TrainingRepository, type TrainingEvent, type TrainingFilter } from './repository.js';
import { FINISHED_STATES, toResource, type ModelTraining, type TrainingRow } from './resource.js';
import type { SourceSnapshots } from './sources/snapshots.js';
import { trainingsRoot, workspaceFor } from './workspace.js';

export interface TrainingServiceDeps {
  tracking: Tracking;
  artifacts: ArtifactStore;
  connections: ConnectionService;
  snapshots: SourceSnapshots;
  dispatcher: Dispatcher;
  home: string;
  s3EndpointUrl: string | undefined;
  trackingUri(): string;
  /** Where warnings about a training's output go besides its log. */
  warn?(message: string): void;
}

export interface SubmitOptions {
  /** Read `algorithmSource.local.path` folders from this machine (the CLI and local runs); a server refuses them. */
  localPaths?: boolean;
  /** Folder that relative local source paths start from (the manifest's folder). */
  baseDir?: string;
}

export class TrainingService {
  readonly repo: TrainingRepository;
  private readonly preparing = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly recorders = new Map<string, { recorder: DirectiveRecorder; timer: NodeJS.Timeout }>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly deps: TrainingServiceDeps) {
    this.repo = new TrainingRepository(deps.tracking.ctx.db);
  }

  /** Hooks into the dispatcher, starts it, and settles trainings an earlier process left behind. */
  async start(): Promise<void> {
    const d = this.deps.dispatcher;
    this.unsubscribe.push(
      d.onJobStarted('training', (job) => this.jobStarted(job)),
      d.onJobLines('training', (job, lines) => this.jobLines(job, lines)),
      d.onJobFinished('training', (job) => this.jobFinished(job)),
    );
    await d.start();
    for (const row of await this.repo.unfinished()) {
      const job = row.job_id === null ? undefined : await d.queue.get(row.job_id);
      if (job === undefined) this.prepare(row);
      else if (isTerminal(job.state)) await this.jobFinished(job);
      else if (job.state === 'running' && row.state === 'scheduling') await this.jobStarted(job);
    }
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    // Preparations stop at their next step; wait for them so none touches the store after close.
    const inFlight = [...this.preparing.values()];
    for (const p of inFlight) p.controller.abort();
    await Promise.all(inFlight.map((p) => p.done));
    for (const [id, r] of this.recorders) {
      clearInterval(r.timer);
      await r.recorder.flush();
      this.recorders.delete(id);
    }
    await this.deps.dispatcher.stop();
  }

  async create(input: unknown, options: SubmitOptions = {}): Promise<ModelTraining> {
    const { id, spec, sourceHash } = await this.validate(input, options);
    if (await this.repo.get(id)) throw alreadyExists(`Training '${id}' already exists; edit it to run it again`);
    const row = await this.repo.schedule(id, spec, sourceHash);
    this.prepare(row);
    return toResource(row);
  }

  /** Replaces the spec and runs the training again; a running generation is cancelled first. */
  async edit(input: unknown, options: SubmitOptions = {}): Promise<ModelTraining> {
    const { id, spec, sourceHash } = await this.validate(input, options);
    const existing = await this.stopGeneration(await this.repo.require(id), 'edited: this generation was replaced');
    // The replaced generation's job ends unobserved (it is no longer current), so close its run here.
    if (!FINISHED_STATES.includes(existing.state as never) && existing.run_id) await endRun(this.deps, existing.run_id, 'cancelled');
    const row = await this.repo.schedule(id, spec, sourceHash, existing);
    this.prepare(row);
    return toResource(row);
  }

  async get(id: string): Promise<ModelTraining> {
    return toResource(await this.repo.require(id));
  }

  async list(filter: TrainingFilter = {}): Promise<ModelTraining[]> {
    return (await this.repo.list(filter)).map(toResource);
  }

  async events(id: string): Promise<TrainingEvent[]> {
    await this.repo.require(id);
    return this.repo.events(id);
  }

  async cancel(id: string): Promise<ModelTraining> {
    const row = await this.repo.require(id);
    await this.stopGeneration(row, 'cancelled');
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    const row = await this.stopGeneration(await this.repo.require(id), 'deleted');
    await this.repo.delete(id);
    const job = row.job_id === null ? undefined : await this.deps.dispatcher.settled(row.job_id);
    if (job === undefined || isTerminal(job.state)) await rm(join(trainingsRoot(this.deps.home), id), { recursive: true, force: true });
  }

  /**
   * The training's log: Trainyard's preparation notes and the program's output. With `follow`,
   * keeps yielding until the training has finished and everything written is read.
   */
  async *logs(id: string, options: { follow?: boolean; signal?: AbortSignal } = {}): AsyncGenerator<Buffer> {
    const row = await this.repo.require(id);
    const spec = JSON.parse(row.spec) as TrainingSpec;
    const ws = workspaceFor(this.deps.home, row.id, row.generation, spec.workDir);
    const until = async () => {
      if (!options.follow) return true;
      const current = await this.repo.get(id);
      return current === undefined || current.generation !== row.generation || FINISHED_STATES.includes(current.state as never);
    };
    for await (const chunk of followFile(ws.logPath, { until, ...(options.signal && { signal: options.signal }) })) yield chunk.data;
  }

  private async validate(input: unknown, options: SubmitOptions) {
    const connectionType = await this.deps.connections.typeLookup();
    const { id, spec } = validateManifest(input, { connectionType });
    const local = spec.algorithmSource?.local;
    let sourceHash: string | undefined;
    if (local) {
      if (local.snapshot !== undefined) {
        if (!(await this.deps.snapshots.has(local.snapshot))) {
          throw invalid(`spec.algorithmSource.local.snapshot: no uploaded source has the hash ${local.snapshot}; upload it first`);
        }
      } else if (options.localPaths) {
        local.path = resolve(options.baseDir ?? process.cwd(), local.path);
        local.snapshot = (await this.deps.snapshots.fromFolder(local.path)).hash;
      } else {
        throw invalid(
          `spec.algorithmSource.local.path: this server does not read folders from its own disk; submit with the trainyard CLI (it uploads the folder) or upload a .tar.gz to POST /api/v1/sources and give its hash as algorithmSource.local.snapshot`,
        );
      }
      sourceHash = local.snapshot;
    }
    return { id, spec, sourceHash };
  }

  /** Prepares a generation in the background; its outcome lands in the training's status. */
  private prepare(row: TrainingRow): void {
    const controller = new AbortController();
    const deps: LaunchDeps = { ...this.deps, repo: this.repo };
    const jobId = newJobId(row);
    const done = launchTraining(deps, row, jobId, controller.signal)
      .then(async () => {
        // Cancelled or edited while the job was being queued: the queued job goes too.
        const current = await this.repo.get(row.id);
        if (current?.job_id !== jobId || FINISHED_STATES.includes(current.state as never)) await this.deps.dispatcher.cancel(jobId);
      })
      .catch((err: unknown) => this.preparationFailed(row, err))
      .catch((err: unknown) => this.deps.warn?.(`training ${row.id}: recording the preparation's outcome failed: ${(err as Error).message}`))
      .finally(() => {
        if (this.preparing.get(row.id)?.controller === controller) this.preparing.delete(row.id);
      });
    this.preparing.set(row.id, { controller, done });
  }

  private async preparationFailed(row: TrainingRow, err: unknown): Promise<void> {
    if ((err as Error).name === 'AbortError') return;
    const reason = err instanceof PreparationError ? err.reason : 'PreparationFailed';
    const message = err instanceof Error ? err.message : String(err);
    const spec = JSON.parse(row.spec) as TrainingSpec;
    await note(workspaceFor(this.deps.home, row.id, row.generation, spec.workDir), `failed: ${message}`).catch(() => undefined);
    const current = await this.repo.get(row.id);
    const changed = await this.repo.update(row.id, row.generation, { state: 'failed', reason, message, finished_at: Date.now() }, message, ['scheduling']);
    if (changed && current?.run_id) await endRun(this.deps, current.run_id, 'failed');
  }

  /**
   * Stops whatever the current generation is doing: preparation, a queued or a running job.
   * Returns the row as it is once the preparation has stopped (it may have queued a job).
   */
  private async stopGeneration(row: TrainingRow, why: string): Promise<TrainingRow> {
    if (FINISHED_STATES.includes(row.state as never)) return row;
    // A preparation stops at its next step (fetches take the signal). Waiting for it means nothing
    // of it writes into a workspace being deleted, and a job it queued meanwhile is seen below.
    const preparing = this.preparing.get(row.id);
    preparing?.controller.abort();
    await preparing?.done;
    if (preparing) row = (await this.repo.get(row.id)) ?? row;
    if (FINISHED_STATES.includes(row.state as never)) return row;
    const job = row.job_id === null ? undefined : await this.deps.dispatcher.queue.get(row.job_id);
    if (job !== undefined) {
      await this.deps.dispatcher.cancel(job.id);
      return row;
    }
    // Never queued: the preparation has stopped (or had already failed) without a job.
    const changed = await this.repo.update(row.id, row.generation, { state: 'cancelled', reason: 'Cancelled', message: `${why} before it started`, finished_at: Date.now() }, why, ['scheduling']);
    const current = await this.repo.get(row.id);
    if (changed && current?.run_id) await endRun(this.deps, current.run_id, 'cancelled');
    return current ?? row;
  }

  private async current(job: JobRecord): Promise<TrainingRow | undefined> {
    const row = await this.repo.get(job.owner.id);
    return row?.job_id === job.id ? row : undefined;
  }

  private async jobStarted(job: JobRecord): Promise<void> {
    const row = await this.current(job);
    if (row) await this.repo.update(row.id, row.generation, { state: 'running', started_at: job.startedAt ?? Date.now() }, 'the training process started', ['scheduling']);
  }

  private async jobLines(job: JobRecord, lines: string[]): Promise<void> {
    let entry = this.recorders.get(job.id);
    if (!entry) {
      const row = await this.current(job);
      if (!row?.run_id) return;
      const runId = row.run_id;
      const spec = JSON.parse(row.spec) as TrainingSpec;
      const recorder = new DirectiveRecorder({
        write: (batch) => this.deps.tracking.runs.logBatch(runId, batch),
        warn: (message) => this.deps.warn?.(`training ${row.id}: ${message}`),
        knownParams: spec.hyperParameters,
      });
      // Directives arrive in bursts; write what has gathered once a second, not line by line.
      entry = { recorder, timer: setInterval(() => void recorder.flush(), 1000) };
      entry.timer.unref();
      this.recorders.set(job.id, entry);
    }
    for (const line of lines) await entry.recorder.line(line);
  }

  private async jobFinished(job: JobRecord): Promise<void> {
    const entry = this.recorders.get(job.id);
    if (entry) {
      clearInterval(entry.timer);
      this.recorders.delete(job.id);
      await entry.recorder.flush();
    }
    const row = await this.current(job);
    if (row && !FINISHED_STATES.includes(row.state as never)) await finishTraining({ ...this.deps, repo: this.repo }, row, job);
  }
}
