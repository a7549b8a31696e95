import {
  LIST_COMPARATORS,
  NULL_COMPARATORS,
  NUMERIC_COMPARATORS,
  STRING_COMPARATORS,
  type GrammarProfile,
  type KeyRule,
} from './grammar.js';

const NUMBER: KeyRule = { type: 'number', comparators: NUMERIC_COMPARATORS, orderable: true };
const STRING: KeyRule = { type: 'string', comparators: STRING_COMPARATORS, orderable: true };
const STRING_OR_NULL: KeyRule = { type: 'string', comparators: [...STRING_COMPARATORS, ...NULL_COMPARATORS], orderable: true };

/** search-runs: metrics, params, tags, run attributes and dataset inputs (MLflow's SearchUtils). */
export const RUN_SEARCH_PROFILE: GrammarProfile = {
  subject: 'runs',
  bareEntity: 'attribute',
  entities: [
    { entity: 'metric', prefixes: ['metric', 'metrics'], anyKey: NUMBER },
    { entity: 'param', prefixes: ['param', 'params', 'parameter', 'parameters'], anyKey: STRING_OR_NULL },
    { entity: 'tag', prefixes: ['tag', 'tags'], anyKey: STRING_OR_NULL },
    {
      entity: 'attribute',
      prefixes: ['attribute', 'attributes', 'attr', 'run'],
      keys: {
        // IN lists are MLflow's way to fetch a known set of runs; only run_id takes them.
        run_id: { type: 'string', comparators: [...STRING_COMPARATORS, ...LIST_COMPARATORS], orderable: true },
        run_name: STRING,
        status: STRING,
        user_id: STRING,
        artifact_uri: STRING,
        start_time: NUMBER,
        end_time: NUMBER,
      },
      aliases: { created: 'start_time', Created: 'start_time', 'run name': 'run_name', 'Run name': 'run_name', 'Run Name': 'run_name' },
    },
    {
      entity: 'dataset',
      prefixes: ['dataset', 'datasets'],
      keys: Object.fromEntries(
        ['name', 'digest', 'context'].map((k) => [k, { type: 'string', comparators: [...STRING_COMPARATORS, ...LIST_COMPARATORS], orderable: false }]),
      ),
    },
  ],
};

/** search-experiments: name and times as attributes, tags; experiment_id can only be ordered by. */
export const EXPERIMENT_SEARCH_PROFILE: GrammarProfile = {
  subject: 'experiments',
  bareEntity: 'attribute',
  entities: [
    {
      entity: 'attribute',
      prefixes: ['attribute', 'attributes'],
      keys: {
        name: STRING,
        creation_time: NUMBER,
        last_update_time: NUMBER,
        experiment_id: { type: 'number', comparators: [], orderable: true },
      },
    },
    { entity: 'tag', prefixes: ['tag', 'tags'], anyKey: { ...STRING_OR_NULL, orderable: false } },
  ],
};
