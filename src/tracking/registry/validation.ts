/**
 * Input rules of the model registry: names, version numbers, stages, aliases and tags, with
 * MLflow's error codes and messages that name the offending field.
 */
import { invalid } from '../../errors.js';
import type { KeyValue } from '../entities.js';
import { LIMITS, validateKey, validateLength, validateTagValue } from '../validation.js';

/** MLflow's registered_models.name column is 256 characters wide. */
export const MODEL_NAME_LENGTH = 256;
export const ALIAS_LENGTH = 255;

export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type Stage = (typeof STAGES)[number];
/** What a soft-deleted version's stage becomes; such versions are invisible to every read. */
export const DELETED_STAGE = 'Deleted_Internal';
const ACTIVE_STAGES: readonly Stage[] = ['Staging', 'Production'];

const missing = (field: string) =>
  invalid(`Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`);

export function validateModelName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name === '') throw missing(field);
  validateLength(`registered model ${field}`, name, MODEL_NAME_LENGTH);
  return name;
}

/** Versions travel as strings ("1"); anything but a positive integer is refused. */
export function parseVersion(version: unknown, field = 'version'): number {
  if (version === undefined || version === null || version === '') throw missing(field);
  const text = typeof version === 'number' ? String(version) : version;
  if (typeof text !== 'string' || !/^\d{1,15}$/.test(text.trim())) {
    throw invalid(`Parameter '${field}' must be an integer, got '${typeof version === 'string' ? version : JSON.stringify(version)}'.`);
  }
  const n = Number(text);
  if (n < 1) throw invalid(`Parameter '${field}' must be a positive integer, got '${text}'.`);
  return n;
}

/** Stages are case-insensitive on input and canonical on output. */
export function canonicalStage(stage: unknown, field = 'stage'): Stage {
  if (typeof stage !== 'string' || stage === '') throw missing(field);
  const found = STAGES.find((s) => s.toLowerCase() === stage.toLowerCase());
  if (!found) throw invalid(`Invalid Model Version stage: ${stage}. Value must be one of ${STAGES.join(', ')}.`);
  return found;
}

export function requireArchivableStage(stage: Stage): void {
  if (!ACTIVE_STAGES.includes(stage)) {
    throw invalid(
      `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are ${ACTIVE_STAGES.join(', ')}.`,
    );
  }
}

/**
 * Aliases name a version inside `models:/name@alias` URIs, so they must not look like the other
 * URI forms: `latest` and `v<digits>` are reserved.
 */
export function validateAlias(alias: unknown): string {
  if (typeof alias !== 'string' || alias === '') throw missing('alias');
  if (alias.length > ALIAS_LENGTH) {
    throw invalid(`Alias '${alias.slice(0, 64)}...' had length ${alias.length}, which exceeded length limit of ${ALIAS_LENGTH}`);
  }
  if (!/^[\w-]+$/.test(alias)) {
    throw invalid(`Invalid alias name: '${alias}'. Aliases may only contain alphanumerics, underscores (_) and dashes (-).`);
  }
  if (alias.toLowerCase() === 'latest') {
    throw invalid(`'${alias}' alias name (case insensitive) is reserved.`);
  }
  if (/^[vV]\d+$/.test(alias)) {
    throw invalid(`Version alias name '${alias}' is reserved: aliases of the form v<number> would shadow version references.`);
  }
  return alias;
}

export function validateRegistryTag(key: unknown, value: unknown): KeyValue {
  const k = validateKey('tag', key, LIMITS.registryTagKeyLength);
  return { key: k, value: validateTagValue(k, value, LIMITS.registryTagValueLength) };
}

/** Tags of one request, validated, with the last value of a repeated key winning. */
export function validateRegistryTags(tags: readonly { key: unknown; value: unknown }[]): KeyValue[] {
  const last = new Map<string, string>();
  for (const t of tags) {
    const tag = validateRegistryTag(t.key, t.value);
    last.set(tag.key, tag.value);
  }
  return [...last].map(([key, value]) => ({ key, value }));
}
