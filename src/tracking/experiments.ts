import type { Selectable } from 'kysely';
import { alreadyExists, invalid, notFound } from '../errors.js';
import { isUniqueViolation } from '../store/errors.js';
import type { ExperimentsTable } from '../store/schema.js';
import { joinUri, type TrackingContext } from './context.js';
import { parseExperimentId, type Experiment, type KeyValue } from './entities.js';
import { LIMITS, validateKey, validateLength, validateTagValue } from './validation.js';

export const DEFAULT_EXPERIMENT_ID = '0';
const DEFAULT_EXPERIMENT_NAME = 'Default';

type ExperimentRow = Selectable<ExperimentsTable>;

export class ExperimentService {
  constructor(private readonly ctx: TrackingContext) {}

  /** The Default experiment (id 0) exists in every store, as in MLflow. */
  async ensureDefault(): Promise<void> {
    const { db } = this.ctx;
    const exists = await db.selectFrom('experiments').select('experiment_id').where('experiment_id', '=', 0).executeTakeFirst();
    if (exists) return;
    const now = this.ctx.now();
    await db
      .insertInto('experiments')
      .values({
        experiment_id: 0,
        name: DEFAULT_EXPERIMENT_NAME,
        artifact_location: joinUri(this.ctx.defaultArtifactRoot, DEFAULT_EXPERIMENT_ID),
        lifecycle_stage: 'active',
        creation_time: now,
        last_update_time: now,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async create(name: unknown, artifactLocation?: string, tags: KeyValue[] = []): Promise<string> {
    const experimentName = validateExperimentName(name);
    const validTags = tags.map((t) => validateExperimentTag(t.key, t.value));
    if (artifactLocation !== undefined && artifactLocation !== '') validateArtifactLocation(artifactLocation);
    try {
      return await this.ctx.db.transaction().execute(async (tx) => {
        const clash = await tx.selectFrom('experiments').select('lifecycle_stage').where('name', '=', experimentName).executeTakeFirst();
        if (clash) {
          throw alreadyExists(
            clash.lifecycle_stage === 'deleted'
              ? `Experiment(name=${experimentName}) already exists in deleted state. Restore it, or rename it after restoring, to reuse the name.`
              : `Experiment(name=${experimentName}) already exists.`,
          );
        }
        const now = this.ctx.now();
        const { experiment_id } = await tx
          .insertInto('experiments')
          .values({ name: experimentName, artifact_location: artifactLocation ?? '', lifecycle_stage: 'active', creation_time: now, last_update_time: now })
          .returning('experiment_id')
          .executeTakeFirstOrThrow();
        const id = String(experiment_id);
        if (!artifactLocation) {
          await tx
            .updateTable('experiments')
            .set({ artifact_location: joinUri(this.ctx.defaultArtifactRoot, id) })
            .where('experiment_id', '=', experiment_id)
            .execute();
        }
        if (validTags.length > 0) {
          await tx.insertInto('experiment_tags').values(validTags.map((t) => ({ experiment_id, ...t }))).execute();
        }
        return id;
      });
    } catch (err) {
      // Two creators raced past the name check; the unique index decided.
      if (isUniqueViolation(err)) throw alreadyExists(`Experiment(name=${experimentName}) already exists.`);
      throw err;
    }
  }

  async get(experimentId: string): Promise<Experiment> {
    const row = await this.row(experimentId);
    return (await this.toEntities([row]))[0]!;
  }

  async getByName(name: string): Promise<Experiment> {
    const row = await this.ctx.db.selectFrom('experiments').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw notFound(`Could not find experiment with name '${name}'`);
    return (await this.toEntities([row]))[0]!;
  }

  /**
   * Deleting an experiment deletes its active runs with it; restoring brings back those runs, not
   * ones that had been deleted on their own before (MLflow would revive those too).
   */
  async delete(experimentId: string): Promise<void> {
    const row = await this.row(experimentId);
    if (row.lifecycle_stage === 'deleted') return;
    const now = this.ctx.now();
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx.updateTable('experiments').set({ lifecycle_stage: 'deleted', last_update_time: now }).where('experiment_id', '=', row.experiment_id).execute();
      await tx
        .updateTable('runs')
        .set({ lifecycle_stage: 'deleted', deleted_time: now })
        .where('experiment_id', '=', row.experiment_id)
        .where('lifecycle_stage', '=', 'active')
        .execute();
    });
  }

  async restore(experimentId: string): Promise<void> {
    const row = await this.row(experimentId);
    if (row.lifecycle_stage === 'active') {
      throw invalid(`Cannot restore an active experiment. Experiment with id=${experimentId} is already active.`);
    }
    const now = this.ctx.now();
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx.updateTable('experiments').set({ lifecycle_stage: 'active', last_update_time: now }).where('experiment_id', '=', row.experiment_id).execute();
      // Only the runs deleted together with the experiment, not those deleted on their own before.
      await tx
        .updateTable('runs')
        .set({ lifecycle_stage: 'active', deleted_time: null })
        .where('experiment_id', '=', row.experiment_id)
        .where('lifecycle_stage', '=', 'deleted')
        .where('deleted_time', '>=', row.last_update_time)
        .execute();
    });
  }

  async rename(experimentId: string, newName: unknown): Promise<void> {
    const name = validateExperimentName(newName, 'new_name');
    const row = await this.row(experimentId);
    if (row.lifecycle_stage !== 'active') throw invalid(`Cannot rename a non-active experiment (id=${experimentId}).`);
    await this.ctx.db.transaction().execute(async (tx) => {
      const clash = await tx.selectFrom('experiments').select('experiment_id').where('name', '=', name).executeTakeFirst();
      if (clash && clash.experiment_id !== row.experiment_id) throw alreadyExists(`Experiment(name=${name}) already exists.`);
      await tx.updateTable('experiments').set({ name, last_update_time: this.ctx.now() }).where('experiment_id', '=', row.experiment_id).execute();
    });
  }

  async setTag(experimentId: string, key: unknown, value: unknown): Promise<void> {
    const tag = validateExperimentTag(key, value);
    const row = await this.requireActive(experimentId);
    await this.ctx.db
      .insertInto('experiment_tags')
      .values({ experiment_id: row.experiment_id, ...tag })
      .onConflict((oc) => oc.columns(['experiment_id', 'key']).doUpdateSet({ value: tag.value }))
      .execute();
  }

  async deleteTag(experimentId: string, key: unknown): Promise<void> {
    const row = await this.requireActive(experimentId);
    const result = await this.ctx.db
      .deleteFrom('experiment_tags')
      .where('experiment_id', '=', row.experiment_id)
      .where('key', '=', String(key))
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) {
      throw notFound(`No tag with name: ${String(key)} in experiment with id ${experimentId}`);
    }
  }

  async requireActive(experimentId: string): Promise<ExperimentRow> {
    const row = await this.row(experimentId);
    if (row.lifecycle_stage !== 'active') {
      throw invalid(`The experiment ${experimentId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`);
    }
    return row;
  }

  async row(experimentId: string): Promise<ExperimentRow> {
    const id = parseExperimentId(experimentId);
    const row =
      id === undefined ? undefined : await this.ctx.db.selectFrom('experiments').selectAll().where('experiment_id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`No Experiment with id=${experimentId} exists`);
    return row;
  }

  /** Rows to API entities, fetching all their tags in one query. */
  async toEntities(rows: ExperimentRow[]): Promise<Experiment[]> {
    if (rows.length === 0) return [];
    const tags = await this.ctx.db
      .selectFrom('experiment_tags')
      .select(['experiment_id', 'key', 'value'])
      .where(
        'experiment_id',
        'in',
        rows.map((r) => r.experiment_id),
      )
      .execute();
    const byExperiment = new Map<number, KeyValue[]>();
    for (const t of tags) {
      let list = byExperiment.get(t.experiment_id);
      if (!list) byExperiment.set(t.experiment_id, (list = []));
      list.push({ key: t.key, value: t.value });
    }
    return rows.map((r) => {
      const e: Experiment = {
        experiment_id: String(r.experiment_id),
        name: r.name,
        artifact_location: r.artifact_location,
        lifecycle_stage: r.lifecycle_stage as Experiment['lifecycle_stage'],
        last_update_time: r.last_update_time,
        creation_time: r.creation_time,
      };
      const t = byExperiment.get(r.experiment_id);
      if (t) e.tags = t;
      return e;
    });
  }
}

function validateExperimentName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw invalid(`Invalid experiment name: ${JSON.stringify(name ?? '')}. '${field}' must be a non-empty string.`);
  }
  validateLength('experiment name', name, LIMITS.experimentNameLength);
  return name;
}

function validateExperimentTag(key: unknown, value: unknown): KeyValue {
  const k = validateKey('tag', key, LIMITS.experimentTagKeyLength);
  return { key: k, value: validateTagValue(k, value, LIMITS.experimentTagValueLength) };
}

function validateArtifactLocation(location: string): void {
  if (location.startsWith('runs:')) {
    throw invalid(`Got an invalid experiment artifact_location '${location}': runs:/ URIs refer to a run's artifacts and cannot be an experiment's location.`);
  }
  if (location.split(/[\\/]/).includes('..')) {
    throw invalid(`Got an invalid experiment artifact_location '${location}': '..' is not allowed.`);
  }
  validateLength('artifact_location', location, 4096);
}
