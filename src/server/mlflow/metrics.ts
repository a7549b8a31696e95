import { invalid } from '../../errors.js';
import type { Tracking } from '../../tracking/index.js';
import { metricHistory, sortAndDedupe, toMetric, validateStepRange } from '../../tracking/metrics.js';
import type { Point } from '../../tracking/metric-chunks.js';
import { decodePageToken, encodePageToken } from '../../tracking/page-token.js';
import { optInt, reqStr, strList } from './input.js';
import type { Rpc } from './rpc.js';
import { runIdOf } from './runs.js';

const BULK_MAX_RUNS = 100;
const BULK_DEFAULT_RESULTS = 320;
const BULK_MAX_RESULTS = 2500;

export function metricRpcs(t: Tracking): Rpc[] {
  return [
    {
      method: 'GET',
      path: '/mlflow/metrics/get-history',
      handler: async (m, _req, reply) => {
        const run = await t.runs.row(runIdOf(m));
        const key = reqStr(m, 'metric_key');
        const maxResults = optInt(m, 'max_results');
        const pageToken = m.page_token ? String(m.page_token) : undefined;
        if (maxResults !== undefined && maxResults < 1) {
          throw invalid(`Invalid value ${maxResults} for parameter 'max_results' supplied: it must be a positive integer`);
        }
        let points = await metricHistory(t.ctx.db, run.run_uuid, key);
        let next: string | undefined;
        if (maxResults !== undefined || pageToken) {
          const offset = decodePageToken(pageToken);
          const end = maxResults === undefined ? points.length : offset + maxResults;
          if (end < points.length) next = encodePageToken(end);
          points = points.slice(offset, end);
        }
        // Histories reach millions of points: write the JSON directly instead of building objects.
        reply.type('application/json').send(historyJson(key, points, next));
      },
    },
    {
      method: 'GET',
      path: '/mlflow/metrics/get-history-bulk-interval',
      handler: async (m) => {
        const runIds = strList(m, 'run_ids');
        const key = reqStr(m, 'metric_key');
        if (runIds.length === 0) throw invalid(`Missing value for required parameter 'run_ids'.`);
        if (runIds.length > BULK_MAX_RUNS) {
          throw invalid(`GetMetricHistoryBulkInterval request must specify at most ${BULK_MAX_RUNS} run_ids. Received ${runIds.length} run_ids.`);
        }
        const start = optInt(m, 'start_step');
        const end = optInt(m, 'end_step');
        validateStepRange(start, end);
        const maxResults = optInt(m, 'max_results') ?? BULK_DEFAULT_RESULTS;
        if (maxResults < 1 || maxResults > BULK_MAX_RESULTS) {
          throw invalid(`max_results must be between 1 and ${BULK_MAX_RESULTS}, got ${maxResults}.`);
        }
        const metrics = [];
        for (const runId of runIds) {
          const run = await t.runs.row(runId);
          const points = (await metricHistory(t.ctx.db, run.run_uuid, key)).filter(
            (p) => (start === undefined || p.step >= start) && (end === undefined || p.step <= end),
          );
          for (const p of sampleBySteps(points, maxResults)) metrics.push({ ...toMetric(key, p), run_id: run.run_uuid });
        }
        return { metrics };
      },
    },
  ];
}

/**
 * Keeps at most `maxResults` distinct steps, evenly spread and always including the first and
 * last, with every point at a kept step, so a chart of a long run keeps its shape.
 */
export function sampleBySteps(points: Point[], maxResults: number): Point[] {
  const steps = [...new Set(points.map((p) => p.step))];
  if (steps.length <= maxResults) return points;
  const keep = new Set<number>();
  const stride = (steps.length - 1) / (maxResults - 1);
  for (let i = 0; i < maxResults; i++) keep.add(steps[Math.round(i * stride)]!);
  return sortAndDedupe(points.filter((p) => keep.has(p.step)));
}

function historyJson(key: string, points: readonly Point[], next: string | undefined): string {
  const k = JSON.stringify(key);
  const parts = new Array<string>(points.length);
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const v = Number.isFinite(p.value) ? String(p.value) : Number.isNaN(p.value) ? '"NaN"' : p.value > 0 ? '"Infinity"' : '"-Infinity"';
    parts[i] = `{"key":${k},"value":${v},"timestamp":${p.timestamp},"step":${p.step}}`;
  }
  const tail = next === undefined ? '' : `,"next_page_token":${JSON.stringify(next)}`;
  return points.length === 0 ? `{${tail.slice(1)}}` : `{"metrics":[${parts.join(',')}]${tail}}`;
}
