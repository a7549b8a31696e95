import type { Updateable } from 'kysely';
import { notFound } from '../errors.js';
import type { Db } from '../store/open.js';
import type { TrainingsTable } from '../store/schema.js';
import type { TrainingSpec } from './manifest/types.js';
import { FINISHED_STATES, storedArtifacts, type TrainingRow, type TrainingState } from './resource.js';

export interface TrainingFilter {
  modelName?: string;
  modelVersion?: string;
  state?: TrainingState;
}

export interface TrainingEvent {
  at: number;
  generation: number;
  state: string;
  message: string | null;
}

/**
 * The trainings table. Status writes name the generation they belong to and change nothing when
 * the spec was edited in the meantime: a stale run can never overwrite the status of a newer one.
 */
export class TrainingRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  async get(id: string): Promise<TrainingRow | undefined> {
    return this.db.selectFrom('trainings').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async require(id: string): Promise<TrainingRow> {
    const row = await this.get(id);
    if (!row) throw notFound(`Training '${id}' does not exist`);
    return row;
  }

  async list(filter: TrainingFilter = {}): Promise<TrainingRow[]> {
    let q = this.db.selectFrom('trainings').selectAll();
    if (filter.modelName !== undefined) q = q.where('model_name', '=', filter.modelName);
    if (filter.modelVersion !== undefined) q = q.where('model_version', '=', filter.modelVersion);
    if (filter.state !== undefined) q = q.where('state', '=', filter.state);
    return q.orderBy('created_at', 'desc').orderBy('id').execute();
  }

  async unfinished(): Promise<TrainingRow[]> {
    return this.db.selectFrom('trainings').selectAll().where('state', 'not in', FINISHED_STATES).execute();
  }

  /** Inserts a new training, or resets an existing one to a new generation: both (re)run it. */
  async schedule(id: string, spec: TrainingSpec, sourceHash: string | undefined, existing?: TrainingRow): Promise<TrainingRow> {
    const now = this.now();
    const fresh: Omit<TrainingRow, 'id' | 'created_at'> = {
      spec: JSON.stringify(spec),
      generation: (existing?.generation ?? 0) + 1,
      state: 'scheduling',
      exit_code: null,
      reason: null,
      message: null,
      run_id: null,
      commit_id: null,
      source_hash: sourceHash ?? null,
      artifacts: storedArtifacts([]),
      model_name: spec.model.name,
      model_version: spec.model.version,
      job_id: null,
      updated_at: now,
      started_at: null,
      finished_at: null,
    };
    await this.db.transaction().execute(async (tx) => {
      if (existing) {
        const result = await tx.updateTable('trainings').set(fresh).where('id', '=', id).where('generation', '=', existing.generation).executeTakeFirst();
        if (result.numUpdatedRows === 0n) throw notFound(`Training '${id}' changed while it was being edited; read it again and retry`);
      } else {
        await tx.insertInto('trainings').values({ id, created_at: now, ...fresh }).execute();
      }
      await tx.insertInto('training_events').values({ training_id: id, generation: fresh.generation, at: now, state: 'scheduling', message: existing ? 'edited: running again' : 'created' }).execute();
    });
    return (await this.get(id))!;
  }

  /**
   * Applies a status change to one generation; false (and nothing written) when that generation is
   * no longer current or, given `fromStates`, the training is in none of them. A state change is
   * also recorded in the timeline.
   */
  async update(id: string, generation: number, changes: Updateable<TrainingsTable>, event?: string, fromStates?: readonly TrainingState[]): Promise<boolean> {
    const now = this.now();
    return this.db.transaction().execute(async (tx) => {
      let q = tx.updateTable('trainings').set({ ...changes, updated_at: now }).where('id', '=', id).where('generation', '=', generation);
      // A finished (e.g. cancelled) training is not reopened by a late writer.
      if (fromStates) q = q.where('state', 'in', fromStates);
      const result = await q.executeTakeFirst();
      if (result.numUpdatedRows === 0n) return false;
      if (changes.state !== undefined) {
        await tx.insertInto('training_events').values({ training_id: id, generation, at: now, state: String(changes.state), message: event ?? null }).execute();
      }
      return true;
    });
  }

  async events(id: string): Promise<TrainingEvent[]> {
    return this.db
      .selectFrom('training_events')
      .select(['at', 'generation', 'state', 'message'])
      .where('training_id', '=', id)
      .orderBy('at')
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('training_events').where('training_id', '=', id).execute();
      await tx.deleteFrom('trainings').where('id', '=', id).execute();
    });
  }
}
