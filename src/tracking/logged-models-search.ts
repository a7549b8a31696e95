/**
 * search-logged-models (MLflow 3): logged models of some experiments filtered by attributes,
 * params, tags and attached metrics (optionally on given datasets), ordered by attributes or a
 * metric's latest value, with page tokens bound to the query that issued them.
 */
import { sql, type RawBuilder } from 'kysely';
import { invalid } from '../errors.js';
import type { DialectName } from '../store/dialect.js';
import type { TrackingContext } from './context.js';
import { parseExperimentId } from './entities.js';
import { loadLoggedModels, type LoggedModel, type LoggedModelRow } from './logged-model-entities.js';
import {
  NUMERIC_COMPARATORS,
  STRING_COMPARATORS,
  compare,
  parseFilter,
  parseOrderBy,
  resolveMaxResults,
  textOrder,
  valueCondition,
  type Clause,
  type GrammarProfile,
  type KeyRule,
  type OrderKey,
} from './search/index.js';

const STRING: KeyRule = { type: 'string', comparators: STRING_COMPARATORS, orderable: true };
const NUMBER: KeyRule = { type: 'number', comparators: NUMERIC_COMPARATORS, orderable: true };

/** Only the plural prefixes; a bare name is an attribute. */
export const LOGGED_MODEL_SEARCH_PROFILE: GrammarProfile = {
  subject: 'logged models',
  bareEntity: 'attribute',
  entities: [
    { entity: 'metric', prefixes: ['metrics'], anyKey: NUMBER },
    { entity: 'param', prefixes: ['params'], anyKey: { ...STRING, orderable: false } },
    { entity: 'tag', prefixes: ['tags'], anyKey: { ...STRING, orderable: false } },
    {
      entity: 'attribute',
      prefixes: ['attributes'],
      keys: {
        name: STRING,
        model_id: STRING,
        model_type: STRING,
        status: STRING,
        source_run_id: STRING,
        creation_timestamp_ms: NUMBER,
        last_updated_timestamp_ms: NUMBER,
      },
      aliases: { creation_time: 'creation_timestamp_ms', creation_timestamp: 'creation_timestamp_ms', last_updated_timestamp: 'last_updated_timestamp_ms' },
    },
  ],
};

export const LOGGED_MODELS_MAX_RESULTS = { defaultValue: 100, max: 10_000 };

export interface DatasetFilter {
  datasetName: string;
  datasetDigest?: string | undefined;
}

export interface LoggedModelOrder {
  fieldName: string;
  ascending?: boolean | undefined;
  datasetName?: string | undefined;
  datasetDigest?: string | undefined;
}

export interface SearchLoggedModelsRequest {
  experimentIds: readonly string[];
  filter?: string | undefined;
  datasets?: readonly DatasetFilter[];
  maxResults?: number | undefined;
  orderBy?: readonly LoggedModelOrder[];
  pageToken?: string | undefined;
}

interface Term {
  key: OrderKey;
  order: LoggedModelOrder;
}

export async function searchLoggedModels(ctx: TrackingContext, request: SearchLoggedModelsRequest): Promise<{ models: LoggedModel[]; nextPageToken?: string }> {
  if (request.experimentIds.length === 0) throw invalid(`Missing value for required parameter 'experiment_ids'.`);
  const maxResults = resolveMaxResults(request.maxResults, LOGGED_MODELS_MAX_RESULTS);
  const clauses = parseFilter(request.filter, LOGGED_MODEL_SEARCH_PROFILE);
  const datasets = request.datasets ?? [];
  datasets.forEach((d, i) => {
    if (!d.datasetName) throw invalid(`Missing value for required parameter 'datasets[${i}].dataset_name'.`);
  });
  const terms: Term[] = (request.orderBy ?? []).map((o, i) => {
    if (!o.fieldName) throw invalid(`Missing value for required parameter 'order_by[${i}].field_name'.`);
    const [key] = parseOrderBy([o.fieldName], LOGGED_MODEL_SEARCH_PROFILE);
    return { key: { ...key!, ascending: o.ascending ?? true }, order: o };
  });
  const binding = {
    experiment_ids: [...request.experimentIds],
    filter_string: request.filter ?? '',
    order_by: (request.orderBy ?? []).map((o) => ({ field_name: o.fieldName, ascending: o.ascending ?? true, dataset_name: o.datasetName ?? '', dataset_digest: o.datasetDigest ?? '' })),
  };
  const offset = readToken(request.pageToken, binding);

  const ids = request.experimentIds.map(parseExperimentId).filter((id): id is number => id !== undefined);
  if (ids.length === 0) return { models: [] };
  if (!terms.some((t) => t.key.entity === 'attribute' && t.key.key === 'creation_timestamp_ms')) {
    terms.push({ key: attribute('creation_timestamp_ms', false), order: { fieldName: 'creation_timestamp_ms' } });
  }
  terms.push({ key: attribute('model_id', true), order: { fieldName: 'model_id' } });

  const conditions: RawBuilder<boolean>[] = [
    sql<boolean>`m.experiment_id IN (${sql.join(ids)})`,
    sql<boolean>`m.lifecycle_stage = 'active'`,
    ...clauses.map((c) => condition(ctx.dialect, c, datasets)),
  ];
  if (datasets.length > 0 && !clauses.some((c) => c.entity === 'metric')) {
    conditions.push(sql<boolean>`EXISTS (SELECT 1 FROM logged_model_metrics x WHERE x.model_id = m.model_id AND ${datasetCondition(datasets)})`);
  }
  const columns = terms.map((t, i) => sql`${orderValue(t)} AS ${sql.ref(`o${i}`)}`);
  const orderBy = terms.map((t, i) => {
    const ref = sql.ref(`t.o${i}`);
    const value = t.key.type === 'string' ? textOrder(ctx.dialect, ref) : ref;
    // Missing values (no such metric, no model_type) come last whichever the direction.
    return sql`(${ref} IS NULL) ASC, ${value} ${sql.raw(t.key.ascending ? 'ASC' : 'DESC')}`;
  });
  const { rows } = await sql<LoggedModelRow>`SELECT t.* FROM (SELECT m.*, ${sql.join(columns)} FROM logged_models m WHERE ${sql.join(conditions, sql` AND `)}) t ORDER BY ${sql.join(orderBy)} LIMIT ${maxResults + 1} OFFSET ${offset}`.execute(
    ctx.db,
  );
  const out: { models: LoggedModel[]; nextPageToken?: string } = { models: await loadLoggedModels(ctx.db, rows.slice(0, maxResults)) };
  if (rows.length > maxResults) out.nextPageToken = Buffer.from(JSON.stringify({ ...binding, offset: offset + maxResults })).toString('base64');
  return out;
}

function attribute(key: string, ascending: boolean): OrderKey {
  return { entity: 'attribute', key, type: key.endsWith('_ms') ? 'number' : 'string', ascending, text: key };
}

function condition(dialect: DialectName, c: Clause, datasets: readonly DatasetFilter[]): RawBuilder<boolean> {
  switch (c.entity) {
    case 'attribute':
      return valueCondition(dialect, sql.ref(`m.${c.key}`), c);
    case 'param':
    case 'tag': {
      const table = sql.table(c.entity === 'param' ? 'logged_model_params' : 'logged_model_tags');
      return sql<boolean>`EXISTS (SELECT 1 FROM ${table} x WHERE x.model_id = m.model_id AND x.key = ${c.key} AND ${valueCondition(dialect, sql.ref('x.value'), c)})`;
    }
    default: {
      // Any point of the metric (any step, any time) that satisfies the comparison will do.
      if (c.type !== 'number' || typeof c.value !== 'number') throw invalid(`Invalid filter clause '${c.text}': metrics compare with numbers.`);
      const onDatasets = datasets.length > 0 ? sql` AND ${datasetCondition(datasets)}` : sql``;
      return sql<boolean>`EXISTS (SELECT 1 FROM logged_model_metrics x WHERE x.model_id = m.model_id AND x.key = ${c.key} AND x.is_nan = 0 AND ${compare(sql.ref('x.value'), c.comparator as Parameters<typeof compare>[1], c.value)}${onDatasets})`;
    }
  }
}

function datasetCondition(datasets: readonly DatasetFilter[]): RawBuilder<boolean> {
  const each = datasets.map((d) =>
    d.datasetDigest ? sql`(x.dataset_name = ${d.datasetName} AND x.dataset_digest = ${d.datasetDigest})` : sql`x.dataset_name = ${d.datasetName}`,
  );
  return sql<boolean>`(${sql.join(each, sql` OR `)})`;
}

/** What a term orders by: a column, or the latest point (by time, then step) of a metric. */
function orderValue(t: Term): RawBuilder<unknown> {
  if (t.key.entity === 'attribute') return sql`m.${sql.ref(t.key.key)}`;
  const { datasetName, datasetDigest } = t.order;
  const onDataset = datasetName
    ? datasetDigest
      ? sql` AND x.dataset_name = ${datasetName} AND x.dataset_digest = ${datasetDigest}`
      : sql` AND x.dataset_name = ${datasetName}`
    : sql``;
  return sql`(SELECT CASE WHEN x.is_nan = 1 THEN NULL ELSE x.value END FROM logged_model_metrics x WHERE x.model_id = m.model_id AND x.key = ${t.key.key}${onDataset} ORDER BY x.timestamp DESC, x.step DESC LIMIT 1)`;
}

/** The offset of a page token, which must come from a search with the same experiments, filter and order. */
function readToken(token: string | undefined, binding: Record<string, unknown>): number {
  if (!token) return 0;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalid(`Invalid page token, could not base64-decode: '${token}'`);
  }
  const { offset, ...rest } = parsed ?? {};
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw invalid(`Invalid page token, parsed value=${JSON.stringify(parsed)}: expected a non-negative integer 'offset'`);
  }
  if (JSON.stringify(rest) !== JSON.stringify(binding)) {
    throw invalid('Invalid page token: it was issued for a search with different experiment_ids, filter or order_by.');
  }
  return offset;
}
