import { CompiledQuery } from 'kysely';
import { dialectOf, placeholder, type DialectName } from '../store/dialect.js';
import type { Executor } from '../store/open.js';
import { invalid } from '../errors.js';
import { jsonDouble, type Metric } from './entities.js';
import { encodeChunk, type Point } from './metric-chunks.js';
import { seriesFromChunks, seriesPoints, sortAndDedupeSeries, type MetricSeries } from './metric-series.js';

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

/**
 * Appends metric points to a run: one chunk per key, and the run's latest value per key moved
 * forward when a point is newer (higher step, then later timestamp, then larger value: MLflow's order).
 */
export async function appendMetrics(db: Executor, runUuid: string, experimentId: number, metrics: readonly MetricInput[]): Promise<void> {
  for (const query of metricWrites(db, runUuid, experimentId, metrics)) await db.executeQuery(query);
}

/** The statements that append metrics, compiled for `db`'s dialect, to run in one transaction. */
export function metricWrites(db: Executor, runUuid: string, experimentId: number, metrics: readonly MetricInput[]): CompiledQuery[] {
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
  const dialect = dialectOf(db);
  const chunkParams: unknown[] = [];
  for (const c of chunks) chunkParams.push(c.run_uuid, c.key, c.count, c.min_step, c.max_step, c.points);
  const latestParams: unknown[] = [];
  for (const l of latest) latestParams.push(l.run_uuid, l.key, l.step, l.timestamp, l.value, l.is_nan, l.experiment_id);
  return [
    CompiledQuery.raw(writeSql(dialect, 'chunks', chunks.length), chunkParams),
    CompiledQuery.raw(writeSql(dialect, 'latest', latest.length), latestParams),
  ];
}

/*
 * The two statements every logging request runs, as SQL text kept per dialect and row count:
 * composing them with the query builder costs several times what the database takes to run them,
 * and the same text each time lets SQLite's prepared statement be reused.
 */
const CHUNK_INSERT = 'insert into metric_chunks (run_uuid, key, count, min_step, max_step, points) values ';
const LATEST_UPSERT = 'insert into latest_metrics (run_uuid, key, step, timestamp, value, is_nan, experiment_id) values ';
const LATEST_CONFLICT = `
    on conflict (run_uuid, key) do update
      set step = excluded.step, timestamp = excluded.timestamp, value = excluded.value, is_nan = excluded.is_nan
      where (excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`;
const writeSqlCache = new Map<string, string>();

function writeSql(dialect: DialectName, statement: 'chunks' | 'latest', rows: number): string {
  const cacheKey = `${dialect}:${statement}:${rows}`;
  let text = writeSqlCache.get(cacheKey);
  if (text === undefined) {
    const columns = statement === 'chunks' ? 6 : 7;
    const values = placeholderRows(dialect, rows, columns);
    text = statement === 'chunks' ? CHUNK_INSERT + values : LATEST_UPSERT + values + LATEST_CONFLICT;
    // Small batches repeat their shapes; large ones are rare and their texts long.
    if (rows <= 32) writeSqlCache.set(cacheKey, text);
  }
  return text;
}

function placeholderRows(dialect: DialectName, rows: number, columns: number): string {
  const out: string[] = [];
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let c = 0; c < columns; c++) cells.push(placeholder(dialect, ++n));
    out.push(`(${cells.join(', ')})`);
  }
  return out.join(', ');
}

function isNewer(a: Point, b: Point): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}

/** A metric's full history, ordered by step then timestamp, identical points collapsed (MLflow stores them once). */
export async function metricHistory(db: Executor, runUuid: string, key: string): Promise<Point[]> {
  return seriesPoints(await metricSeries(db, runUuid, key));
}

/** The same history as columns: what readers of long histories should use. */
export async function metricSeries(db: Executor, runUuid: string, key: string): Promise<MetricSeries> {
  const chunks = await db
    .selectFrom('metric_chunks')
    .select('points')
    .where('run_uuid', '=', runUuid)
    .where('key', '=', key)
    .orderBy('chunk_id')
    .execute();
  return seriesFromChunks(chunks.map((c) => c.points));
}

/** Points in history order with identical points kept once (the rule of metricSeries, for points at hand). */
export function sortAndDedupe(points: readonly Point[]): Point[] {
  const n = points.length;
  const series: MetricSeries = { length: n, steps: new Float64Array(n), timestamps: new Float64Array(n), values: new Float64Array(n) };
  points.forEach((p, i) => {
    series.steps[i] = p.step;
    series.timestamps[i] = p.timestamp;
    series.values[i] = p.value;
  });
  return seriesPoints(sortAndDedupeSeries(series));
}

export function toMetric(key: string, p: Point): Metric {
  return { key, value: jsonDouble(p.value), timestamp: p.timestamp, step: p.step };
}

export function validateStepRange(start: number | undefined, end: number | undefined): void {
  if (start !== undefined && end !== undefined && start > end) {
    throw invalid(`end_step must be greater than or equal to start_step. Found start_step=${start}, end_step=${end}.`);
  }
}
