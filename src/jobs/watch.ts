/**
 * Follows one started job until it ends: waits on its executor, enforces its timeout, stops it on
 * cancel, hands its log lines to listeners, then records how it ended. Detaching (dispatcher
 * stop) leaves the job running and its row untouched, for the next dispatcher to reattach.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { followFile, LineSplitter } from '../executors/log-tail.js';
import type { ExecHandle, Executor, ExitInfo } from '../executors/types.js';
import type { DispatcherLog, JobEvents } from './events.js';
import { clearLogOffset, readLogOffset, saveLogOffset } from './log-offset.js';
import type { JobQueue } from './queue.js';
import type { JobRecord } from './types.js';

export interface WatchContext {
  queue: JobQueue;
  events: JobEvents;
  worker: string;
  graceMs: number;
  tailPollMs: number;
  keepFailed: boolean;
  log: DispatcherLog;
  now: () => number;
}

type StopReason = 'cancelled' | 'timeout';

export class JobWatch {
  readonly done: Promise<JobRecord | undefined>;
  private readonly abort = new AbortController();
  private stopReason: StopReason | null = null;
  private stopping: Promise<void> | undefined;
  private exited = false;
  /** Settles when the executor reported the end, so the log tail reads the last lines without waiting for its next poll. */
  private readonly ended: Promise<void>;
  private markEnded!: () => void;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: WatchContext,
    readonly job: JobRecord & { handle: ExecHandle },
    private readonly executor: Executor,
  ) {
    this.ended = new Promise((resolve) => (this.markEnded = resolve));
    this.armTimeout();
    this.done = this.run();
  }

  /** Stops the job (idempotent); it then ends with reason 'cancelled' or 'timeout'. */
  stop(reason: StopReason): Promise<void> {
    if (this.exited || this.abort.signal.aborted) return Promise.resolve();
    if (this.stopping) return this.stopping;
    this.stopReason = reason;
    this.stopping = this.executor.cancel(this.job.handle, this.ctx.graceMs).catch((err: unknown) => {
      this.ctx.log.error({ err, jobId: this.job.id }, 'could not stop the job');
    });
    return this.stopping;
  }

  /** Stops watching, leaving the job as it is. */
  detach(): Promise<unknown> {
    clearTimeout(this.timer);
    this.abort.abort();
    return this.done;
  }

  private async run(): Promise<JobRecord | undefined> {
    const tail = this.ctx.events.hasLineHandlers(this.job.owner.kind) ? this.tail() : Promise.resolve();
    let exit: ExitInfo;
    try {
      exit = await this.executor.wait(this.job.handle, this.abort.signal);
    } catch (err) {
      if (this.abort.signal.aborted) {
        await tail;
        return undefined;
      }
      exit = { exitCode: null, reason: 'lost', message: `could not follow the job: ${(err as Error).message}` };
    }
    this.exited = true;
    this.markEnded();
    clearTimeout(this.timer);
    await this.stopping;
    await tail;
    const finished = await this.record(this.verdict(exit));
    if (!finished) return undefined;
    clearLogOffset(this.job.spec);
    await this.ctx.events.emit('finished', finished);
    try {
      await this.executor.cleanup?.(this.job.handle, this.ctx.keepFailed && finished.state !== 'succeeded');
    } catch (err) {
      this.ctx.log.warn({ err, jobId: this.job.id }, 'could not clean up after the job');
    }
    return finished;
  }

  /** Retries while the database is unreachable: a job must not stay 'running' after it ended. */
  private async record(exit: ExitInfo): Promise<JobRecord | undefined> {
    for (let attempt = 0; !this.abort.signal.aborted; attempt++) {
      try {
        return await this.ctx.queue.finish(this.job.id, this.ctx.worker, exit);
      } catch (err) {
        this.ctx.log.error({ err, jobId: this.job.id, attempt }, 'could not record how the job ended; retrying');
        await sleep(Math.min(30_000, 500 * 2 ** attempt), undefined, { signal: this.abort.signal }).catch(() => {});
      }
    }
    return undefined;
  }

  private verdict(exit: ExitInfo): ExitInfo {
    if (this.stopReason === 'timeout') {
      return { exitCode: exit.exitCode, reason: 'timeout', message: `exceeded its timeout of ${this.job.spec.timeoutSeconds}s and was stopped (${exit.message})` };
    }
    if (this.stopReason === 'cancelled') {
      return { exitCode: exit.exitCode, reason: 'cancelled', message: `cancelled on request (${exit.message})` };
    }
    return exit;
  }

  private armTimeout(): void {
    const seconds = this.job.spec.timeoutSeconds;
    if (seconds === undefined) return;
    const deadline = (this.job.startedAt ?? this.ctx.now()) + seconds * 1000;
    const arm = () => {
      const left = deadline - this.ctx.now();
      if (left <= 0) {
        void this.stop('timeout');
        return;
      }
      // setTimeout overflows past 2^31-1 ms (about 24.8 days): re-arm in steps.
      this.timer = setTimeout(arm, Math.min(left, 2 ** 31 - 1));
      this.timer.unref();
    };
    arm();
  }

  private async tail(): Promise<void> {
    const { spec } = this.job;
    const logPath = spec.logPath;
    const start = readLogOffset(spec);
    const splitter = new LineSplitter(start);
    const deliver = async (lines: string[]) => {
      if (lines.length === 0) return;
      await this.ctx.events.emitLines(this.job, lines);
      saveLogOffset(spec, splitter.consumed);
    };
    try {
      const chunks = followFile(logPath, { offset: start, until: () => this.exited, signal: this.abort.signal, pollMs: this.ctx.tailPollMs, wake: this.ended });
      for await (const chunk of chunks) await deliver(splitter.push(chunk.data));
      if (!this.abort.signal.aborted) await deliver(splitter.flush());
    } catch (err) {
      this.ctx.log.warn({ err, jobId: this.job.id, logPath }, 'stopped reading the job log');
    }
  }
}
