/**
 * search-registered-models and search-model-versions over MLflow's filter language (the shared
 * parser in ../search), compiled to one SQL query each with offset page tokens.
 */
import { sql, type RawBuilder } from 'kysely';
import type { DialectName } from '../../store/dialect.js';
import type { TrackingContext } from '../context.js';
import { decodePageToken, encodePageToken } from '../page-token.js';
import {
  LIST_COMPARATORS,
  NUMERIC_COMPARATORS,
  STRING_COMPARATORS,
  parseFilter,
  parseOrderBy,
  resolveMaxResults,
  textOrder,
  valueCondition,
  type Clause,
  type GrammarProfile,
  type KeyRule,
  type OrderKey,
} from '../search/index.js';
import { loadModels, loadVersions, type ModelVersion, type ModelVersionRow, type RegisteredModel, type RegisteredModelRow } from './entities.js';
import { DELETED_STAGE } from './validation.js';

/** Registered models tagged this way are prompts (MLflow's prompt registry): hidden unless asked for. */
export const PROMPT_TAG = 'mlflow.prompt.is_prompt';

const STRING: KeyRule = { type: 'string', comparators: STRING_COMPARATORS, orderable: true };
const FILTER_ONLY_STRING: KeyRule = { ...STRING, orderable: false };
const ORDER_ONLY_NUMBER: KeyRule = { type: 'number', comparators: [], orderable: true };
const TAGS = { entity: 'tag', prefixes: ['tag', 'tags'], anyKey: FILTER_ONLY_STRING } as const;

export const REGISTERED_MODEL_SEARCH_PROFILE: GrammarProfile = {
  subject: 'registered models',
  bareEntity: 'attribute',
  entities: [
    {
      entity: 'attribute',
      prefixes: ['attribute'],
      // Both timestamp spellings order by the last update, as MLflow's SQL store does.
      keys: { name: STRING, last_updated_timestamp: ORDER_ONLY_NUMBER },
      aliases: { timestamp: 'last_updated_timestamp' },
    },
    TAGS,
  ],
};

export const MODEL_VERSION_SEARCH_PROFILE: GrammarProfile = {
  subject: 'model versions',
  bareEntity: 'attribute',
  entities: [
    {
      entity: 'attribute',
      prefixes: ['attribute'],
      keys: {
        name: STRING,
        version_number: { type: 'number', comparators: NUMERIC_COMPARATORS, orderable: true },
        run_id: { type: 'string', comparators: [...STRING_COMPARATORS, ...LIST_COMPARATORS], orderable: false },
        source_path: FILTER_ONLY_STRING,
        creation_timestamp: ORDER_ONLY_NUMBER,
        last_updated_timestamp: ORDER_ONLY_NUMBER,
      },
    },
    TAGS,
  ],
};

const MODEL_COLUMNS: Record<string, string> = { name: 'name', last_updated_timestamp: 'last_updated_time' };
const VERSION_COLUMNS: Record<string, string> = {
  name: 'name',
  version_number: 'version',
  run_id: 'run_id',
  source_path: 'source',
  creation_timestamp: 'creation_time',
  last_updated_timestamp: 'last_updated_time',
};

export const REGISTERED_MODELS_MAX_RESULTS = { defaultValue: 100, max: 1000 };
export const MODEL_VERSIONS_MAX_RESULTS = { defaultValue: 200_000, max: 200_000 };

export interface RegistrySearchRequest {
  filter?: string | undefined;
  maxResults?: number | undefined;
  orderBy?: readonly string[];
  pageToken?: string | undefined;
}

const key = (k: string, ascending: boolean): OrderKey => ({ entity: 'attribute', key: k, type: k === 'name' ? 'string' : 'number', ascending, text: k });

export async function searchRegisteredModels(
  ctx: TrackingContext,
  request: RegistrySearchRequest,
): Promise<{ models: RegisteredModel[]; nextPageToken?: string }> {
  const maxResults = resolveMaxResults(request.maxResults, REGISTERED_MODELS_MAX_RESULTS);
  const clauses = parseFilter(request.filter, REGISTERED_MODEL_SEARCH_PROFILE);
  const order = withTieBreaks(parseOrderBy(request.orderBy, REGISTERED_MODEL_SEARCH_PROFILE), [key('name', true)]);
  const offset = decodePageToken(request.pageToken);
  const tagRow = (k: string) => sql`SELECT 1 FROM registered_model_tags x WHERE x.name = rm.name AND x.key = ${k}`;
  const conditions = clauses.map((c) =>
    c.entity === 'attribute' ? valueCondition(ctx.dialect, sql.ref(`rm.${MODEL_COLUMNS[c.key]!}`), c) : tagCondition(ctx.dialect, tagRow(c.key), c),
  );
  if (!mentionsPromptTag(clauses)) conditions.push(sql<boolean>`NOT EXISTS (${tagRow(PROMPT_TAG)} AND lower(x.value) = 'true')`);
  const { rows } = await sql<RegisteredModelRow>`SELECT rm.* FROM registered_models rm ${where(conditions)} ORDER BY ${orderTerms(ctx.dialect, order, 'rm', MODEL_COLUMNS)} LIMIT ${maxResults + 1} OFFSET ${offset}`.execute(
    ctx.db,
  );
  const out: { models: RegisteredModel[]; nextPageToken?: string } = { models: await loadModels(ctx.db, rows.slice(0, maxResults)) };
  if (rows.length > maxResults) out.nextPageToken = encodePageToken(offset + maxResults);
  return out;
}

/** Live versions only. Default order: last updated first, then name ascending, then newest version. */
export async function searchModelVersions(
  ctx: TrackingContext,
  request: RegistrySearchRequest,
): Promise<{ versions: ModelVersion[]; nextPageToken?: string }> {
  const maxResults = resolveMaxResults(request.maxResults, MODEL_VERSIONS_MAX_RESULTS);
  const clauses = parseFilter(request.filter, MODEL_VERSION_SEARCH_PROFILE);
  const given = parseOrderBy(request.orderBy, MODEL_VERSION_SEARCH_PROFILE);
  const order = withTieBreaks(given.length > 0 ? given : [key('last_updated_timestamp', false)], [key('name', true), key('version_number', false)]);
  const offset = decodePageToken(request.pageToken);
  const tagRow = (k: string) => sql`SELECT 1 FROM model_version_tags x WHERE x.name = mv.name AND x.version = mv.version AND x.key = ${k}`;
  const conditions: RawBuilder<boolean>[] = [sql<boolean>`mv.current_stage <> ${DELETED_STAGE}`];
  for (const c of clauses) {
    conditions.push(c.entity === 'attribute' ? valueCondition(ctx.dialect, sql.ref(`mv.${VERSION_COLUMNS[c.key]!}`), c) : tagCondition(ctx.dialect, tagRow(c.key), c));
  }
  if (!mentionsPromptTag(clauses)) {
    conditions.push(sql<boolean>`NOT EXISTS (SELECT 1 FROM registered_model_tags p WHERE p.name = mv.name AND p.key = ${PROMPT_TAG} AND lower(p.value) = 'true')`);
  }
  const { rows } = await sql<ModelVersionRow>`SELECT mv.* FROM model_versions mv ${where(conditions)} ORDER BY ${orderTerms(ctx.dialect, order, 'mv', VERSION_COLUMNS)} LIMIT ${maxResults + 1} OFFSET ${offset}`.execute(
    ctx.db,
  );
  const out: { versions: ModelVersion[]; nextPageToken?: string } = { versions: await loadVersions(ctx.db, rows.slice(0, maxResults)) };
  if (rows.length > maxResults) out.nextPageToken = encodePageToken(offset + maxResults);
  return out;
}

/** A tag clause: the tag exists and its value satisfies the comparison. */
function tagCondition(dialect: DialectName, row: RawBuilder<unknown>, c: Clause): RawBuilder<boolean> {
  return sql<boolean>`EXISTS (${row} AND ${valueCondition(dialect, sql.ref('x.value'), c)})`;
}

function mentionsPromptTag(clauses: readonly Clause[]): boolean {
  return clauses.some((c) => c.entity === 'tag' && c.key === PROMPT_TAG);
}

function withTieBreaks(keys: readonly OrderKey[], tieBreaks: readonly OrderKey[]): OrderKey[] {
  return [...keys, ...tieBreaks.filter((t) => !keys.some((k) => k.key === t.key))];
}

function orderTerms(dialect: DialectName, keys: readonly OrderKey[], alias: string, columns: Record<string, string>): RawBuilder<unknown> {
  return sql.join(
    keys.map((k) => {
      const ref = sql.ref(`${alias}.${columns[k.key]!}`);
      return sql`${k.type === 'string' ? textOrder(dialect, ref) : ref} ${sql.raw(k.ascending ? 'ASC' : 'DESC')}`;
    }),
  );
}

function where(conditions: readonly RawBuilder<boolean>[]): RawBuilder<unknown> {
  return conditions.length === 0 ? sql`` : sql`WHERE ${sql.join(conditions, sql` AND `)}`;
}
