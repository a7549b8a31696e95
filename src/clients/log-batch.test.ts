import { describe, expect, it } from 'vitest';
import { BATCH_LIMITS, fromJsonDouble, planBatches, toJsonDouble, type WireBatch } from './log-batch.js';

const kv = (prefix: string, n: number, valueLength = 1) =>
  Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: 'v'.repeat(valueLength) }));
const metrics = (n: number): WireBatch['metrics'] => Array.from({ length: n }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i }));

function expectWithinLimits(batches: WireBatch[]) {
  for (const b of batches) {
    expect(b.params.length).toBeLessThanOrEqual(BATCH_LIMITS.paramsOrTags);
    expect(b.tags.length).toBeLessThanOrEqual(BATCH_LIMITS.paramsOrTags);
    expect(b.metrics.length).toBeLessThanOrEqual(BATCH_LIMITS.metrics);
    expect(b.params.length + b.tags.length + b.metrics.length).toBeLessThanOrEqual(BATCH_LIMITS.entities);
    expect(new TextEncoder().encode(JSON.stringify({ run_id: 'x'.repeat(32), ...b })).length).toBeLessThan(1_000_000);
  }
}

describe('planBatches', () => {
  it('sends a batch that fits as one request, and nothing for an empty one', () => {
    expect(planBatches(kv('p', 100), kv('t', 100), metrics(800))).toHaveLength(1);
    expect(planBatches([], [], [])).toEqual([]);
  });

  it('splits by count, keeping every entry exactly once and in order', () => {
    const params = kv('p', 250);
    const tags = kv('t', 130);
    const ms = metrics(2600);
    const batches = planBatches(params, tags, ms);
    expectWithinLimits(batches);
    expect(batches.flatMap((b) => b.params)).toEqual(params);
    expect(batches.flatMap((b) => b.tags)).toEqual(tags);
    expect(batches.flatMap((b) => b.metrics)).toEqual(ms);
  });

  it('splits by bytes when long values would pass the 1 MB request limit', () => {
    const params = kv('p', 100, 6000);
    const tags = kv('t', 100, 8000);
    const batches = planBatches(params, tags, []);
    expect(batches.length).toBeGreaterThan(1);
    expectWithinLimits(batches);
    expect(batches.flatMap((b) => b.tags)).toEqual(tags);
  });

  it('counts multi-byte characters at their encoded size', () => {
    const tags = kv('t', 100, 1).map((t) => ({ ...t, value: '€'.repeat(5000) })); // 15 KB each in UTF-8
    const batches = planBatches([], tags, []);
    expectWithinLimits(batches);
    expect(batches.length).toBeGreaterThan(1);
  });
});

describe('JSON doubles', () => {
  it('writes NaN and infinities as protobuf JSON strings and reads them back', () => {
    expect([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5].map(toJsonDouble)).toEqual(['NaN', 'Infinity', '-Infinity', 1.5]);
    expect(['NaN', 'Infinity', '-Infinity', 2].map((v) => fromJsonDouble(v as never))).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2]);
  });
});
