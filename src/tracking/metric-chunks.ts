/**
 * The columnar encoding of a chunk of metric points: count little-endian float64 steps, then
 * count timestamps, then count values. Float64 carries NaN and ±Infinity natively and is exact
 * for steps and epoch milliseconds up to 2^53.
 */
export interface Point {
  step: number;
  timestamp: number;
  value: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeChunk(points: readonly Point[]): Buffer {
  const n = points.length;
  const buf = Buffer.allocUnsafe(n * 24);
  if (LITTLE_ENDIAN) {
    const cols = new Float64Array(buf.buffer, buf.byteOffset, n * 3);
    for (let i = 0; i < n; i++) {
      const p = points[i]!;
      cols[i] = p.step;
      cols[n + i] = p.timestamp;
      cols[2 * n + i] = p.value;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const p = points[i]!;
      buf.writeDoubleLE(p.step, i * 8);
      buf.writeDoubleLE(p.timestamp, (n + i) * 8);
      buf.writeDoubleLE(p.value, (2 * n + i) * 8);
    }
  }
  return buf;
}

/** The columns of an encoded chunk as one array: count steps, then count timestamps, then count values. */
export function chunkColumns(bytes: Uint8Array): Float64Array {
  const n = bytes.byteLength / 24;
  if (!Number.isInteger(n)) throw new Error(`corrupt metric chunk of ${bytes.byteLength} bytes`);
  if (LITTLE_ENDIAN && bytes.byteOffset % 8 === 0) return new Float64Array(bytes.buffer, bytes.byteOffset, n * 3);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const cols = new Float64Array(n * 3);
  for (let i = 0; i < n * 3; i++) cols[i] = view.getFloat64(i * 8, true);
  return cols;
}

/** Calls `visit` for each point of an encoded chunk, in stored order. */
export function decodeChunk(bytes: Uint8Array, visit: (step: number, timestamp: number, value: number) => void): void {
  const cols = chunkColumns(bytes);
  const n = cols.length / 3;
  for (let i = 0; i < n; i++) visit(cols[i]!, cols[n + i]!, cols[2 * n + i]!);
}
