/**
 * The durable job queue in the `jobs` table. Every transition is one conditional UPDATE whose
 * WHERE names the state it leaves (and the worker that owns it), so several dispatchers sharing
 * one PostgreSQL never both claim, finish or take over the same job: the loser sees 0 rows.
 */
import { randomUUID } from 'node:crypto';
import { isAbsolute } from 'node:path';
import type { Selectable } from 'kysely';
import { notFound, ProblemList } from '../errors.js';
import type { ExecHandle, ExecJob, ExitInfo, ExitReason } from '../executors/types.js';
import type { Db } from '../store/open.js';
import type { JobsTable } from '../store/schema.js';
import { ACTIVE_STATES, finalState, type JobRecord, type JobState, type NewJob, type OwnerKind } from './types.js';

export type QueueEvent = { type: 'enqueued'; id: string } | { type: 'cancel-requested'; id: string };

export interface JobFilter {
  ownerKind?: OwnerKind;
  ownerId?: string;
  states?: readonly JobState[];
  worker?: string;
  executors?: readonly string[];
  limit?: number;
}

export interface JobQueueOptions {
  now?: () => number;
}

export class JobQueue {
  private readonly listeners = new Set<(event: QueueEvent) => void>();
  private readonly now: () => number;
  private lastCreatedAt = 0;

  constructor(
    readonly db: Db,
    options: JobQueueOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** In-process notifications, so a dispatcher in this process reacts without waiting for its poll. */
  subscribe(listener: (event: QueueEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async enqueue(job: NewJob, executor: string): Promise<JobRecord> {
    validateNewJob(job, executor);
    const id = job.id ?? randomUUID().replaceAll('-', '');
    const spec: ExecJob = { ...job, id, gpuIds: [] };
    // Strictly increasing within this process, so jobs enqueued in one millisecond keep their order.
    const createdAt = (this.lastCreatedAt = Math.max(this.now(), this.lastCreatedAt + 1));
    await this.db
      .insertInto('jobs')
      .values({
        id,
        owner_kind: job.owner.kind,
        owner_id: job.owner.id,
        state: 'queued',
        executor,
        spec: JSON.stringify(spec),
        handle: null,
        worker: null,
        heartbeat_at: null,
        cancel_requested: 0,
        exit_code: null,
        reason: null,
        message: null,
        created_at: createdAt,
        started_at: null,
        finished_at: null,
      })
      .execute();
    this.emit({ type: 'enqueued', id });
    return (await this.get(id))!;
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? decode(row) : undefined;
  }

  async require(id: string): Promise<JobRecord> {
    const job = await this.get(id);
    if (!job) throw notFound(`Job '${id}' does not exist`);
    return job;
  }

  /** Oldest first (the order admission considers them in). */
  async list(filter: JobFilter = {}): Promise<JobRecord[]> {
    let q = this.db.selectFrom('jobs').selectAll();
    if (filter.ownerKind !== undefined) q = q.where('owner_kind', '=', filter.ownerKind);
    if (filter.ownerId !== undefined) q = q.where('owner_id', '=', filter.ownerId);
    if (filter.states !== undefined) q = q.where('state', 'in', filter.states.length ? [...filter.states] : ['-']);
    if (filter.worker !== undefined) q = q.where('worker', '=', filter.worker);
    if (filter.executors !== undefined) q = q.where('executor', 'in', filter.executors.length ? [...filter.executors] : ['-']);
    const rows = await q.orderBy('created_at').orderBy('id').limit(filter.limit ?? 1000).execute();
    return rows.map(decode);
  }

  /** Moves a queued job to `starting` for `worker`, recording the GPUs admission gave it. */
  async claim(job: JobRecord, worker: string, gpuIds: string[]): Promise<JobRecord | undefined> {
    const spec: ExecJob = { ...job.spec, gpuIds };
    const result = await this.db
      .updateTable('jobs')
      .set({ state: 'starting', worker, heartbeat_at: this.now(), spec: JSON.stringify(spec) })
      .where('id', '=', job.id)
      .where('state', '=', 'queued')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return undefined;
    return { ...job, state: 'starting', worker, spec, heartbeatAt: this.now() };
  }

  async markRunning(id: string, worker: string, handle: ExecHandle, startedAt = this.now()): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ state: 'running', handle: JSON.stringify(handle), started_at: startedAt, heartbeat_at: this.now() })
      .where('id', '=', id)
      .where('worker', '=', worker)
      .where('state', '=', 'starting')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** One statement for all of a worker's active jobs. */
  async heartbeat(worker: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ heartbeat_at: this.now() })
      .where('worker', '=', worker)
      .where('state', 'in', [...ACTIVE_STATES])
      .execute();
  }

  /**
   * Records how an active job ended; the state follows from `exit.reason`. Returns the final
   * record, or undefined when the job was not active for this worker (someone else finished it).
   */
  async finish(id: string, worker: string, exit: ExitInfo): Promise<JobRecord | undefined> {
    const result = await this.db
      .updateTable('jobs')
      .set({
        state: finalState(exit),
        exit_code: exit.exitCode,
        reason: exit.reason,
        message: exit.message,
        finished_at: this.now(),
      })
      .where('id', '=', id)
      .where('worker', '=', worker)
      .where('state', 'in', [...ACTIVE_STATES])
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return undefined;
    return this.get(id);
  }

  /**
   * Cancels a queued job at once (it never started); for a starting or running job, raises the
   * flag its dispatcher acts on. A finished job is returned unchanged.
   */
  async requestCancel(id: string): Promise<{ job: JobRecord; cancelledWhileQueued: boolean }> {
    const queued = await this.db
      .updateTable('jobs')
      .set({
        state: 'cancelled',
        cancel_requested: 1,
        reason: 'cancelled',
        message: 'cancelled before it started',
        finished_at: this.now(),
      })
      .where('id', '=', id)
      .where('state', '=', 'queued')
      .executeTakeFirst();
    const cancelledWhileQueued = Number(queued.numUpdatedRows) === 1;
    if (!cancelledWhileQueued) {
      await this.db
        .updateTable('jobs')
        .set({ cancel_requested: 1 })
        .where('id', '=', id)
        .where('state', 'in', [...ACTIVE_STATES])
        .execute();
    }
    const job = await this.require(id);
    if (ACTIVE_STATES.includes(job.state)) this.emit({ type: 'cancel-requested', id });
    return { job, cancelledWhileQueued };
  }

  /** Ids of this worker's active jobs whose cancellation was requested (possibly by another process). */
  async cancelRequested(worker: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .select('id')
      .where('worker', '=', worker)
      .where('cancel_requested', '=', 1)
      .where('state', 'in', [...ACTIVE_STATES])
      .execute();
    return rows.map((r) => r.id);
  }

  /** Active jobs of other workers whose heartbeat is older than `before`. */
  async stale(worker: string, before: number): Promise<JobRecord[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('state', 'in', [...ACTIVE_STATES])
      .where('worker', '!=', worker)
      .where('heartbeat_at', '<', before)
      .orderBy('created_at')
      .execute();
    return rows.map(decode);
  }

  /** Moves a stale job to `worker`, unless its owner woke up (heartbeat moved) or another worker was faster. */
  async takeOver(job: JobRecord, worker: string): Promise<JobRecord | undefined> {
    if (job.worker === null || job.heartbeatAt === null) return undefined;
    const result = await this.db
      .updateTable('jobs')
      .set({ worker, heartbeat_at: this.now() })
      .where('id', '=', job.id)
      .where('worker', '=', job.worker)
      .where('heartbeat_at', '=', job.heartbeatAt)
      .where('state', 'in', [...ACTIVE_STATES])
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return undefined;
    return { ...job, worker, heartbeatAt: this.now() };
  }

  private emit(event: QueueEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

function validateNewJob(job: NewJob, executor: string): void {
  const problems = new ProblemList();
  if (typeof executor !== 'string' || executor === '') problems.add('executor', 'must name an executor');
  if (job.id !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(job.id)) {
    problems.add('id', 'must be 1-128 letters, digits, dots, dashes or underscores');
  }
  if (!Array.isArray(job.argv) || job.argv.length === 0 || job.argv.some((a) => typeof a !== 'string')) {
    problems.add('argv', 'must be a non-empty list of strings');
  }
  for (const field of ['cwd', 'workspace', 'logPath'] as const) {
    if (typeof job[field] !== 'string' || !isAbsolute(job[field])) problems.add(field, 'must be an absolute path');
  }
  for (const field of ['requests', 'limits'] as const) {
    for (const k of ['millicores', 'bytes', 'gpus'] as const) {
      const v = job[field]?.[k];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) problems.add(`${field}.${k}`, 'must be a whole number ≥ 0');
    }
  }
  if (job.timeoutSeconds !== undefined && !(job.timeoutSeconds > 0)) problems.add('timeoutSeconds', 'must be positive');
  problems.throwIfAny('Invalid job');
}

function decode(row: Selectable<JobsTable>): JobRecord {
  return {
    id: row.id,
    owner: { kind: row.owner_kind as OwnerKind, id: row.owner_id },
    state: row.state as JobState,
    executor: row.executor,
    spec: JSON.parse(row.spec) as ExecJob,
    handle: row.handle === null ? null : (JSON.parse(row.handle) as ExecHandle),
    worker: row.worker,
    heartbeatAt: row.heartbeat_at,
    cancelRequested: row.cancel_requested === 1,
    exitCode: row.exit_code,
    reason: row.reason as ExitReason | null,
    message: row.message,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
