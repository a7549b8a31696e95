/**
 * A metric's history as three parallel columns (steps, timestamps, values) instead of one object
 * per point: a 100,000-point history is then three arrays to fill and walk, not 100,000 objects
 * for the garbage collector.
 */
import { chunkColumns, type Point } from './metric-chunks.js';

export interface MetricSeries {
  length: number;
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;
}

/**
 * The points of encoded chunks (see metric-chunks.ts), in MLflow's history order (step, then
 * timestamp, then value) with identical points kept once, as MLflow stores them.
 */
export function seriesFromChunks(chunks: readonly Uint8Array[]): MetricSeries {
  const columns = chunks.map(chunkColumns);
  let total = 0;
  for (const cols of columns) total += cols.length / 3;
  const series: MetricSeries = {
    length: total,
    steps: new Float64Array(total),
    timestamps: new Float64Array(total),
    values: new Float64Array(total),
  };
  let at = 0;
  for (const cols of columns) {
    const n = cols.length / 3;
    series.steps.set(cols.subarray(0, n), at);
    series.timestamps.set(cols.subarray(n, 2 * n), at);
    series.values.set(cols.subarray(2 * n), at);
    at += n;
  }
  return sortAndDedupeSeries(series);
}

function compareAt(s: MetricSeries, a: number, b: number): number {
  const va = s.values[a]!;
  const vb = s.values[b]!;
  return s.steps[a]! - s.steps[b]! || s.timestamps[a]! - s.timestamps[b]! || (va < vb ? -1 : va > vb ? 1 : 0);
}

/** Sorts (only when out of order: logging is nearly always in order) and drops repeated points, in place. */
export function sortAndDedupeSeries(s: MetricSeries): MetricSeries {
  let sorted = true;
  for (let i = 1; i < s.length && sorted; i++) if (compareAt(s, i - 1, i) > 0) sorted = false;
  if (!sorted) {
    const order = Array.from({ length: s.length }, (_, i) => i).sort((a, b) => compareAt(s, a, b));
    const steps = s.steps.slice(0, s.length);
    const timestamps = s.timestamps.slice(0, s.length);
    const values = s.values.slice(0, s.length);
    for (let i = 0; i < order.length; i++) {
      const from = order[i]!;
      s.steps[i] = steps[from]!;
      s.timestamps[i] = timestamps[from]!;
      s.values[i] = values[from]!;
    }
  }
  let w = 0;
  for (let r = 0; r < s.length; r++) {
    if (w > 0 && s.steps[w - 1] === s.steps[r] && s.timestamps[w - 1] === s.timestamps[r] && Object.is(s.values[w - 1], s.values[r])) continue;
    if (w !== r) {
      s.steps[w] = s.steps[r]!;
      s.timestamps[w] = s.timestamps[r]!;
      s.values[w] = s.values[r]!;
    }
    w++;
  }
  s.length = w;
  return s;
}

export function seriesPoints(s: MetricSeries, start = 0, end = s.length): Point[] {
  const points: Point[] = [];
  for (let i = start; i < Math.min(end, s.length); i++) points.push({ step: s.steps[i]!, timestamp: s.timestamps[i]!, value: s.values[i]! });
  return points;
}
