import { describe, expect, it } from 'vitest';
import { decimate } from '../../web/src/charts/decimate.js';
import { historyOf, seriesOf, sortByX } from '../../web/src/charts/series.js';
import { smooth } from '../../web/src/charts/smooth.js';
import { parseDelimited } from '../../web/src/components/csv.js';
import { layoutDag } from '../../web/src/components/dag-layout.js';

const f64 = (xs: number[]) => Float64Array.from(xs);

describe('decimate', () => {
  const n = 100_000;
  const x = new Float64Array(n).map((_, i) => i);
  const y = new Float64Array(n).map((_, i) => Math.sin(i / 100));
  y[12_345] = 50; // a spike
  y[67_890] = -50; // a dip

  it('keeps at most two points per bucket plus the ends', () => {
    const d = decimate({ x, y }, 1000);
    expect(d.x.length).toBeLessThanOrEqual(2002);
    expect(d.x[0]).toBe(0);
    expect(d.x[d.x.length - 1]).toBe(n - 1);
  });

  it('keeps spikes and dips however few points are drawn', () => {
    const d = decimate({ x, y }, 100);
    expect(Math.max(...d.y)).toBe(50);
    expect(Math.min(...d.y)).toBe(-50);
    expect(d.x[d.y.indexOf(50)]).toBe(12_345);
  });

  it('keeps x ascending and every kept point as it was', () => {
    const d = decimate({ x, y }, 500);
    for (let i = 1; i < d.x.length; i++) expect(d.x[i]!).toBeGreaterThan(d.x[i - 1]!);
    for (let i = 0; i < d.x.length; i++) expect(d.y[i]).toBe(y[d.x[i]!]);
  });

  it('leaves short series alone and keeps a gap where a value is not finite', () => {
    const short = { x: f64([0, 1, 2]), y: f64([1, 2, 3]) };
    expect(decimate(short, 100)).toBe(short);
    const gy = new Float64Array(1000).fill(1);
    gy[500] = NaN;
    const d = decimate({ x: new Float64Array(1000).map((_, i) => i), y: gy }, 10);
    expect(Array.from(d.y).some(Number.isNaN)).toBe(true);
  });
});

describe('smooth', () => {
  it('is the identity at 0 and starts at the first value (bias-corrected)', () => {
    const y = f64([10, 0, 10, 0]);
    expect(smooth(y, 0)).toBe(y);
    const s = smooth(y, 0.9);
    expect(s[0]).toBeCloseTo(10);
    expect(s[3]!).toBeGreaterThan(0);
    expect(s[3]!).toBeLessThan(10);
  });

  it('passes non-finite values through without poisoning the average', () => {
    const s = smooth(f64([1, NaN, 1]), 0.5);
    expect(Number.isNaN(s[1])).toBe(true);
    expect(s[2]).toBeCloseTo(1);
  });
});

describe('series', () => {
  const h = historyOf([
    { step: 2, timestamp: 3000, value: 3 },
    { step: 0, timestamp: 1000, value: 'NaN' },
    { step: 1, timestamp: 2000, value: 'Infinity' },
  ]);

  it('reads JSON doubles and sorts by the chosen axis', () => {
    const s = seriesOf(h, 'step');
    expect(Array.from(s.x)).toEqual([0, 1, 2]);
    expect(Number.isNaN(s.y[0])).toBe(true);
    expect(s.y[1]).toBe(Infinity);
    expect(Array.from(seriesOf(h, 'relative').x)).toEqual([0, 1, 2]);
    expect(Array.from(seriesOf(h, 'time').x)).toEqual([1, 2, 3]);
  });

  it('sorts stably and returns sorted input as it is', () => {
    const sorted = { x: f64([1, 2]), y: f64([5, 6]) };
    expect(sortByX(sorted)).toBe(sorted);
    expect(Array.from(sortByX({ x: f64([2, 1, 1]), y: f64([7, 8, 9]) }).y)).toEqual([8, 9, 7]);
  });
});

describe('parseDelimited', () => {
  it('reads quoted fields, doubled quotes, CRLF and a missing final newline', () => {
    const { rows, truncated } = parseDelimited('a,"b, c","say ""hi"""\r\n1,2,3\n"multi\nline",,x');
    expect(rows).toEqual([
      ['a', 'b, c', 'say "hi"'],
      ['1', '2', '3'],
      ['multi\nline', '', 'x'],
    ]);
    expect(truncated).toBe(false);
  });

  it('stops after maxRows and says so; reads TSV', () => {
    const text = Array.from({ length: 50 }, (_, i) => `${i}\t${i * 2}`).join('\n');
    const { rows, truncated } = parseDelimited(text, '\t', 10);
    expect(rows).toHaveLength(10);
    expect(rows[9]).toEqual(['9', '18']);
    expect(truncated).toBe(true);
  });
});

describe('layoutDag', () => {
  it('puts each task one column after its deepest need', () => {
    const { placed, columns, rows } = layoutDag([
      { name: 'ingest', needs: [] },
      { name: 'features', needs: ['ingest'] },
      { name: 'train', needs: ['features', 'ingest'] },
      { name: 'report', needs: ['ingest'] },
      { name: 'deploy', needs: ['train'] },
    ]);
    expect(Object.fromEntries([...placed].map(([k, v]) => [k, [v.column, v.row]]))).toEqual({
      ingest: [0, 0],
      features: [1, 0],
      train: [2, 0],
      report: [1, 1],
      deploy: [3, 0],
    });
    expect([columns, rows]).toEqual([4, 2]);
  });

  it('does not loop on a cycle or an unknown need', () => {
    const { placed } = layoutDag([
      { name: 'a', needs: ['b'] },
      { name: 'b', needs: ['a', 'ghost'] },
    ]);
    expect(placed.size).toBe(2);
  });
});
