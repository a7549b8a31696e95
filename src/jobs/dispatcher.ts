/**
 * The dispatcher: claims queued jobs this machine has room for, starts them on their executor,
 * and follows them to the end (watch.ts). It wakes at once when a job is enqueued in this process
 * and polls for work enqueued elsewhere (several workers may share one PostgreSQL). Its state is
 * the database: a new dispatcher with the same worker id reattaches to what an earlier one left
 * running, and jobs of a worker that stopped sending heartbeats are taken over.
 */
import { invalid } from '../errors.js';
import type { ExecHandle, Executor } from '../executors/types.js';
import { freeCapacity, planAdmission, type Candidate } from './admission.js';
import { assertWithinCapacity, type Capacity } from './capacity.js';
import { clearLogOffset, markLogStart } from './log-offset.js';
import { JobEvents, stderrLog, type DispatcherLog, type JobHandler, type LinesHandler } from './events.js';
import type { JobQueue, QueueEvent } from './queue.js';
import { ACTIVE_STATES, type JobRecord, type NewJob, type OwnerKind } from './types.js';
import { JobWatch, type WatchContext } from './watch.js';

export interface DispatcherOptions {
  queue: JobQueue;
  /** Stable across restarts of this server (default in createDispatcher: the host name). */
  workerId: string;
  capacity: Capacity;
  executors: Executor[];
  /** Poll for work and cancel requests from other processes (default 1 s). */
  pollMs?: number;
  /** Heartbeat and stale-job scan interval (default 5 s). */
  heartbeatMs?: number;
  /** A job whose worker has not sent a heartbeat for this long is taken over (default 60 s). */
  staleAfterMs?: number;
  /** SIGTERM → SIGKILL grace for cancel and timeout (default 10 s). */
  graceMs?: number;
  /** How long a blocked head job lets younger jobs start ahead of it (default 5 min). */
  backfillWindowMs?: number;
  tailPollMs?: number;
  /** Pass keep=true to executor.cleanup for jobs that did not succeed (keep containers to debug). */
  keepFailed?: boolean;
  log?: DispatcherLog;
  now?: () => number;
}

export class Dispatcher {
  readonly queue: JobQueue;
  readonly workerId: string;
  readonly capacity: Capacity;
  private readonly executors = new Map<string, Executor>();
  private readonly events: JobEvents;
  private readonly ctx: WatchContext;
  private readonly opts: Required<Pick<DispatcherOptions, 'pollMs' | 'heartbeatMs' | 'staleAfterMs' | 'backfillWindowMs'>>;
  private readonly log: DispatcherLog;
  private readonly now: () => number;
  /** What admitted jobs of this worker hold, by job id. */
  private readonly reserved = new Map<string, { requests: JobRecord['spec']['requests']; gpuIds: string[] }>();
  private readonly watches = new Map<string, JobWatch>();
  private readonly starting = new Set<Promise<void>>();
  /** Cancel requests for jobs between claim and handle. */
  private readonly pendingCancels = new Set<string>();
  private running = false;
  private passing: Promise<void> | undefined;
  private again = false;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;

  constructor(options: DispatcherOptions) {
    this.queue = options.queue;
    this.workerId = options.workerId;
    this.capacity = options.capacity;
    for (const e of options.executors) this.executors.set(e.name, e);
    this.log = options.log ?? stderrLog;
    this.now = options.now ?? Date.now;
    this.events = new JobEvents(this.log);
    this.opts = {
      pollMs: options.pollMs ?? 1000,
      heartbeatMs: options.heartbeatMs ?? 5000,
      staleAfterMs: options.staleAfterMs ?? 60_000,
      backfillWindowMs: options.backfillWindowMs ?? 5 * 60_000,
    };
    if (this.opts.staleAfterMs < 3 * this.opts.heartbeatMs) {
      throw invalid(`The stale-job interval (${this.opts.staleAfterMs} ms) must be at least three heartbeats (${3 * this.opts.heartbeatMs} ms)`);
    }
    this.ctx = {
      queue: this.queue,
      events: this.events,
      worker: this.workerId,
      graceMs: options.graceMs ?? 10_000,
      tailPollMs: options.tailPollMs ?? 200,
      keepFailed: options.keepFailed ?? false,
      log: this.log,
      now: this.now,
    };
  }

  onJobStarted(owner: OwnerKind, handler: JobHandler): () => void {
    return this.events.on('started', owner, handler);
  }
  /** Called once the final state is recorded, after the job's last lines were delivered. */
  onJobFinished(owner: OwnerKind, handler: JobHandler): () => void {
    return this.events.on('finished', owner, handler);
  }
  /** Complete log lines of running jobs, in order, in batches; awaited before more are read. */
  onJobLines(owner: OwnerKind, handler: LinesHandler): () => void {
    return this.events.onLines(owner, handler);
  }

  /** Reattaches this worker's jobs, then starts dispatching. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.queue.subscribe((e) => this.onQueueEvent(e));
    for (const job of await this.queue.list({ worker: this.workerId, states: ACTIVE_STATES })) await this.adopt(job);
    this.every(this.opts.pollMs, () => this.poll());
    this.every(this.opts.heartbeatMs, () => this.heartbeat());
    await this.heartbeat();
    await this.pass();
  }

  /** Stops dispatching and watching. Jobs keep running; a later start() reattaches them. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.unsubscribe?.();
    await this.passing;
    await Promise.all(this.starting);
    await Promise.all([...this.watches.values()].map((w) => w.detach()));
    this.watches.clear();
    this.reserved.clear();
  }

  /** Queues a job, refusing one that could never fit this machine. */
  async enqueue(job: NewJob, executor: string): Promise<JobRecord> {
    const exec = this.executors.get(executor);
    if (!exec) throw invalid(`No executor named '${executor}' on this server; available: ${[...this.executors.keys()].join(', ')}`);
    if (exec.usesHostResources !== false) assertWithinCapacity(job.requests, this.capacity);
    return this.queue.enqueue(job, executor);
  }

  /** Cancels a job: at once when still queued, otherwise through its dispatcher (this one or another). */
  async cancel(id: string): Promise<JobRecord> {
    const { job, cancelledWhileQueued } = await this.queue.requestCancel(id);
    if (cancelledWhileQueued) await this.events.emit('finished', job);
    return job;
  }

  /** What this worker has free now. */
  free(): Capacity {
    return freeCapacity(this.capacity, this.reserved.values());
  }

  /** Resolves when the job has been recorded as finished by this dispatcher (undefined if it is not watched here). */
  async settled(id: string): Promise<JobRecord | undefined> {
    return this.watches.get(id)?.done;
  }

  private onQueueEvent(e: QueueEvent): void {
    if (!this.running) return;
    if (e.type === 'enqueued') void this.pass();
    else this.cancelLocal(e.id);
  }

  private cancelLocal(id: string): void {
    const watch = this.watches.get(id);
    if (watch) void watch.stop('cancelled');
    else this.pendingCancels.add(id);
  }

  private async poll(): Promise<void> {
    for (const id of await this.queue.cancelRequested(this.workerId)) this.cancelLocal(id);
    await this.pass();
  }

  /** One admission pass at a time; a request during a pass makes it run again. */
  private pass(): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.passing) {
      this.again = true;
      return this.passing;
    }
    this.passing = (async () => {
      try {
        do {
          this.again = false;
          await this.admit();
        } while (this.again && this.running);
      } catch (err) {
        this.log.error({ err }, 'job admission failed; retrying at the next poll');
      } finally {
        this.passing = undefined;
      }
    })();
    return this.passing;
  }

  private async admit(): Promise<void> {
    const queued = await this.queue.list({ states: ['queued'], executors: [...this.executors.keys()], limit: 500 });
    if (queued.length === 0) return;
    const candidates: Candidate[] = queued.map((j) => ({
      id: j.id,
      requests: j.spec.requests,
      createdAt: j.createdAt,
      usesHost: this.executors.get(j.executor)?.usesHostResources !== false,
    }));
    const plan = planAdmission(candidates, this.capacity, this.free(), { now: this.now(), backfillWindowMs: this.opts.backfillWindowMs });
    const byId = new Map(queued.map((j) => [j.id, j]));
    for (const { id, gpuIds } of plan) {
      if (!this.running) return;
      const claimed = await this.queue.claim(byId.get(id)!, this.workerId, gpuIds);
      if (!claimed) {
        this.again = true; // another worker took it or it was cancelled: plan again with fresh rows
        continue;
      }
      this.track(this.launch(claimed));
    }
  }

  private track(p: Promise<void>): void {
    this.starting.add(p);
    void p.finally(() => this.starting.delete(p));
  }

  private async launch(job: JobRecord): Promise<void> {
    const executor = this.executors.get(job.executor)!;
    this.reserve(job);
    let handle: ExecHandle;
    try {
      markLogStart(job.spec);
      handle = await executor.start(job.spec);
    } catch (err) {
      await this.end(job, `could not start: ${(err as Error).message}`, 'failed');
      return;
    }
    const startedAt = this.now();
    if (!(await this.queue.markRunning(job.id, this.workerId, handle, startedAt))) {
      this.log.warn({ jobId: job.id }, 'job was taken over by another worker while it started');
      this.reserved.delete(job.id);
      return;
    }
    const running: JobRecord = { ...job, state: 'running', handle, startedAt };
    await this.events.emit('started', running);
    this.watch(running, handle, executor);
  }

  /** Reattaches a job this worker owns (after a restart or a takeover). */
  private async adopt(job: JobRecord): Promise<void> {
    const executor = this.executors.get(job.executor);
    if (!executor) {
      await this.end(job, `no executor named '${job.executor}' on worker '${this.workerId}' to reattach the job to`, 'lost');
      return;
    }
    const handle = job.handle ?? (await executor.recover?.(job.spec)) ?? null;
    if (!handle) {
      await this.end(job, 'the server stopped before the job started', 'lost');
      return;
    }
    this.reserve(job);
    let current = job;
    if (job.state === 'starting') {
      const startedAt = this.now();
      if (!(await this.queue.markRunning(job.id, this.workerId, handle, startedAt))) {
        this.reserved.delete(job.id);
        return;
      }
      current = { ...job, state: 'running', handle, startedAt };
      await this.events.emit('started', current);
    }
    this.watch(current, handle, executor);
  }

  private watch(job: JobRecord, handle: ExecHandle, executor: Executor): void {
    if (!this.running) {
      this.reserved.delete(job.id);
      return;
    }
    const watch = new JobWatch(this.ctx, { ...job, handle }, executor);
    this.watches.set(job.id, watch);
    if (this.pendingCancels.delete(job.id) || job.cancelRequested) void watch.stop('cancelled');
    void watch.done
      .catch((err: unknown) => this.log.error({ err, jobId: job.id }, 'watching the job failed'))
      .finally(() => {
        if (this.watches.get(job.id) !== watch || !this.running) return;
        this.watches.delete(job.id);
        this.reserved.delete(job.id);
        void this.pass();
      });
  }

  /** Finishes a job that never got (or lost) a process, and frees what it held. */
  private async end(job: JobRecord, message: string, reason: 'failed' | 'lost'): Promise<void> {
    this.reserved.delete(job.id);
    this.pendingCancels.delete(job.id);
    clearLogOffset(job.spec);
    const finished = await this.queue.finish(job.id, this.workerId, { exitCode: null, reason, message });
    if (finished) await this.events.emit('finished', finished);
    void this.pass();
  }

  private reserve(job: JobRecord): void {
    if (this.executors.get(job.executor)?.usesHostResources === false) return;
    this.reserved.set(job.id, { requests: job.spec.requests, gpuIds: job.spec.gpuIds });
  }

  private async heartbeat(): Promise<void> {
    await this.queue.heartbeat(this.workerId);
    for (const job of await this.queue.stale(this.workerId, this.now() - this.opts.staleAfterMs)) {
      const taken = await this.queue.takeOver(job, this.workerId);
      if (taken) {
        this.log.warn({ jobId: job.id, from: job.worker }, 'took over a job whose worker stopped sending heartbeats');
        await this.adopt(taken);
      }
    }
  }

  private every(ms: number, fn: () => Promise<void>): void {
    let busy = false;
    const timer = setInterval(() => {
      if (!this.running || busy) return;
      busy = true;
      fn()
        .catch((err: unknown) => this.log.error({ err }, 'job dispatcher tick failed'))
        .finally(() => (busy = false));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
