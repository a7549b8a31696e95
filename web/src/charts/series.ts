/**
 * Metric histories as columns of numbers, ready for smoothing, decimation and uPlot. A history of
 * 100,000 points is three typed arrays, not 100,000 objects.
 */
import type { JsonDouble } from '../../../src/tracking/entities.js';

export type XAxis = 'step' | 'relative' | 'time';
export const X_AXES: { id: XAxis; label: string }[] = [
  { id: 'step', label: 'Step' },
  { id: 'relative', label: 'Relative time' },
  { id: 'time', label: 'Wall time' },
];

export interface Series {
  x: Float64Array;
  y: Float64Array;
}

export interface History {
  step: Float64Array;
  /** Epoch ms. */
  time: Float64Array;
  value: Float64Array;
}

export function historyOf(points: readonly { step: number; timestamp: number; value: JsonDouble }[]): History {
  const n = points.length;
  const h: History = { step: new Float64Array(n), time: new Float64Array(n), value: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const p = points[i]!;
    h.step[i] = p.step;
    h.time[i] = p.timestamp;
    h.value[i] = typeof p.value === 'number' ? p.value : Number(p.value);
  }
  return h;
}

/** The history against the chosen x axis, sorted by x (uPlot needs ascending x). Time is in seconds. */
export function seriesOf(h: History, axis: XAxis, t0?: number): Series {
  const n = h.value.length;
  const x = new Float64Array(n);
  const start = t0 ?? firstTime([h]);
  for (let i = 0; i < n; i++) x[i] = axis === 'step' ? h.step[i]! : axis === 'time' ? h.time[i]! / 1000 : (h.time[i]! - start) / 1000;
  return sortByX({ x, y: h.value.slice() });
}

/** The earliest timestamp of several histories: relative time starts there for all of them. */
export function firstTime(histories: readonly History[]): number {
  let m = Infinity;
  for (const h of histories) for (let i = 0; i < h.time.length; i++) if (h.time[i]! < m) m = h.time[i]!;
  return Number.isFinite(m) ? m : 0;
}

export function sortByX(s: Series): Series {
  const n = s.x.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (s.x[i]! < s.x[i - 1]!) sorted = false;
  if (sorted) return s;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => s.x[a]! - s.x[b]! || a - b);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = s.x[order[i]!]!;
    y[i] = s.y[order[i]!]!;
  }
  return { x, y };
}
