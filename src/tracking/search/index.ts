/**
 * MLflow's search language, shared by every search endpoint.
 *
 * - `parseFilter(filter, profile)` turns `metrics.rmse < 0.5 and params.alpha = '0.1'` into typed
 *   `Clause`s (entity, canonical key, value type, comparator, value, original text).
 * - `parseOrderBy(entries, profile)` turns `['metrics.rmse DESC', 'start_time']` into `OrderKey`s.
 * - A `GrammarProfile` says what a search accepts: its entities (each with case-sensitive prefixes,
 *   and either `anyKey` for open ones like metrics/params/tags or a closed `keys` map with
 *   `aliases`), each key's value type, allowed comparators (IN / NOT IN / IS NULL only where
 *   listed) and whether it can be ordered by; `bareEntity` is the entity of a key without prefix.
 *   RUN_SEARCH_PROFILE and EXPERIMENT_SEARCH_PROFILE are here; other searches declare their own.
 * - Keywords (AND, LIKE, IN, NOT, IS, NULL, ASC, DESC) are case-insensitive; only AND joins
 *   clauses. Keys may be `backquoted` or "double-quoted"; string values take '…' or "…"; numbers
 *   are numeric literals.
 * - Every problem throws TrainyardError INVALID_PARAMETER_VALUE (HTTP 400) naming the problem and
 *   quoting the clause.
 * - `sql.ts` has the dialect-aware pieces (case-sensitive LIKE, ILIKE, string ordering) for
 *   compiling clauses with Kysely; `paging.ts` reads view types and max_results.
 * - `searchRuns` and `searchExperiments` are MLflow's two tracking searches built on all this.
 */
export * from './grammar.js';
export { parseFilter } from './filter.js';
export { parseOrderBy } from './order-by.js';
export { RUN_SEARCH_PROFILE, EXPERIMENT_SEARCH_PROFILE } from './profiles.js';
export { compare, like, likeToGlob, inList, textOrder, valueCondition } from './sql.js';
export { parseViewType, lifecycleStages, resolveMaxResults, type ViewType } from './paging.js';
export { searchRuns, SEARCH_RUNS_MAX_RESULTS, type SearchRunsRequest, type SearchRunsResult } from './run-search.js';
export { searchExperiments, SEARCH_EXPERIMENTS_MAX_RESULTS, type SearchExperimentsRequest, type SearchExperimentsResult } from './experiment-search.js';
