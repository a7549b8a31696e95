/**
 * Exponential moving average with bias correction (as TensorBoard smooths), so the first points
 * are not dragged towards zero. weight 0 = raw values; 0.99 = very smooth. Non-finite values pass
 * through without disturbing the average.
 */
export function smooth(y: Float64Array, weight: number): Float64Array {
  if (!(weight > 0)) return y;
  const w = Math.min(weight, 0.999);
  const out = new Float64Array(y.length);
  let last = 0;
  let debias = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    debias = debias * w + (1 - w);
    out[i] = last / debias;
  }
  return out;
}
