/**
 * Pipelines: submit (validate everything, snapshot the source, then run), plan (`--dry-run`),
 * get, list, cancel and logs. Each running pipeline run is driven by a runner in the process that
 * holds its lease; the lease is renewed by a heartbeat, and a run whose runner went silent is
 * taken over and resumed by another process (or by this one after a restart).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { proxyPathOf } from '../artifacts/proxy-uri.js';
import type { ArtifactStore } from '../artifacts/store.js';
import { invalid, notFound, ProblemList, type TrainyardError } from '../errors.js';
import { followFile } from '../executors/log-tail.js';
import { assertWithinCapacity, type Dispatcher } from '../jobs/index.js';
import { resourceNumbers } from '../quantity.js';
import type { Tracking } from '../tracking/index.js';
import type { ConnectionService } from '../trainings/connections/service.js';
import type { TrainingService } from '../trainings/service.js';
import type { SourceSnapshots } from '../trainings/sources/snapshots.js';
import { CodeHasher } from './cache/code-hash.js';
import { OutputStore } from './outputs/cas.js';
import { planRun, type PipelinePlan } from './plan.js';
import { TASK_FINAL, type PipelineRunRecord, type PipelineRunState } from './records.js';
import { PipelineRepository } from './repository.js';
import type { RunnerDeps, RunnerLog } from './runner/context.js';
import { PipelineRunner } from './runner/runner.js';
import type { ImageIdentifier } from './runner/task-image.js';
import { PIPELINE_TASK_OWNER } from './runner/task-start.js';
import { TASK_LOG_ARTIFACT } from './runner/tracking.js';
import { pipelinesRoot, taskWorkspace } from './runner/workspace.js';
import { resolveParams } from './spec/params.js';
import { renderTasks, type RenderedTask } from './spec/render.js';
import type { ParamValue, PipelineSpec } from './spec/types.js';
import { forcedTasks, validatePipeline } from './spec/validate.js';
import { toView, type PipelineRunView } from './view.js';

export interface PipelineServiceDeps {
  tracking: Tracking;
  artifacts: ArtifactStore;
  connections: ConnectionService;
  snapshots: SourceSnapshots;
  dispatcher: Dispatcher;
  trainings?: TrainingService;
  /** The Docker executor, asked what a docker task's image is for its cache key. */
  images?: ImageIdentifier;
  home: string;
  s3EndpointUrl: string | undefined;
  trackingUri(): string;
  /** A run whose runner has not renewed its lease for this long is taken over. */
  staleAfterMs: number;
  now?: () => number;
  log?: RunnerLog;
}

export interface PipelineSubmitOptions {
  /** Parameter values: typed (JSON) or text (`-p key=value`), converted to the declared types. */
  params?: Record<string, unknown>;
  /** Tasks to recompute whatever the cache holds, with everything downstream of them. */
  force?: string[];
  /** Read `source.local.path` from this machine (the CLI); a server refuses it. */
  localPaths?: boolean;
  /** Folder a relative source path starts from (the manifest's folder). */
  baseDir?: string;
  scheduleId?: string;
}

export interface PipelineListFilter {
  pipeline?: string;
  states?: PipelineRunState[];
  scheduleId?: string;
  before?: number;
  limit?: number;
}

interface Prepared {
  spec: PipelineSpec;
  params: Record<string, ParamValue>;
  force: string[];
  rendered: Map<string, RenderedTask>;
}

/** Executors whose jobs use this machine's CPU, memory and GPUs. */
const HOST_EXECUTORS: readonly string[] = ['local', 'docker'];

const consoleLog: RunnerLog = { warn: (obj, msg) => console.warn(`[trainyard pipelines] ${msg}`, obj) };

export class PipelineService {
  readonly repo: PipelineRepository;
  /** This process's name in pipeline leases: unique per process, so a restart never thinks it still holds one. */
  readonly runnerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly runnerDeps: RunnerDeps;
  private readonly runners = new Map<string, PipelineRunner>();
  private readonly finishedListeners = new Set<(run: PipelineRunRecord) => void>();
  private readonly unsubscribe: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private readonly now: () => number;

  constructor(private readonly deps: PipelineServiceDeps) {
    this.repo = new PipelineRepository(deps.tracking.ctx.db);
    this.now = deps.now ?? Date.now;
    this.runnerDeps = {
      repo: this.repo,
      tracking: deps.tracking,
      artifacts: deps.artifacts,
      outputs: new OutputStore(deps.artifacts),
      code: new CodeHasher(),
      snapshots: deps.snapshots,
      connections: deps.connections,
      dispatcher: deps.dispatcher,
      home: deps.home,
      s3EndpointUrl: deps.s3EndpointUrl,
      trackingUri: deps.trackingUri,
      now: this.now,
      log: deps.log ?? consoleLog,
      ...(deps.trainings && { trainings: deps.trainings }),
      ...(deps.images && { images: deps.images }),
    };
  }

  /** Hooks into the dispatcher's job events; call before the dispatcher starts, so no end is missed. */
  attach(): void {
    const d = this.deps.dispatcher;
    this.unsubscribe.push(
      d.onJobFinished(PIPELINE_TASK_OWNER, (job) => this.runners.get(runOf(job.owner.id))?.jobFinished(job)),
      d.onJobLines(PIPELINE_TASK_OWNER, (job, lines) => this.runners.get(runOf(job.owner.id))?.jobLines(job, lines)),
    );
  }

  /** Resumes runs nobody drives, then keeps leases fresh and looks for orphans at each heartbeat. */
  async start(): Promise<void> {
    await this.tick();
    const every = Math.max(200, Math.min(5000, Math.floor(this.deps.staleAfterMs / 4)));
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
  }

  /** Stops driving; runs are left for the next start (their lease is released so it need not wait). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const off of this.unsubscribe.splice(0)) off();
    const ids = [...this.runners.keys()];
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    this.runners.clear();
    await this.repo.release(this.runnerId, ids).catch(() => undefined);
  }

  onRunFinished(listener: (run: PipelineRunRecord) => void): () => void {
    this.finishedListeners.add(listener);
    return () => this.finishedListeners.delete(listener);
  }

  async submit(input: unknown, options: PipelineSubmitOptions = {}): Promise<PipelineRunView> {
    const prepared = await this.prepare(input, options);
    const id = `${prepared.spec.name}-${randomBytes(4).toString('hex')}`;
    await this.repo.create({
      id,
      name: prepared.spec.name,
      spec: prepared.spec,
      params: prepared.params,
      force: prepared.force,
      scheduleId: options.scheduleId ?? null,
      runner: this.runnerId,
      now: this.now(),
    });
    await this.drive(id);
    return this.get(id);
  }

  /** What a submission would do, without doing it. */
  async plan(input: unknown, options: PipelineSubmitOptions = {}): Promise<PipelinePlan> {
    const p = await this.prepare(input, options);
    const snapshotRoot = p.spec.source.snapshot === undefined ? undefined : this.deps.snapshots.path(p.spec.source.snapshot);
    return planRun({ ...this.runnerDeps, scratch: pipelinesRoot(this.deps.home) }, p.spec, p.params, p.rendered, p.force, snapshotRoot);
  }

  async get(id: string): Promise<PipelineRunView> {
    const run = await this.repo.require(id);
    return toView(run, await this.repo.tasks(id));
  }

  async list(filter: PipelineListFilter = {}): Promise<PipelineRunView[]> {
    const runs = await this.repo.list({
      ...(filter.pipeline !== undefined && { name: filter.pipeline }),
      ...(filter.states !== undefined && { states: filter.states }),
      ...(filter.scheduleId !== undefined && { scheduleId: filter.scheduleId }),
      ...(filter.before !== undefined && { before: filter.before }),
      ...(filter.limit !== undefined && { limit: filter.limit }),
    });
    const tasks = await this.repo.tasksOf(runs.map((r) => r.id));
    return runs.map((r) => toView(r, tasks.get(r.id) ?? []));
  }

  /** Cancels a running run: here when this process drives it, else through the flag its runner reads. */
  async cancel(id: string): Promise<PipelineRunView> {
    const run = await this.repo.require(id);
    if (run.state !== 'running') return this.get(id);
    await this.repo.requestCancel(id, this.now());
    const local = this.runners.get(id);
    if (local) await local.cancel();
    else if (await this.repo.claim(id, this.runnerId, this.now() - this.deps.staleAfterMs, this.now())) {
      // Nobody was driving it: take it over, and its runner cancels what is left.
      await this.drive(id);
    }
    return this.get(id);
  }

  /** Resolves with the run once it has ended. */
  async wait(id: string, options: { signal?: AbortSignal; pollMs?: number } = {}): Promise<PipelineRunView> {
    for (;;) {
      options.signal?.throwIfAborted();
      const local = this.runners.get(id);
      if (local) await Promise.race([local.done, new Promise((r) => setTimeout(r, options.pollMs ?? 1000))]);
      const view = await this.get(id);
      if (view.state !== 'running') return view;
      if (!local) await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
    }
  }

  /** One task of a run, as `get` shows it; RESOURCE_DOES_NOT_EXIST naming the tasks there are. */
  async task(id: string, task: string): Promise<PipelineRunView['tasks'][number]> {
    const run = await this.get(id);
    const found = run.tasks.find((t) => t.name === task);
    if (!found) throw notFound(`Pipeline run '${id}' has no task '${task}' (tasks: ${run.tasks.map((t) => t.name).join(', ')})`);
    return found;
  }

  /**
   * A task's log: Trainyard's notes and the task's output, every try. A cached task shows the log
   * of the run that produced its result; an inline training task, its training's log too.
   */
  async *logs(id: string, task: string, options: { follow?: boolean; signal?: AbortSignal } = {}): AsyncGenerator<Buffer> {
    const run = await this.repo.require(id);
    const spec = run.spec.tasks.find((t) => t.name === task);
    const rec = await this.repo.task(id, task);
    if (!spec || !rec) throw notFound(`Pipeline run '${id}' has no task '${task}' (tasks: ${run.spec.tasks.map((t) => t.name).join(', ')})`);
    if (rec.state === 'cached' && rec.cachedFrom) {
      yield Buffer.from(`[trainyard] cached: the result of pipeline run ${rec.cachedFrom.pipelineRunId}; its log follows\n`);
      if (rec.cachedFrom.runId) yield* this.runLog(rec.cachedFrom.runId);
      return;
    }
    const ws = taskWorkspace(this.deps.home, id, task, spec.workDir);
    const until = async () => {
      if (!options.follow) return true;
      const current = await this.repo.task(id, task);
      return current === undefined || TASK_FINAL.includes(current.state);
    };
    for await (const chunk of followFile(ws.logPath, { until, ...(options.signal && { signal: options.signal }) })) yield chunk.data;
    if (rec.trainingId && this.deps.trainings) {
      yield* this.deps.trainings.logs(rec.trainingId, { ...(options.follow !== undefined && { follow: options.follow }), ...(options.signal && { signal: options.signal }) });
    }
  }

  private async *runLog(runId: string): AsyncGenerator<Buffer> {
    const uri = (await this.deps.tracking.runs.get(runId).catch(() => undefined))?.info.artifact_uri;
    const root = uri === undefined ? undefined : proxyPathOf(uri);
    if (root === undefined) return;
    const file = await this.deps.artifacts.get(`${root}/${TASK_LOG_ARTIFACT}`).catch(() => undefined);
    if (!file) return;
    for await (const chunk of file.body) yield chunk as Buffer;
  }

  /**
   * The manifest as it can be submitted again and again (by a schedule): checked like a
   * submission, with a local source folder replaced by its snapshot.
   */
  async resolve(input: unknown, options: PipelineSubmitOptions = {}): Promise<Record<string, unknown>> {
    const { spec } = await this.prepare(input, options);
    const manifest = structuredClone(input as Record<string, unknown>);
    if (spec.source.snapshot !== undefined) manifest.source = { local: { ...(spec.source.path !== undefined && { path: spec.source.path }), snapshot: spec.source.snapshot } };
    return manifest;
  }

  /** Validation, parameters, rendering and the source snapshot: everything that can refuse a submission. */
  private async prepare(input: unknown, options: PipelineSubmitOptions): Promise<Prepared> {
    const connectionType = await this.deps.connections.typeLookup();
    const spec = validatePipeline(input, { connectionType });
    const params = resolveParams(spec.params, options.params ?? {});
    const force = forcedTasks(spec, options.force ?? []);
    const rendered = renderTasks(spec, params);
    this.checkCapacity(spec);
    const source = spec.source;
    if (source.snapshot !== undefined) {
      if (!(await this.deps.snapshots.has(source.snapshot))) {
        throw invalid(`source.local.snapshot: no uploaded source has the hash ${source.snapshot}; upload it first`);
      }
    } else if (options.localPaths) {
      const path = resolve(options.baseDir ?? process.cwd(), source.path ?? '.');
      source.path = path;
      source.snapshot = (await this.deps.snapshots.fromFolder(path)).hash;
    } else if (source.path !== undefined) {
      throw invalid(
        'source.local.path: this server does not read folders from its own disk; submit with the trainyard CLI (it uploads the folder) or upload a .tar.gz to POST /api/v1/sources and give its hash as source.local.snapshot',
      );
    }
    return { spec, params, force, rendered };
  }

  /** A task asking for more than this machine has could never start: refused now, not after its upstream ran. */
  private checkCapacity(spec: PipelineSpec): void {
    const problems = new ProblemList();
    for (const task of spec.tasks) {
      if (task.run.kind === 'training' || !HOST_EXECUTORS.includes(task.executor)) continue;
      const n = resourceNumbers(task.resources.requests);
      try {
        assertWithinCapacity({ millicores: n.millicores, bytes: n.bytes, gpus: n.gpus }, this.deps.dispatcher.capacity);
      } catch (err) {
        for (const p of (err as TrainyardError).problems ?? []) problems.add(p.field.replace(/^resources/, `tasks.${task.name}.resources`), p.message);
      }
    }
    problems.throwIfAny('Invalid Pipeline manifest');
  }

  /** Starts a runner for a run this process holds the lease of. */
  private async drive(id: string): Promise<void> {
    if (this.runners.has(id)) return;
    const runner = await PipelineRunner.load(this.runnerDeps, id);
    this.runners.set(id, runner);
    void runner.done.then((finished) => {
      if (this.runners.get(id) === runner) this.runners.delete(id);
      if (finished) for (const l of this.finishedListeners) l(finished);
    });
    try {
      await runner.start();
      if (runner.run.cancelRequested) await runner.cancel();
    } catch (err) {
      this.runners.delete(id);
      await runner.stop();
      throw err;
    }
  }

  /** Renews leases, passes on cancel requests from other processes, and resumes orphaned runs. */
  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = this.now();
      const held = await this.repo.heartbeat(this.runnerId, [...this.runners.keys()], now);
      const still = new Set(held.map((h) => h.id));
      for (const [id, runner] of this.runners) {
        if (!still.has(id) && runner.run.state === 'running') {
          // Someone else holds it now (or it ended elsewhere): stop driving it here.
          this.runners.delete(id);
          await runner.stop();
        }
      }
      for (const h of held) if (h.cancelRequested) await this.runners.get(h.id)?.cancel();
      for (const id of await this.repo.orphans(this.runnerId, now - this.deps.staleAfterMs)) {
        if (this.runners.has(id)) continue;
        if (await this.repo.claim(id, this.runnerId, now - this.deps.staleAfterMs, now)) {
          await this.drive(id).catch((err: unknown) => this.runnerDeps.log.warn({ err, pipelineRun: id }, 'could not resume the pipeline run'));
        }
      }
    } catch (err) {
      this.runnerDeps.log.warn({ err }, 'pipeline heartbeat failed');
    } finally {
      this.ticking = false;
    }
  }
}

function runOf(ownerId: string): string {
  return ownerId.slice(0, ownerId.lastIndexOf('/'));
}

