import type { Migration } from 'kysely';
import * as tracking from './001_tracking.js';
import * as registry from './002_model_registry.js';
import * as loggedModels from './003_logged_models.js';
import * as searchIndexes from './004_search_indexes.js';
import * as trainings from './005_trainings.js';
import * as pipelines from './006_pipelines.js';

/**
 * Every migration, in order. A migration only ever adds to the schema of its major version;
 * a change that needs data rewritten bumps SCHEMA_MAJOR so it is never applied silently.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '001_tracking': tracking,
  '002_model_registry': registry,
  '003_logged_models': loggedModels,
  '004_search_indexes': searchIndexes,
  '005_trainings': trainings,
  '006_pipelines': pipelines,
};

export const SCHEMA_MAJOR = 1;
