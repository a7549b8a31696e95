/**
 * Fewer points for drawing, same picture: the x range is cut into buckets and each bucket keeps
 * its lowest and highest point (in their order), plus the first and last point overall. Spikes and
 * dips survive however long the history; a chart never needs more than two points per pixel.
 */
import type { Series } from './series.js';

export function decimate(s: Series, buckets: number): Series {
  const n = s.x.length;
  if (n <= buckets * 2 || n < 3) return s;
  const x0 = s.x[0]!;
  const span = s.x[n - 1]! - x0;
  if (!(span > 0)) return s;
  const outX = new Float64Array(buckets * 2 + 2);
  const outY = new Float64Array(buckets * 2 + 2);
  let k = 0;
  const push = (i: number) => {
    if (k > 0 && outX[k - 1] === s.x[i] && Object.is(outY[k - 1], s.y[i])) return;
    outX[k] = s.x[i]!;
    outY[k] = s.y[i]!;
    k++;
  };
  push(0);
  let i = 1;
  const end = n - 1;
  for (let b = 0; b < buckets && i < end; b++) {
    const limit = x0 + (span * (b + 1)) / buckets;
    let lo = -1;
    let hi = -1;
    let gap = -1;
    for (; i < end && (s.x[i]! <= limit || b === buckets - 1); i++) {
      const y = s.y[i]!;
      // A non-finite value is a gap in the line; keep one so the gap stays visible.
      if (!Number.isFinite(y)) {
        if (gap < 0) gap = i;
        continue;
      }
      if (lo < 0 || y < s.y[lo]!) lo = i;
      if (hi < 0 || y > s.y[hi]!) hi = i;
    }
    const keep = [lo, hi, gap].filter((j) => j >= 0).sort((a, c) => a - c);
    for (const j of keep) push(j);
  }
  push(end);
  return { x: outX.subarray(0, k), y: outY.subarray(0, k) };
}
