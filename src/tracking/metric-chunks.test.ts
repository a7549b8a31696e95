import { describe, expect, it } from 'vitest';
import { decodeChunk, encodeChunk, type Point } from './metric-chunks.js';

describe('metric chunk encoding', () => {
  it('round-trips steps, timestamps and values including NaN and infinities', () => {
    const points: Point[] = [
      { step: 0, timestamp: 1_700_000_000_123, value: 0.5 },
      { step: 2 ** 52, timestamp: 1, value: Number.NaN },
      { step: -3, timestamp: 0, value: Number.POSITIVE_INFINITY },
      { step: 7, timestamp: 9, value: Number.NEGATIVE_INFINITY },
    ];
    const out: Point[] = [];
    decodeChunk(encodeChunk(points), (step, timestamp, value) => out.push({ step, timestamp, value }));
    expect(out).toEqual(points);
  });

  it('decodes a chunk that is not 8-byte aligned in memory', () => {
    const encoded = encodeChunk([{ step: 1, timestamp: 2, value: 3 }]);
    const shifted = new Uint8Array(encoded.length + 1).subarray(1);
    shifted.set(encoded);
    const out: number[] = [];
    decodeChunk(shifted, (s, t, v) => out.push(s, t, v));
    expect(out).toEqual([1, 2, 3]);
  });

  it('refuses a truncated chunk', () => {
    expect(() => decodeChunk(new Uint8Array(23), () => {})).toThrow(/corrupt/);
  });
});
