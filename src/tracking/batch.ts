/**
 * Parsing and validating a log-batch request before anything is written, so that a bad entry
 * anywhere rejects the whole batch with a message naming it.
 */
import { invalid } from '../errors.js';
import type { KeyValue } from './entities.js';
import { readModelFields } from './logged-model-metrics.js';
import type { MetricInput } from './metrics.js';
import type { BatchInput } from './runs.js';
import { validateTag } from './runs.js';
import { LIMITS, parseInt64, parseMetricValue, validateKey, validateParamValue } from './validation.js';

export function parseBatch(metrics: unknown[], params: unknown[], tags: unknown[]): BatchInput {
  if (metrics.length > LIMITS.metricsPerBatch) {
    throw invalid(
      `A batch logging request can contain at most ${LIMITS.metricsPerBatch} metrics. Got ${metrics.length} metrics. Please split up metrics across multiple requests and try again.`,
    );
  }
  if (params.length > LIMITS.paramsTagsPerBatch) {
    throw invalid(
      `A batch logging request can contain at most ${LIMITS.paramsTagsPerBatch} params. Got ${params.length} params. Please split up params across multiple requests and try again.`,
    );
  }
  if (tags.length > LIMITS.paramsTagsPerBatch) {
    throw invalid(
      `A batch logging request can contain at most ${LIMITS.paramsTagsPerBatch} tags. Got ${tags.length} tags. Please split up tags across multiple requests and try again.`,
    );
  }
  const total = metrics.length + params.length + tags.length;
  if (total > LIMITS.entitiesPerBatch) {
    throw invalid(
      `A batch logging request can contain at most ${LIMITS.entitiesPerBatch} total metrics, params, and tags. Got ${metrics.length} metrics, ${params.length} params, and ${tags.length} tags. Please split up entities across multiple requests and try again.`,
    );
  }
  const knownKeys = new Set<string>();
  return {
    metrics: metrics.map((m, i) => parseMetric(m, `metrics[${i}]`, knownKeys)),
    params: params.map((p, i) => {
      const { key, value } = asKeyValue(p, `params[${i}]`);
      const k = validateKey('param', key);
      return { key: k, value: validateParamValue(k, value) };
    }),
    tags: tags.map((t, i) => {
      const { key, value } = asKeyValue(t, `tags[${i}]`);
      return validateTag(key, value);
    }),
  };
}

/** One metric of a request; `seen` caches keys already validated in this request. */
export function parseMetric(raw: unknown, field: string, seen?: Set<string>): MetricInput {
  if (raw === null || typeof raw !== 'object') throw invalid(`Invalid value for parameter '${field}': expected an object`);
  const m = raw as Record<string, unknown>;
  const key = m.key;
  if (typeof key !== 'string' || !seen?.has(key)) {
    validateKey('metric', key);
    seen?.add(key as string);
  }
  const timestamp = parseInt64(`${field}.timestamp`, m.timestamp);
  const metric: MetricInput = {
    key: key as string,
    value: parseMetricValue(key as string, m.value, m.timestamp),
    timestamp,
    step: parseInt64(`${field}.step`, m.step, 0),
  };
  if (m.model_id !== undefined) readModelFields(metric, m, field);
  return metric;
}

function asKeyValue(raw: unknown, field: string): { key: unknown; value: unknown } {
  if (raw === null || typeof raw !== 'object') throw invalid(`Invalid value for parameter '${field}': expected an object with 'key' and 'value'`);
  const kv = raw as Partial<KeyValue>;
  return { key: kv.key, value: kv.value };
}
