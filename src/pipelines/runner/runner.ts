/**
 * Drives one pipeline run: starts tasks in topological order as their needs finish, at most
 * `concurrency` at a time (the dispatcher then admits their jobs by resources), marks the
 * dependants of a failed task upstream-failed while independent branches keep going, retries
 * after backoff, and ends the run when every task has ended. All state is in the database, so a
 * runner created later (in this process or another) over the same run carries on where this one
 * stopped.
 */
import { TrainyardError } from '../../errors.js';
import type { JobRecord } from '../../jobs/index.js';
import { isTerminal } from '../../jobs/index.js';
import { DirectiveRecorder } from '../../trainings/log-directives-batch.js';
import { TASK_DONE, TASK_FINAL, type PipelineRunRecord, type TaskChanges, type TaskRecord, type TaskState } from '../records.js';
import { renderTasks, type RenderedTask } from '../spec/render.js';
import type { RunContext, RunnerDeps } from './context.js';
import { failedTry, finishTry } from './task-finish.js';
import { startTask } from './task-start.js';
import { createParentRun, endTrackingRun } from './tracking.js';
import { cancelTrainingTask, pollTrainingTask } from './training-task.js';
import { taskWorkspace, type TaskWorkspace } from './workspace.js';

const FAILED: readonly TaskState[] = ['failed', 'upstream-failed', 'cancelled'];

export class PipelineRunner implements RunContext {
  readonly done: Promise<PipelineRunRecord | undefined>;
  readonly rendered: Map<string, RenderedTask>;
  readonly tasks = new Map<string, TaskRecord>();
  parent!: { runId: string; experimentId: string };
  private resolveDone!: (run: PipelineRunRecord | undefined) => void;
  /** Tasks with work under way in this process (key, launch, or recording an end). */
  private readonly busy = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Job ends that arrived while their task was busy. */
  private readonly deferred = new Map<string, JobRecord>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly recorders = new Map<string, { recorder: DirectiveRecorder; timer: NodeJS.Timeout }>();
  private poller: NodeJS.Timeout | undefined;
  private passing: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private cancelRequested = false;

  private constructor(
    readonly deps: RunnerDeps,
    public run: PipelineRunRecord,
    tasks: TaskRecord[],
  ) {
    this.rendered = renderTasks(run.spec, run.params);
    for (const t of tasks) this.tasks.set(t.name, t);
    this.cancelRequested = run.cancelRequested;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** A runner over a run this process holds the lease of; call start() to drive it. */
  static async load(deps: RunnerDeps, id: string): Promise<PipelineRunner> {
    const run = await deps.repo.require(id);
    return new PipelineRunner(deps, run, await deps.repo.tasks(id));
  }

  get cancelling(): boolean {
    return this.cancelRequested;
  }

  workspace(name: string): TaskWorkspace {
    return taskWorkspace(this.deps.home, this.run.id, name, this.rendered.get(name)!.task.workDir);
  }

  snapshotRoot(): string | undefined {
    const hash = this.run.spec.source.snapshot;
    return hash === undefined ? undefined : this.deps.snapshots.path(hash);
  }

  async setTask(name: string, changes: TaskChanges, from: readonly TaskState[]): Promise<boolean> {
    if (!(await this.deps.repo.updateTask(this.run.id, name, changes, from))) {
      const fresh = await this.deps.repo.task(this.run.id, name);
      if (fresh) this.tasks.set(name, fresh);
      return false;
    }
    this.tasks.set(name, { ...this.tasks.get(name)!, ...changes });
    return true;
  }

  /** Creates the parent run if needed, settles tasks an earlier runner left mid-way, and starts driving. */
  async start(): Promise<void> {
    if (this.run.runId) {
      const info = (await this.deps.tracking.runs.get(this.run.runId)).info;
      this.parent = { runId: info.run_id, experimentId: info.experiment_id };
    } else {
      this.parent = await createParentRun(this.deps, this.run);
      await this.deps.repo.setRunId(this.run.id, this.parent.runId);
      this.run = { ...this.run, runId: this.parent.runId };
    }
    for (const t of [...this.tasks.values()]) if (t.state === 'running') await this.reconcile(t);
    this.poller = setInterval(() => void this.poll(), 1000);
    this.kick();
  }

  /** Stops driving (the lease was lost or the process stops); jobs keep running for whoever resumes. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    await this.passing;
    // Work already under way finishes (it only ever moves a task forward); nothing new starts.
    await Promise.allSettled([...this.inFlight]);
    this.resolveDone(undefined);
  }

  /** Cancels the run: nothing new starts, running tasks are stopped, pending ones cancelled. */
  async cancel(): Promise<void> {
    if (this.cancelRequested) return;
    this.cancelRequested = true;
    for (const t of this.tasks.values()) {
      if (t.state !== 'running') continue;
      if (t.jobId) await this.deps.dispatcher.cancel(t.jobId).catch(() => undefined);
      else if (t.trainingId) await cancelTrainingTask(this, t.name);
    }
    this.kick();
  }

  /** A job of this run ended (the dispatcher recorded it). */
  async jobFinished(job: JobRecord): Promise<void> {
    const name = taskOf(job);
    if (this.busy.has(name)) {
      // Its launch is still under way (a cancel can end a queued job at once): handled right after.
      this.deferred.set(name, job);
      return;
    }
    const rec = this.tasks.get(name);
    if (!rec || rec.jobId !== job.id || rec.state !== 'running') return;
    await this.track(name, async () => {
      await this.flushRecorder(job.id);
      const ws = this.workspace(name);
      await finishTry(this, name, {
        ok: job.state === 'succeeded',
        exitCode: job.exitCode,
        message: job.message ?? job.state,
        cancelled: job.state === 'cancelled',
        outputRoot: ws.workDir,
      });
    });
  }

  /** `::metric` / `::param` / `::tag` lines of a task's job go into the task's run. */
  async jobLines(job: JobRecord, lines: string[]): Promise<void> {
    let entry = this.recorders.get(job.id);
    if (!entry) {
      const rec = this.tasks.get(taskOf(job));
      if (!rec?.runId) return;
      const runId = rec.runId;
      const recorder = new DirectiveRecorder({
        write: (batch) => this.deps.tracking.runs.logBatch(runId, batch),
        warn: (message) => this.deps.log.warn({ pipelineRun: this.run.id, task: rec.name }, message),
        knownParams: this.rendered.get(rec.name)!.paramValues,
      });
      entry = { recorder, timer: setInterval(() => void recorder.flush(), 1000) };
      entry.timer.unref();
      this.recorders.set(job.id, entry);
    }
    for (const line of lines) await entry.recorder.line(line);
  }

  /** One scheduling pass at a time; a request during a pass makes it run again. */
  kick(): void {
    if (this.stopped) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    this.passing = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again && !this.stopped);
      } catch (err) {
        this.deps.log.warn({ err, pipelineRun: this.run.id }, 'pipeline scheduling pass failed; retrying');
        this.later(1000);
      } finally {
        this.passing = undefined;
      }
    })();
  }

  private async pass(): Promise<void> {
    let inFlight = [...this.tasks.values()].filter((t) => t.state === 'running' || this.busy.has(t.name)).length;
    const now = this.deps.now();
    for (const { task } of this.rendered.values()) {
      const rec = this.tasks.get(task.name)!;
      if (rec.state !== 'pending' || this.busy.has(task.name)) continue;
      const broken = task.needs.find((n) => FAILED.includes(this.tasks.get(n)!.state));
      if (this.cancelRequested) {
        await this.setTask(task.name, { state: 'cancelled', finishedAt: now, message: 'cancelled before it started' }, ['pending']);
      } else if (broken !== undefined) {
        const state = this.tasks.get(broken)!.state;
        await this.setTask(task.name, { state: 'upstream-failed', finishedAt: now, message: `not run: task '${broken}' ${state === 'upstream-failed' ? 'did not run' : state}` }, ['pending']);
      } else if (task.needs.every((n) => TASK_DONE.includes(this.tasks.get(n)!.state))) {
        if (rec.retryAt !== null && rec.retryAt > now) this.later(rec.retryAt - now);
        else if (inFlight < this.run.spec.concurrency) {
          inFlight++;
          this.begin(task.name);
        }
      }
    }
    if (this.busy.size === 0 && [...this.tasks.values()].every((t) => TASK_FINAL.includes(t.state))) await this.finish();
  }

  private begin(name: string): void {
    void this.track(name, async () => {
      const rec = this.tasks.get(name)!;
      try {
        await startTask(this, name);
      } catch (err) {
        const current = this.tasks.get(name)!;
        // Once its job is queued, the job's end decides; before, this is the try's failure.
        if (current.state === 'running' && current.jobId !== null && current.jobId !== rec.jobId && (await this.deps.dispatcher.queue.get(current.jobId))) throw err;
        const message = err instanceof Error ? err.message : String(err);
        const retryable = !(err instanceof TrainyardError && err.code === 'INVALID_PARAMETER_VALUE');
        await failedTry(this, name, { ok: false, exitCode: null, message: `could not start: ${message}`, cancelled: false, retryable, attempt: Math.max(current.attempt, rec.attempt + 1) });
      }
    });
  }

  /** Runs work for a task, marked busy so no pass or event handles it twice. */
  private track(name: string, work: () => Promise<void>): Promise<void> {
    this.busy.add(name);
    const p = (async () => {
      try {
        await work();
      } catch (err) {
        this.deps.log.warn({ err, pipelineRun: this.run.id, task: name }, 'pipeline task step failed');
      } finally {
        this.busy.delete(name);
        const job = this.deferred.get(name);
        this.deferred.delete(name);
        if (job && !this.stopped) void this.jobFinished(job);
        this.kick();
      }
    })();
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return p;
  }

  /** A task some runner left running: its job ended, still runs, or never got queued. */
  private async reconcile(t: TaskRecord): Promise<void> {
    if (t.trainingId !== null) return; // the training poll follows it
    const job = t.jobId === null ? undefined : await this.deps.dispatcher.queue.get(t.jobId);
    if (job === undefined) {
      // The runner stopped between recording the try and queueing its job: that try never ran.
      await this.setTask(t.name, { state: 'pending', attempt: Math.max(0, t.attempt - 1), jobId: null }, ['running']);
    } else if (isTerminal(job.state)) {
      await this.jobFinished(job);
    }
  }

  /**
   * Follows what events do not report: inline trainings, and (as a safety net) jobs whose end was
   * recorded by a dispatcher in another process or while this runner was not listening.
   */
  private async poll(): Promise<void> {
    for (const t of this.tasks.values()) {
      if (t.state !== 'running' || this.busy.has(t.name)) continue;
      if (t.trainingId !== null) {
        void this.track(t.name, async () => {
          const result = await pollTrainingTask(this, t.name);
          if (result) await finishTry(this, t.name, result);
        });
      } else if (t.jobId !== null) {
        const job = await this.deps.dispatcher.queue.get(t.jobId).catch(() => undefined);
        if (job && isTerminal(job.state)) await this.jobFinished(job);
      }
    }
  }

  private async finish(): Promise<void> {
    if (this.stopped) return;
    const all = [...this.tasks.values()];
    const count = (s: TaskState) => all.filter((t) => t.state === s).length;
    const state = this.cancelRequested && all.some((t) => t.state === 'cancelled') ? 'cancelled' : all.some((t) => FAILED.includes(t.state)) ? 'failed' : 'succeeded';
    const failed = all.filter((t) => t.state === 'failed').map((t) => `${t.name} (${t.message ?? 'failed'})`);
    const parts = (['succeeded', 'cached', 'failed', 'upstream-failed', 'cancelled'] as const).filter((s) => count(s) > 0).map((s) => `${count(s)} ${s}`);
    const message = `${parts.join(', ')}${failed.length ? `; failed: ${failed.join('; ')}` : ''}`;
    const now = this.deps.now();
    // The tracking run first: whoever sees the pipeline run ended also sees its parent run closed.
    await endTrackingRun(this.deps.tracking, this.parent.runId, state === 'succeeded' ? 'FINISHED' : state === 'cancelled' ? 'KILLED' : 'FAILED');
    await this.deps.repo.finish(this.run.id, state, message, now);
    this.stopped = true;
    this.clearTimers();
    this.resolveDone(await this.deps.repo.get(this.run.id));
  }

  private later(ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.kick();
    }, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    this.timers.add(timer);
  }

  private async flushRecorder(jobId: string): Promise<void> {
    const entry = this.recorders.get(jobId);
    if (!entry) return;
    clearInterval(entry.timer);
    this.recorders.delete(jobId);
    await entry.recorder.flush();
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.poller) clearInterval(this.poller);
    for (const [id, entry] of this.recorders) {
      clearInterval(entry.timer);
      void entry.recorder.flush();
      this.recorders.delete(id);
    }
  }
}

/** The task name in a pipeline job's owner id (`<run>/<task>`). */
export function taskOf(job: JobRecord): string {
  return job.owner.id.slice(job.owner.id.lastIndexOf('/') + 1);
}
