import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { ExperimentsTable } from '../../store/schema.js';
import type { DialectName } from '../../store/dialect.js';
import type { TrackingContext } from '../context.js';
import type { Experiment } from '../entities.js';
import type { ExperimentService } from '../experiments.js';
import { decodePageToken, encodePageToken } from '../page-token.js';
import { parseFilter } from './filter.js';
import type { Clause, OrderKey } from './grammar.js';
import { parseOrderBy } from './order-by.js';
import { lifecycleStages, parseViewType, resolveMaxResults } from './paging.js';
import { EXPERIMENT_SEARCH_PROFILE } from './profiles.js';
import { inList, textOrder, valueCondition } from './sql.js';

export interface SearchExperimentsRequest {
  filter?: string;
  /** ACTIVE_ONLY (default), DELETED_ONLY or ALL, by name or proto number. */
  viewType?: string;
  maxResults?: number;
  orderBy?: readonly string[];
  pageToken?: string;
}

export interface SearchExperimentsResult {
  experiments: Experiment[];
  nextPageToken?: string;
}

export const SEARCH_EXPERIMENTS_MAX_RESULTS = { defaultValue: 1000, max: 50_000 };

const DEFAULT_ORDER: OrderKey[] = [
  { entity: 'attribute', key: 'creation_time', type: 'number', ascending: false, text: 'creation_time DESC' },
  { entity: 'attribute', key: 'experiment_id', type: 'number', ascending: true, text: 'experiment_id ASC' },
];

/**
 * MLflow's search-experiments. Without order_by: newest first, then experiment id ascending; with
 * it, the given keys then experiment id descending (as MLflow's SQL store does).
 */
export async function searchExperiments(
  ctx: TrackingContext,
  experiments: ExperimentService,
  request: SearchExperimentsRequest,
): Promise<SearchExperimentsResult> {
  const stages = lifecycleStages(parseViewType(request.viewType, 'view_type'));
  const maxResults = resolveMaxResults(request.maxResults, SEARCH_EXPERIMENTS_MAX_RESULTS);
  const clauses = parseFilter(request.filter, EXPERIMENT_SEARCH_PROFILE);
  let order = parseOrderBy(request.orderBy, EXPERIMENT_SEARCH_PROFILE);
  if (order.length === 0) order = DEFAULT_ORDER;
  else if (!order.some((k) => k.key === 'experiment_id')) {
    order = [...order, { entity: 'attribute', key: 'experiment_id', type: 'number', ascending: false, text: 'experiment_id DESC' }];
  }
  const offset = decodePageToken(request.pageToken);

  const conditions = [inList(sql.ref('e.lifecycle_stage'), stages, false), ...clauses.map((c) => condition(ctx.dialect, c))];
  const terms = order.map((k) => {
    const ref = sql.ref(`e.${k.key}`);
    return sql`${k.type === 'string' ? textOrder(ctx.dialect, ref) : ref} ${sql.raw(k.ascending ? 'ASC' : 'DESC')}`;
  });
  const { rows } = await sql<Selectable<ExperimentsTable>>`SELECT e.* FROM experiments e WHERE ${sql.join(conditions, sql` AND `)} ORDER BY ${sql.join(terms)} LIMIT ${maxResults + 1} OFFSET ${offset}`.execute(
    ctx.db,
  );
  const result: SearchExperimentsResult = { experiments: await experiments.toEntities(rows.slice(0, maxResults)) };
  if (rows.length > maxResults) result.nextPageToken = encodePageToken(offset + maxResults);
  return result;
}

function condition(dialect: DialectName, c: Clause): RawBuilder<boolean> {
  if (c.entity === 'attribute') return valueCondition(dialect, sql.ref(`e.${c.key}`), c);
  const row = sql`SELECT 1 FROM experiment_tags x WHERE x.experiment_id = e.experiment_id AND x.key = ${c.key}`;
  if (c.comparator === 'IS NULL') return sql<boolean>`NOT EXISTS (${row})`;
  if (c.comparator === 'IS NOT NULL') return sql<boolean>`EXISTS (${row})`;
  return sql<boolean>`EXISTS (${row} AND ${valueCondition(dialect, sql.ref('x.value'), c)})`;
}
