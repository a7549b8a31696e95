/**
 * get-history's response body, written as bytes straight from the metric's columns. Histories
 * reach millions of points; one object per point plus JSON.stringify, or even one string per
 * point, would cost most of the request. Only the values go through String() (shortest
 * round-trip form, as JSON.stringify writes them); steps and timestamps are integers written digit
 * by digit, which is several times cheaper than V8's conversion of a 13-digit timestamp.
 */
import type { MetricSeries } from '../../tracking/metric-series.js';

const TIMESTAMP = ascii(',"timestamp":');
const STEP = ascii(',"step":');
/** The longest text of one point after its key: value, timestamp and step of any double, braces, comma. */
const MAX_POINT_TAIL = 24 + TIMESTAMP.length + 24 + STEP.length + 24 + 2;

/** `{"metrics":[{key,value,timestamp,step}...],"next_page_token":...}` for points [start, end) of `s`; `{}` when empty. */
export function historyJson(key: string, s: MetricSeries, start: number, end: number, next: string | undefined): Buffer {
  const tail = next === undefined ? '' : `"next_page_token":${JSON.stringify(next)}`;
  if (end <= start) return Buffer.from(`{${tail}}`);
  const head = Buffer.from(`{"key":${JSON.stringify(key)},"value":`);
  const out = Buffer.allocUnsafe(16 + (end - start) * (head.length + MAX_POINT_TAIL) + Buffer.byteLength(tail));
  let o = out.write('{"metrics":[');
  for (let i = start; i < end; i++) {
    if (i > start) out[o++] = 0x2c; // ,
    o = copy(out, o, head);
    o = writeAscii(out, o, doubleJson(s.values[i]!));
    o = copy(out, o, TIMESTAMP);
    o = writeInteger(out, o, s.timestamps[i]!);
    o = copy(out, o, STEP);
    o = writeInteger(out, o, s.steps[i]!);
    out[o++] = 0x7d; // }
  }
  o += out.write(tail ? `],${tail}}` : ']}', o);
  return out.subarray(0, o);
}

/** Proto JSON for a double: NaN and the infinities as strings. */
function doubleJson(v: number): string {
  if (Number.isFinite(v)) return String(v);
  return Number.isNaN(v) ? '"NaN"' : v > 0 ? '"Infinity"' : '"-Infinity"';
}

/** Writes String(n) for a safe integer (anything else through String()); returns the new offset. */
function writeInteger(out: Buffer, o: number, n: number): number {
  if (!Number.isSafeInteger(n)) return writeAscii(out, o, String(n));
  if (n < 0) {
    out[o++] = 0x2d; // -
    n = -n;
  }
  let digits = 1;
  for (let p = 10; p <= n; p *= 10) digits++;
  const end = o + digits;
  for (let at = end - 1; at >= o; at--) {
    const q = Math.floor(n / 10);
    out[at] = 0x30 + (n - q * 10);
    n = q;
  }
  return end;
}

/** Byte by byte: for a few dozen bytes a loop beats a call into C++ (Buffer.write, Buffer.copy). */
function writeAscii(out: Buffer, o: number, text: string): number {
  for (let k = 0; k < text.length; k++) out[o + k] = text.charCodeAt(k);
  return o + text.length;
}

function copy(out: Buffer, o: number, bytes: Uint8Array): number {
  for (let j = 0; j < bytes.length; j++) out[o + j] = bytes[j]!;
  return o + bytes.length;
}

function ascii(text: string): Uint8Array {
  return Buffer.from(text, 'latin1');
}
