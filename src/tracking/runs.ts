import { randomUUID } from 'node:crypto';
import { CompiledQuery, type Selectable, type Transaction } from 'kysely';
import { invalid, notFound } from '../errors.js';
import type { Database, RunsTable } from '../store/schema.js';
import { placeholder, type DialectName } from '../store/dialect.js';
import type { Executor } from '../store/open.js';
import { joinUri, readTogether, type TrackingContext } from './context.js';
import { RUN_STATUSES, jsonDouble, type KeyValue, type Run, type RunStatus } from './entities.js';
import type { ExperimentService } from './experiments.js';
import { attachModelLinks, modelLinksQuery } from './inputs-links.js';
import { appendLoggedModelMetrics } from './logged-model-metrics.js';
import { appendMetrics, metricWrites, type MetricInput } from './metrics.js';
import { generateRunName } from './names.js';
import { LIMITS, validateKey, validateLength, validateParamValue, validateTagValue } from './validation.js';

export const RUN_NAME_TAG = 'mlflow.runName';

type RunRow = Selectable<RunsTable>;

export interface CreateRunInput {
  experimentId?: string;
  userId?: string;
  runName?: string;
  startTime?: number;
  tags?: KeyValue[];
}

export interface UpdateRunInput {
  status?: string;
  endTime?: number;
  runName?: string;
}

export interface BatchInput {
  metrics?: MetricInput[];
  params?: KeyValue[];
  tags?: KeyValue[];
}

export class RunService {
  constructor(
    private readonly ctx: TrackingContext,
    private readonly experiments: ExperimentService,
  ) {}

  async create(input: CreateRunInput): Promise<Run> {
    const experimentId = input.experimentId ?? '0';
    const tags = (input.tags ?? []).map((t) => validateTag(t.key, t.value));
    const tagName = tags.find((t) => t.key === RUN_NAME_TAG)?.value;
    if (input.runName && tagName !== undefined && tagName !== input.runName) {
      throw invalid(
        `Both 'run_name' argument and '${RUN_NAME_TAG}' tag are specified, but with different values (run_name='${input.runName}', ${RUN_NAME_TAG}='${tagName}').`,
      );
    }
    const name = input.runName || tagName || generateRunName();
    validateLength('run name', name, LIMITS.runNameLength);
    if (tagName === undefined) tags.push({ key: RUN_NAME_TAG, value: name });

    const experiment = await this.experiments.requireActive(experimentId);
    const runUuid = randomUUID().replaceAll('-', '');
    const row: RunRow = {
      run_uuid: runUuid,
      experiment_id: experiment.experiment_id,
      name,
      user_id: input.userId ?? '',
      status: 'RUNNING',
      start_time: input.startTime ?? this.ctx.now(),
      end_time: null,
      deleted_time: null,
      lifecycle_stage: 'active',
      artifact_uri: joinUri(experiment.artifact_location, runUuid, 'artifacts'),
    };
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx.insertInto('runs').values(row).execute();
      await tx.insertInto('tags').values(tags.map((t) => ({ run_uuid: runUuid, ...t }))).execute();
    });
    return (await this.load([row]))[0]!;
  }

  async get(runId: string): Promise<Run> {
    return (await this.load([await this.row(runId)]))[0]!;
  }

  async update(runId: string, input: UpdateRunInput): Promise<Run['info']> {
    const row = await this.row(runId);
    requireActive(row);
    const changes: Partial<RunRow> = {};
    if (input.status !== undefined) {
      if (!RUN_STATUSES.includes(input.status as RunStatus)) {
        throw invalid(`Invalid value '${input.status}' for parameter 'status': expected one of ${RUN_STATUSES.join(', ')}`);
      }
      changes.status = input.status;
    }
    if (input.endTime !== undefined) changes.end_time = input.endTime;
    if (input.runName) {
      validateLength('run name', input.runName, LIMITS.runNameLength);
      changes.name = input.runName;
    }
    await this.ctx.db.transaction().execute(async (tx) => {
      if (Object.keys(changes).length > 0) await tx.updateTable('runs').set(changes).where('run_uuid', '=', row.run_uuid).execute();
      if (changes.name !== undefined) await upsertTags(tx, row.run_uuid, [{ key: RUN_NAME_TAG, value: changes.name }]);
    });
    return toInfo({ ...row, ...changes });
  }

  async delete(runId: string): Promise<void> {
    const row = await this.row(runId);
    await this.ctx.db
      .updateTable('runs')
      .set({ lifecycle_stage: 'deleted', deleted_time: this.ctx.now() })
      .where('run_uuid', '=', row.run_uuid)
      .execute();
  }

  async restore(runId: string): Promise<void> {
    const row = await this.row(runId);
    await this.ctx.db.updateTable('runs').set({ lifecycle_stage: 'active', deleted_time: null }).where('run_uuid', '=', row.run_uuid).execute();
  }

  async setTag(runId: string, key: unknown, value: unknown): Promise<void> {
    const tag = validateTag(key, value);
    await this.logBatch(runId, { tags: [tag] });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    const row = await this.row(runId);
    requireActive(row);
    const result = await this.ctx.db.deleteFrom('tags').where('run_uuid', '=', row.run_uuid).where('key', '=', key).executeTakeFirst();
    if (result.numDeletedRows === 0n) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
  }

  async logParam(runId: string, key: unknown, value: unknown): Promise<void> {
    const k = validateKey('param', key);
    await this.logBatch(runId, { params: [{ key: k, value: validateParamValue(k, value) }] });
  }

  async logMetric(runId: string, metric: MetricInput): Promise<void> {
    await this.logBatch(runId, { metrics: [metric] });
  }

  /**
   * Params, tags and metrics in one transaction: all are written or none. Inputs must already be
   * validated by the caller's parser (keys, values, limits) except for facts only the store knows.
   */
  async logBatch(runId: string, batch: BatchInput): Promise<void> {
    const { metrics = [], params = [], tags = [] } = batch;
    const exclusive = this.ctx.exclusive;
    if (exclusive && params.length === 0 && tags.length === 0 && !metrics.some((m) => m.modelId !== undefined)) {
      // The hot path (log-metric, metric-only log-batch) on SQLite: the same statements, run
      // synchronously in one transaction.
      const db = this.ctx.db;
      const lookup = runLookup('sqlite', runId);
      return exclusive((exec) => {
        const row = exec.all<RunRow>(lookup)[0];
        if (!row) throw notFound(`Run with id=${runId} not found`);
        requireActive(row);
        if (metrics.length > 0) for (const query of metricWrites(db, row.run_uuid, row.experiment_id, metrics)) exec.run(query);
      });
    }
    await this.ctx.db.transaction().execute(async (tx) => {
      const row = await this.row(runId, tx);
      requireActive(row);
      if (params.length > 0) await insertParams(tx, row.run_uuid, params);
      if (tags.length > 0) {
        await upsertTags(tx, row.run_uuid, tags);
        const renamed = tags.findLast((t) => t.key === RUN_NAME_TAG);
        if (renamed) await tx.updateTable('runs').set({ name: renamed.value }).where('run_uuid', '=', row.run_uuid).execute();
      }
      if (metrics.length > 0) {
        await appendMetrics(tx, row.run_uuid, row.experiment_id, metrics);
        if (metrics.some((m) => m.modelId !== undefined)) await appendLoggedModelMetrics(tx, row.run_uuid, metrics);
      }
    });
  }

  async row(runId: string, db: Executor = this.ctx.db): Promise<RunRow> {
    const row = (await db.executeQuery(runLookup(this.ctx.dialect, runId))).rows[0];
    if (!row) throw notFound(`Run with id=${runId} not found`);
    return row;
  }

  async rows(runIds: readonly string[]): Promise<RunRow[]> {
    if (runIds.length === 0) return [];
    return this.ctx.db.selectFrom('runs').selectAll().where('run_uuid', 'in', runIds).execute();
  }

  /** Full run entities for rows, in the rows' order, with all their data fetched in a few set queries. */
  async load(rows: readonly RunRow[]): Promise<Run[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.run_uuid);
    const { db } = this.ctx;
    const [params, tags, metrics, inputs, modelLinks] = await readTogether(this.ctx, [
      db.selectFrom('params').select(['run_uuid', 'key', 'value']).where('run_uuid', 'in', ids).compile(),
      db.selectFrom('tags').select(['run_uuid', 'key', 'value']).where('run_uuid', 'in', ids).compile(),
      db.selectFrom('latest_metrics').select(['run_uuid', 'key', 'value', 'is_nan', 'timestamp', 'step']).where('run_uuid', 'in', ids).compile(),
      db
        .selectFrom('inputs')
        .innerJoin('datasets', 'datasets.dataset_uuid', 'inputs.source_id')
        .select([
          'inputs.input_uuid',
          'inputs.destination_id as run_uuid',
          'datasets.name',
          'datasets.digest',
          'datasets.dataset_source_type',
          'datasets.dataset_source',
          'datasets.dataset_schema',
          'datasets.dataset_profile',
        ])
        .where('inputs.destination_type', '=', 'RUN')
        .where('inputs.source_type', '=', 'DATASET')
        .where('inputs.destination_id', 'in', ids)
        .compile(),
      modelLinksQuery(db, ids),
    ]);
    const inputTags =
      inputs.length === 0
        ? []
        : await db
            .selectFrom('input_tags')
            .select(['input_uuid', 'name', 'value'])
            .where(
              'input_uuid',
              'in',
              inputs.map((i) => i.input_uuid),
            )
            .execute();

    const runs = new Map<string, Run>();
    for (const r of rows) runs.set(r.run_uuid, { info: toInfo(r), data: {}, inputs: {}, outputs: {} });
    for (const p of params) (runs.get(p.run_uuid)!.data.params ??= []).push({ key: p.key, value: p.value });
    for (const t of tags) (runs.get(t.run_uuid)!.data.tags ??= []).push({ key: t.key, value: t.value });
    for (const m of metrics) {
      (runs.get(m.run_uuid)!.data.metrics ??= []).push({
        key: m.key,
        value: m.is_nan ? 'NaN' : jsonDouble(m.value),
        timestamp: m.timestamp,
        step: m.step,
      });
    }
    const tagsByInput = new Map<string, { key: string; value: string }[]>();
    for (const t of inputTags) {
      let list = tagsByInput.get(t.input_uuid);
      if (!list) tagsByInput.set(t.input_uuid, (list = []));
      list.push({ key: t.name, value: t.value });
    }
    for (const i of inputs) {
      const dataset: NonNullable<Run['inputs']['dataset_inputs']>[number]['dataset'] = {
        name: i.name,
        digest: i.digest,
        source_type: i.dataset_source_type,
        source: i.dataset_source,
      };
      if (i.dataset_schema !== null) dataset.schema = i.dataset_schema;
      if (i.dataset_profile !== null) dataset.profile = i.dataset_profile;
      const entry: NonNullable<Run['inputs']['dataset_inputs']>[number] = { dataset };
      const t = tagsByInput.get(i.input_uuid);
      if (t) entry.tags = t;
      (runs.get(i.run_uuid)!.inputs.dataset_inputs ??= []).push(entry);
    }
    attachModelLinks(runs, modelLinks);
    return ids.map((id) => runs.get(id)!);
  }
}

export function requireActive(row: RunRow): void {
  if (row.lifecycle_stage !== 'active') {
    throw invalid(`The run ${row.run_uuid} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`);
  }
}

export function toInfo(r: RunRow): Run['info'] {
  const info: Run['info'] = {
    run_id: r.run_uuid,
    run_uuid: r.run_uuid,
    run_name: r.name,
    experiment_id: String(r.experiment_id),
    user_id: r.user_id,
    status: r.status as RunStatus,
    start_time: r.start_time,
    artifact_uri: r.artifact_uri,
    lifecycle_stage: r.lifecycle_stage as Run['info']['lifecycle_stage'],
  };
  if (r.end_time !== null) info.end_time = r.end_time;
  return info;
}

export function validateTag(key: unknown, value: unknown): KeyValue {
  const k = validateKey('tag', key);
  return { key: k, value: validateTagValue(k, value) };
}

/** Params are immutable: logging the same value again is fine, a different one is refused. */
async function insertParams(tx: Transaction<Database>, runUuid: string, params: readonly KeyValue[]): Promise<void> {
  const wanted = new Map<string, string>();
  for (const p of params) {
    const seen = wanted.get(p.key);
    if (seen !== undefined && seen !== p.value) {
      throw invalid(`Duplicate parameter keys have been submitted: param '${p.key}' has values '${seen}' and '${p.value}' in one request.`);
    }
    wanted.set(p.key, p.value);
  }
  const existing = await tx
    .selectFrom('params')
    .select(['key', 'value'])
    .where('run_uuid', '=', runUuid)
    .where('key', 'in', [...wanted.keys()])
    .execute();
  for (const e of existing) {
    const value = wanted.get(e.key)!;
    if (e.value !== value) {
      throw invalid(
        `Changing param values is not allowed. Param with key='${e.key}' was already logged with value='${e.value}' for run ID='${runUuid}'. Attempted logging new value '${value}'.`,
      );
    }
    wanted.delete(e.key);
  }
  if (wanted.size > 0) {
    await tx
      .insertInto('params')
      .values([...wanted].map(([key, value]) => ({ run_uuid: runUuid, key, value })))
      .execute();
  }
}

async function upsertTags(tx: Transaction<Database>, runUuid: string, tags: readonly KeyValue[]): Promise<void> {
  // The last value of a key wins, and one statement may not touch the same row twice.
  const last = new Map(tags.map((t) => [t.key, t.value]));
  await tx
    .insertInto('tags')
    .values([...last].map(([key, value]) => ({ run_uuid: runUuid, key, value })))
    .onConflict((oc) => oc.columns(['run_uuid', 'key']).doUpdateSet({ value: (eb) => eb.ref('excluded.value') }))
    .execute();
}

/** A run's row by id, as fixed SQL text: every logging request looks its run up, and the query builder would cost more than the lookup. */
function runLookup(dialect: DialectName, runId: string): CompiledQuery<RunRow> {
  return CompiledQuery.raw(`select * from runs where run_uuid = ${placeholder(dialect, 1)}`, [runId]);
}
