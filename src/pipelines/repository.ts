/**
 * Pipeline runs, task states and cache entries in the metadata store. Task transitions are
 * conditional updates naming the states they leave, so a late or repeated event never moves a
 * task backwards; a run is driven by the one runner holding its lease (runner + heartbeat).
 */
import type { Selectable } from 'kysely';
import { notFound } from '../errors.js';
import type { Db } from '../store/open.js';
import type { PipelineRunsTable } from '../store/schema.js';
import type { PipelineSpec } from './spec/types.js';
import {
  decodeCache,
  decodeRun,
  decodeTask,
  taskColumns,
  type CacheEntry,
  type PipelineRunRecord,
  type PipelineRunState,
  type TaskChanges,
  type TaskRecord,
  type TaskState,
} from './records.js';

export interface RunFilter {
  name?: string;
  states?: readonly PipelineRunState[];
  scheduleId?: string;
  /** Runs created before this time (paging, newest first). */
  before?: number;
  limit?: number;
}

export interface NewRun {
  id: string;
  name: string;
  spec: PipelineRunRecord['spec'];
  params: PipelineRunRecord['params'];
  force: string[];
  scheduleId: string | null;
  runner: string;
  now: number;
}

/** Decoded specs kept: a run's spec never changes, and a 100-task spec is worth not parsing at every read. */
const SPEC_CACHE_SIZE = 64;

export class PipelineRepository {
  private readonly specs = new Map<string, PipelineSpec>();

  constructor(readonly db: Db) {}

  private decode(row: Selectable<PipelineRunsTable>): PipelineRunRecord {
    return decodeRun(row, (text) => {
      let spec = this.specs.get(text);
      if (!spec) {
        if (this.specs.size >= SPEC_CACHE_SIZE) this.specs.delete(this.specs.keys().next().value!);
        spec = JSON.parse(text) as PipelineSpec;
        this.specs.set(text, spec);
      }
      return spec; // shared: nothing writes to a decoded spec
    });
  }

  /** The run and all its tasks (pending), in one transaction, held by `runner`. */
  async create(run: NewRun): Promise<PipelineRunRecord> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('pipeline_runs')
        .values({
          id: run.id,
          name: run.name,
          spec: JSON.stringify(run.spec),
          params: JSON.stringify(run.params),
          force: JSON.stringify(run.force),
          state: 'running',
          message: null,
          run_id: null,
          schedule_id: run.scheduleId,
          runner: run.runner,
          heartbeat_at: run.now,
          cancel_requested: 0,
          created_at: run.now,
          updated_at: run.now,
          finished_at: null,
        })
        .execute();
      await tx
        .insertInto('pipeline_tasks')
        .values(
          run.spec.tasks.map((t, position) => ({
            pipeline_run_id: run.id,
            name: t.name,
            position,
            state: 'pending',
            attempt: 0,
            cache_key: null,
            key_parts: null,
            job_id: null,
            run_id: null,
            training_id: null,
            cached_from: null,
            outputs: null,
            exit_code: null,
            message: null,
            retry_at: null,
            started_at: null,
            finished_at: null,
          })),
        )
        .execute();
    });
    return this.require(run.id);
  }

  async get(id: string): Promise<PipelineRunRecord | undefined> {
    const row = await this.db.selectFrom('pipeline_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.decode(row) : undefined;
  }

  async require(id: string): Promise<PipelineRunRecord> {
    const run = await this.get(id);
    if (!run) throw notFound(`Pipeline run '${id}' does not exist`);
    return run;
  }

  /** Newest first. */
  async list(filter: RunFilter = {}): Promise<PipelineRunRecord[]> {
    let q = this.db.selectFrom('pipeline_runs').selectAll();
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.states !== undefined) q = q.where('state', 'in', filter.states.length ? [...filter.states] : ['-']);
    if (filter.scheduleId !== undefined) q = q.where('schedule_id', '=', filter.scheduleId);
    if (filter.before !== undefined) q = q.where('created_at', '<', filter.before);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit ?? 100).execute();
    return rows.map((r) => this.decode(r));
  }

  async tasks(runId: string): Promise<TaskRecord[]> {
    const rows = await this.db.selectFrom('pipeline_tasks').selectAll().where('pipeline_run_id', '=', runId).orderBy('position').execute();
    return rows.map(decodeTask);
  }

  /** The tasks of several runs in one query, by run id. */
  async tasksOf(runIds: readonly string[]): Promise<Map<string, TaskRecord[]>> {
    const out = new Map<string, TaskRecord[]>(runIds.map((id) => [id, []]));
    if (runIds.length === 0) return out;
    const rows = await this.db.selectFrom('pipeline_tasks').selectAll().where('pipeline_run_id', 'in', [...runIds]).orderBy('pipeline_run_id').orderBy('position').execute();
    for (const row of rows) out.get(row.pipeline_run_id)?.push(decodeTask(row));
    return out;
  }

  async task(runId: string, name: string): Promise<TaskRecord | undefined> {
    const row = await this.db.selectFrom('pipeline_tasks').selectAll().where('pipeline_run_id', '=', runId).where('name', '=', name).executeTakeFirst();
    return row ? decodeTask(row) : undefined;
  }

  /** Applies `changes` when the task is in one of `from` (any state when omitted); true when it did. */
  async updateTask(runId: string, name: string, changes: TaskChanges, from?: readonly TaskState[]): Promise<boolean> {
    let q = this.db.updateTable('pipeline_tasks').set(taskColumns(changes)).where('pipeline_run_id', '=', runId).where('name', '=', name);
    if (from) q = q.where('state', 'in', [...from]);
    const result = await q.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async setRunId(id: string, runId: string): Promise<void> {
    await this.db.updateTable('pipeline_runs').set({ run_id: runId }).where('id', '=', id).execute();
  }

  /** Ends a running run; false when it had already ended. */
  async finish(id: string, state: Exclude<PipelineRunState, 'running'>, message: string | null, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('pipeline_runs')
      .set({ state, message, finished_at: now, updated_at: now, runner: null })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async requestCancel(id: string, now: number): Promise<void> {
    await this.db.updateTable('pipeline_runs').set({ cancel_requested: 1, updated_at: now }).where('id', '=', id).where('state', '=', 'running').execute();
  }

  /** Takes the lease of a running run whose runner is gone (heartbeat before `staleBefore`) or is `runner` already. */
  async claim(id: string, runner: string, staleBefore: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('pipeline_runs')
      .set({ runner, heartbeat_at: now })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .where((eb) => eb.or([eb('runner', 'is', null), eb('runner', '=', runner), eb('heartbeat_at', '<', staleBefore)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Renews the lease of `ids`; returns those still held (and whether cancel was asked for them). */
  async heartbeat(runner: string, ids: readonly string[], now: number): Promise<{ id: string; cancelRequested: boolean }[]> {
    if (ids.length === 0) return [];
    await this.db.updateTable('pipeline_runs').set({ heartbeat_at: now }).where('runner', '=', runner).where('id', 'in', [...ids]).where('state', '=', 'running').execute();
    const rows = await this.db
      .selectFrom('pipeline_runs')
      .select(['id', 'cancel_requested'])
      .where('runner', '=', runner)
      .where('id', 'in', [...ids])
      .where('state', '=', 'running')
      .execute();
    return rows.map((r) => ({ id: r.id, cancelRequested: r.cancel_requested === 1 }));
  }

  /** Gives up the lease of `ids`, so another process may resume them at once. */
  async release(runner: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.updateTable('pipeline_runs').set({ runner: null, heartbeat_at: null }).where('runner', '=', runner).where('id', 'in', [...ids]).execute();
  }

  /** Running runs nobody holds: no runner, or a heartbeat older than `staleBefore`. */
  async orphans(runner: string, staleBefore: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('pipeline_runs')
      .select('id')
      .where('state', '=', 'running')
      .where((eb) => eb.or([eb('runner', 'is', null), eb('heartbeat_at', '<', staleBefore), eb('runner', '=', runner)]))
      .orderBy('created_at')
      .execute();
    return rows.map((r) => r.id);
  }

  async cacheGet(key: string): Promise<CacheEntry | undefined> {
    const row = await this.db.selectFrom('pipeline_cache').selectAll().where('cache_key', '=', key).executeTakeFirst();
    return row ? decodeCache(row) : undefined;
  }

  /** The newest entry for a pipeline's task, to say what changed since. */
  async cacheLatest(pipeline: string, task: string): Promise<CacheEntry | undefined> {
    const row = await this.db
      .selectFrom('pipeline_cache')
      .selectAll()
      .where('pipeline', '=', pipeline)
      .where('task', '=', task)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? decodeCache(row) : undefined;
  }

  /** Records an entry; an entry with the same key (an identical task finished elsewhere) is replaced. */
  async cachePut(e: CacheEntry): Promise<void> {
    const values = {
      cache_key: e.cacheKey,
      pipeline: e.pipeline,
      task: e.task,
      key_parts: JSON.stringify(e.keyParts),
      outputs: JSON.stringify(e.outputs),
      run_id: e.runId,
      pipeline_run_id: e.pipelineRunId,
      created_at: e.createdAt,
    };
    await this.db
      .insertInto('pipeline_cache')
      .values(values)
      .onConflict((oc) => oc.column('cache_key').doUpdateSet({ outputs: values.outputs, run_id: values.run_id, pipeline_run_id: values.pipeline_run_id, created_at: values.created_at }))
      .execute();
  }

  async cacheDelete(key: string): Promise<void> {
    await this.db.deleteFrom('pipeline_cache').where('cache_key', '=', key).execute();
  }
}
