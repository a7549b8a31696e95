import { describe, expect, it } from 'vitest';
import { encodeChunk, type Point } from './metric-chunks.js';
import { seriesFromChunks, seriesPoints } from './metric-series.js';
import { sortAndDedupe } from './metrics.js';

const p = (step: number, timestamp: number, value: number): Point => ({ step, timestamp, value });

describe('metric series', () => {
  it('joins chunks in history order: step, then timestamp, then value', () => {
    const series = seriesFromChunks([
      encodeChunk([p(2, 10, 1), p(0, 30, 5)]),
      encodeChunk([p(1, 20, 3), p(0, 30, 4), p(0, 5, 9)]),
    ]);
    expect(seriesPoints(series)).toEqual([p(0, 5, 9), p(0, 30, 4), p(0, 30, 5), p(1, 20, 3), p(2, 10, 1)]);
  });

  it('keeps identical points once, NaN included, across and within chunks', () => {
    const series = seriesFromChunks([
      encodeChunk([p(0, 1, Number.NaN), p(1, 2, 0.5), p(1, 2, 0.5)]),
      encodeChunk([p(0, 1, Number.NaN), p(1, 2, 0.5), p(1, 3, 0.5)]),
    ]);
    expect(seriesPoints(series)).toEqual([p(0, 1, Number.NaN), p(1, 2, 0.5), p(1, 3, 0.5)]);
    expect(series.length).toBe(3);
  });

  it('reads a window of points', () => {
    const series = seriesFromChunks([encodeChunk([p(0, 0, 0), p(1, 0, 1), p(2, 0, 2), p(3, 0, 3)])]);
    expect(seriesPoints(series, 1, 3)).toEqual([p(1, 0, 1), p(2, 0, 2)]);
    expect(seriesPoints(series, 3, 10)).toEqual([p(3, 0, 3)]);
  });

  it('applies the same order and identity to points at hand', () => {
    expect(sortAndDedupe([p(1, 0, 2), p(0, 0, 1), p(1, 0, 2), p(0, 0, Number.POSITIVE_INFINITY)])).toEqual([
      p(0, 0, 1),
      p(0, 0, Number.POSITIVE_INFINITY),
      p(1, 0, 2),
    ]);
  });
});
