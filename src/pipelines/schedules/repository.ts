/**
 * Schedules and their firings in the metadata store. A firing is claimed by moving the
 * schedule's next firing time with a conditional update, and recorded under a primary key of
 * (schedule, time): however many servers share the database, each time fires once.
 */
import type { Selectable } from 'kysely';
import { alreadyExists, notFound } from '../../errors.js';
import type { Db } from '../../store/open.js';
import type { ScheduleFiringsTable, SchedulesTable } from '../../store/schema.js';
import type { ScheduleSpec } from './schema.js';

export type FiringState = 'starting' | 'started' | 'queued' | 'skipped' | 'missed' | 'failed';

export interface Firing {
  scheduleId: string;
  /** The cron time it is for. */
  fireAt: number;
  state: FiringState;
  /** What it started: a pipeline run id, or `<training id>` with its generation. */
  target: string | null;
  message: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface ScheduleRecord {
  id: string;
  spec: ScheduleSpec;
  nextFireAt: number | null;
  lastFireAt: number | null;
  lastTarget: string | null;
  createdAt: number;
  updatedAt: number;
}

export class ScheduleRepository {
  constructor(readonly db: Db) {}

  async create(id: string, spec: ScheduleSpec, nextFireAt: number | null, now: number): Promise<void> {
    if (await this.get(id)) throw alreadyExists(`Schedule '${id}' already exists; delete it first to replace it`);
    await this.db
      .insertInto('schedules')
      .values({ id, spec: JSON.stringify(spec), next_fire_at: nextFireAt, last_fire_at: null, last_target: null, created_at: now, updated_at: now })
      .execute();
  }

  async get(id: string): Promise<ScheduleRecord | undefined> {
    const row = await this.db.selectFrom('schedules').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? decode(row) : undefined;
  }

  async require(id: string): Promise<ScheduleRecord> {
    const s = await this.get(id);
    if (!s) throw notFound(`Schedule '${id}' does not exist`);
    return s;
  }

  async list(): Promise<ScheduleRecord[]> {
    return (await this.db.selectFrom('schedules').selectAll().orderBy('id').execute()).map(decode);
  }

  async delete(id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('schedule_firings').where('schedule_id', '=', id).execute();
      await tx.deleteFrom('schedules').where('id', '=', id).execute();
    });
  }

  async due(now: number): Promise<ScheduleRecord[]> {
    return (await this.db.selectFrom('schedules').selectAll().where('next_fire_at', '<=', now).orderBy('next_fire_at').execute()).map(decode);
  }

  /** The soonest next firing of any schedule. */
  async soonest(): Promise<number | undefined> {
    const row = await this.db.selectFrom('schedules').select((eb) => eb.fn.min('next_fire_at').as('soonest')).executeTakeFirst();
    return row?.soonest === null || row?.soonest === undefined ? undefined : Number(row.soonest);
  }

  /** Moves the next firing from `from` to `to`; false when another process did it first. */
  async advance(id: string, from: number | null, to: number | null, now: number): Promise<boolean> {
    let q = this.db.updateTable('schedules').set({ next_fire_at: to, updated_at: now }).where('id', '=', id);
    q = from === null ? q.where('next_fire_at', 'is', null) : q.where('next_fire_at', '=', from);
    return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
  }

  async recordFired(id: string, fireAt: number, target: string | null, now: number): Promise<void> {
    await this.db.updateTable('schedules').set({ last_fire_at: fireAt, updated_at: now, ...(target !== null && { last_target: target }) }).where('id', '=', id).execute();
  }

  /** Records a firing; false when that time was already recorded. */
  async addFiring(f: Omit<Firing, 'createdAt' | 'updatedAt'>, now: number): Promise<boolean> {
    const result = await this.db
      .insertInto('schedule_firings')
      .values({ schedule_id: f.scheduleId, fire_at: f.fireAt, state: f.state, target: f.target, message: f.message, created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['schedule_id', 'fire_at']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async updateFiring(id: string, fireAt: number, changes: { state: FiringState; target?: string | null; message?: string | null }, from: readonly FiringState[], now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('schedule_firings')
      .set({ ...changes, updated_at: now })
      .where('schedule_id', '=', id)
      .where('fire_at', '=', fireAt)
      .where('state', 'in', [...from])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async firings(id: string, options: { states?: readonly FiringState[]; limit?: number; oldestFirst?: boolean } = {}): Promise<Firing[]> {
    let q = this.db.selectFrom('schedule_firings').selectAll().where('schedule_id', '=', id);
    if (options.states) q = q.where('state', 'in', [...options.states]);
    const rows = await q
      .orderBy('fire_at', options.oldestFirst ? 'asc' : 'desc')
      .limit(options.limit ?? 20)
      .execute();
    return rows.map(decodeFiring);
  }

  async countFirings(id: string, state: FiringState): Promise<number> {
    const row = await this.db.selectFrom('schedule_firings').select((eb) => eb.fn.countAll<number>().as('n')).where('schedule_id', '=', id).where('state', '=', state).executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}

function decode(r: Selectable<SchedulesTable>): ScheduleRecord {
  return {
    id: r.id,
    spec: JSON.parse(r.spec) as ScheduleSpec,
    nextFireAt: r.next_fire_at,
    lastFireAt: r.last_fire_at,
    lastTarget: r.last_target,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function decodeFiring(r: Selectable<ScheduleFiringsTable>): Firing {
  return {
    scheduleId: r.schedule_id,
    fireAt: r.fire_at,
    state: r.state as FiringState,
    target: r.target,
    message: r.message,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
