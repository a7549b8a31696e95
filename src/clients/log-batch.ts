import type { JsonDouble, KeyValue } from '../tracking/entities.js';

/** A metric point to log; the timestamp defaults to now and the step to 0. */
export interface MetricInput {
  key: string;
  value: number;
  timestamp?: number;
  step?: number;
}

export interface ParamInput {
  key: string;
  value: string | number | boolean;
}

/** What one `runs/log-batch` request carries, in wire form. */
export interface WireBatch {
  metrics: { key: string; value: JsonDouble; timestamp: number; step: number }[];
  params: KeyValue[];
  tags: KeyValue[];
}

// MLflow's per-request limits (mlflow/utils/validation.py); the byte budget stays under the
// server's 1,000,000-byte body check with room for the envelope.
export const BATCH_LIMITS = { metrics: 1000, paramsOrTags: 100, entities: 1000, bytes: 900_000 } as const;

/** NaN and ±Infinity travel as strings, as protobuf JSON writes doubles. */
export function toJsonDouble(value: number): JsonDouble {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

/** A metric value as the server wrote it, back to a number. */
export function fromJsonDouble(value: JsonDouble | string): number {
  return typeof value === 'number' ? value : Number(value);
}

/**
 * Splits params, tags and metrics into requests that each fit MLflow's limits: ≤100 params,
 * ≤100 tags, ≤1000 entries, under the byte budget. Params and tags go first, so a run's
 * configuration lands before its metrics. A batch that fits is sent as one request.
 */
export function planBatches(params: readonly KeyValue[], tags: readonly KeyValue[], metrics: WireBatch['metrics']): WireBatch[] {
  const batches: WireBatch[] = [];
  let current: WireBatch = { metrics: [], params: [], tags: [] };
  let bytes = 0;
  let entries = 0;
  const flush = () => {
    if (entries > 0) batches.push(current);
    current = { metrics: [], params: [], tags: [] };
    bytes = 0;
    entries = 0;
  };
  const add = <T>(list: 'params' | 'tags' | 'metrics', item: T, size: number, cap: number) => {
    if ((current[list] as T[]).length >= cap || entries >= BATCH_LIMITS.entities || bytes + size > BATCH_LIMITS.bytes) flush();
    (current[list] as T[]).push(item);
    bytes += size;
    entries++;
  };
  for (const p of params) add('params', p, kvBytes(p), BATCH_LIMITS.paramsOrTags);
  for (const t of tags) add('tags', t, kvBytes(t), BATCH_LIMITS.paramsOrTags);
  // Keys are ≤250 characters, so a metric never needs exact measuring.
  for (const m of metrics) add('metrics', m, utf8Bytes(m.key) + 80, BATCH_LIMITS.metrics);
  flush();
  return batches;
}

function kvBytes(kv: KeyValue): number {
  return utf8Bytes(kv.key) + utf8Bytes(kv.value) + 24;
}

/** An upper bound of the JSON-encoded size: escapes and multi-byte characters both fit in 6 bytes. */
function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x20 || c === 0x22 || c === 0x5c ? 6 : c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
  }
  return n;
}
