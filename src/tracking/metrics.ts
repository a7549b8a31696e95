import { sql, type Transaction } from 'kysely';
import type { Database } from '../store/schema.js';
import type { Db } from '../store/open.js';
import { invalid } from '../errors.js';
import { jsonDouble, type Metric } from './entities.js';
import { decodeChunk, encodeChunk, type Point } from './metric-chunks.js';

export interface MetricInput {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  /** MLflow 3: the logged model the point is also attached to, and the dataset it was measured on. */
  modelId?: string;
  datasetName?: string;
  datasetDigest?: string;
}

type Executor = Db | Transaction<Database>;

/**
 * Appends metric points to a run: one chunk per key, and the run's latest value per key moved
 * forward when a point is newer (higher step, then later timestamp, then larger value: MLflow's order).
 */
export async function appendMetrics(db: Executor, runUuid: string, experimentId: number, metrics: readonly MetricInput[]): Promise<void> {
  const byKey = new Map<string, Point[]>();
  for (const m of metrics) {
    let points = byKey.get(m.key);
    if (!points) byKey.set(m.key, (points = []));
    points.push(m);
  }
  const chunks = [];
  const latest = [];
  for (const [key, points] of byKey) {
    let minStep = points[0]!.step;
    let maxStep = minStep;
    let newest = points[0]!;
    for (const p of points) {
      if (p.step < minStep) minStep = p.step;
      if (p.step > maxStep) maxStep = p.step;
      if (isNewer(p, newest)) newest = p;
    }
    chunks.push({ run_uuid: runUuid, key, count: points.length, min_step: minStep, max_step: maxStep, points: encodeChunk(points) });
    const nan = Number.isNaN(newest.value);
    latest.push({
      run_uuid: runUuid,
      key,
      step: newest.step,
      timestamp: newest.timestamp,
      value: nan ? 0 : newest.value,
      is_nan: nan ? 1 : 0,
      experiment_id: experimentId,
    });
  }
  await db.insertInto('metric_chunks').values(chunks).execute();
  await db
    .insertInto('latest_metrics')
    .values(latest)
    .onConflict((oc) =>
      oc
        .columns(['run_uuid', 'key'])
        .doUpdateSet({
          step: (eb) => eb.ref('excluded.step'),
          timestamp: (eb) => eb.ref('excluded.timestamp'),
          value: (eb) => eb.ref('excluded.value'),
          is_nan: (eb) => eb.ref('excluded.is_nan'),
        })
        .where(
          sql<boolean>`(excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`,
        ),
    )
    .execute();
}

function isNewer(a: Point, b: Point): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}

/** A metric's full history, ordered by step then timestamp, identical points collapsed (MLflow stores them once). */
export async function metricHistory(db: Executor, runUuid: string, key: string): Promise<Point[]> {
  const chunks = await db
    .selectFrom('metric_chunks')
    .select('points')
    .where('run_uuid', '=', runUuid)
    .where('key', '=', key)
    .orderBy('chunk_id')
    .execute();
  const points: Point[] = [];
  for (const c of chunks) decodeChunk(c.points, (step, timestamp, value) => points.push({ step, timestamp, value }));
  return sortAndDedupe(points);
}

export function sortAndDedupe(points: Point[]): Point[] {
  let sorted = true;
  for (let i = 1; i < points.length && sorted; i++) if (compare(points[i - 1]!, points[i]!) > 0) sorted = false;
  if (!sorted) points.sort(compare);
  let w = 0;
  for (let r = 0; r < points.length; r++) {
    const p = points[r]!;
    const prev = w > 0 ? points[w - 1]! : undefined;
    if (prev && prev.step === p.step && prev.timestamp === p.timestamp && Object.is(prev.value, p.value)) continue;
    points[w++] = p;
  }
  points.length = w;
  return points;
}

function compare(a: Point, b: Point): number {
  return a.step - b.step || a.timestamp - b.timestamp || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
}

export function toMetric(key: string, p: Point): Metric {
  return { key, value: jsonDouble(p.value), timestamp: p.timestamp, step: p.step };
}

export function validateStepRange(start: number | undefined, end: number | undefined): void {
  if (start !== undefined && end !== undefined && start > end) {
    throw invalid(`end_step must be greater than or equal to start_step. Found start_step=${start}, end_step=${end}.`);
  }
}
