/**
 * MLflow's input rules (mlflow/utils/validation.py), with messages that name the offending field.
 */
import { posix } from 'node:path';
import { invalid } from '../errors.js';

export const LIMITS = {
  metricsPerBatch: 1000,
  paramsTagsPerBatch: 100,
  entitiesPerBatch: 1000,
  batchRequestBytes: 1_000_000,
  paramValueLength: 6000,
  tagValueLength: 8000,
  entityKeyLength: 250,
  experimentNameLength: 500,
  experimentTagKeyLength: 250,
  experimentTagValueLength: 5000,
  registryTagKeyLength: 250,
  registryTagValueLength: 100_000,
  runNameLength: 250,
  datasetNameLength: 500,
  datasetDigestLength: 36,
  datasetSourceLength: 65_535,
  datasetSchemaLength: 1_048_575,
  datasetProfileLength: 16_777_215,
  inputTagKeyLength: 255,
  inputTagValueLength: 500,
} as const;

const VALID_NAME = /^[/\w.\- :]*$/;

export type EntityKind = 'metric' | 'param' | 'tag';

/** Metric, param and tag keys: a restricted alphabet, and no path tricks (they may become file names). */
export function validateKey(kind: EntityKind, key: unknown, maxLength: number = LIMITS.entityKeyLength): string {
  if (typeof key !== 'string' || key === '') {
    throw invalid(`Missing value for required parameter 'key'. A ${kind} key must be a non-empty string.`);
  }
  if (!VALID_NAME.test(key)) {
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
  }
  const normalized = posix.normalize(key);
  if (normalized !== key || normalized === '.' || normalized.startsWith('..') || normalized.startsWith('/')) {
    throw invalid(
      `Invalid value "${key}" for parameter 'key' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${normalized}'`,
    );
  }
  validateLength(`${kind} key`, key, maxLength);
  return key;
}

export function validateLength(what: string, value: string, max: number): void {
  if (value.length > max) {
    throw invalid(`${capitalize(what)} '${value.slice(0, 64)}${value.length > 64 ? '...' : ''}' had length ${value.length}, which exceeded length limit of ${max}`);
  }
}

export function validateParamValue(key: string, value: unknown): string {
  const text = stringValue(`param '${key}'`, value);
  if (text.length > LIMITS.paramValueLength) {
    throw invalid(`Param value for key '${key}' had length ${text.length}, which exceeded length limit of ${LIMITS.paramValueLength}`);
  }
  return text;
}

export function validateTagValue(key: string, value: unknown, max: number = LIMITS.tagValueLength): string {
  const text = stringValue(`tag '${key}'`, value);
  if (text.length > max) {
    throw invalid(`Tag value for key '${key}' had length ${text.length}, which exceeded length limit of ${max}`);
  }
  return text;
}

function stringValue(what: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw invalid(`Invalid value for ${what}: expected a string, got ${JSON.stringify(value)}`);
}

/** Accepts a JSON number or the proto-JSON strings "NaN", "Infinity", "-Infinity" (and numeric strings). */
export function parseMetricValue(key: string, value: unknown, timestamp: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const t = value.trim();
    if (t === 'NaN' || t === 'nan') return Number.NaN;
    if (t === 'Infinity' || t === 'inf') return Number.POSITIVE_INFINITY;
    if (t === '-Infinity' || t === '-inf') return Number.NEGATIVE_INFINITY;
    if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  }
  throw invalid(
    `Got invalid value ${JSON.stringify(value)} for metric '${key}' (timestamp=${String(timestamp)}). Please specify value as a valid double (64-bit floating point)`,
  );
}

/** An int64 field: JSON number or decimal string, as proto JSON allows. */
export function parseInt64(field: string, value: unknown, fallback?: number): number {
  if (value === undefined || value === null || value === '') {
    if (fallback !== undefined) return fallback;
    throw invalid(`Missing value for required parameter '${field}'.`);
  }
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw invalid(`Invalid value ${JSON.stringify(value)} for parameter '${field}' supplied: expected a 64-bit integer`);
  }
  return n;
}

export function requireString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw invalid(`Missing value for required parameter '${field}'.`);
  }
  return value;
}

export function optionalString(field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw invalid(`Invalid value ${JSON.stringify(value)} for parameter '${field}' supplied: expected a string`);
  }
  return value;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
