import { invalid } from '../../errors.js';
import type { Tracking } from '../../tracking/index.js';
import { metricHistory, metricSeries, sortAndDedupe, toMetric, validateStepRange } from '../../tracking/metrics.js';
import type { Point } from '../../tracking/metric-chunks.js';
import { decodePageToken, encodePageToken } from '../../tracking/page-token.js';
import { historyJson } from './history-json.js';
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
        const series = await metricSeries(t.ctx.db, run.run_uuid, key);
        let start = 0;
        let end = series.length;
        let next: string | undefined;
        if (maxResults !== undefined || pageToken) {
          start = Math.min(decodePageToken(pageToken), series.length);
          end = maxResults === undefined ? series.length : Math.min(start + maxResults, series.length);
          if (end < series.length) next = encodePageToken(end);
        }
        reply.type('application/json').send(historyJson(key, series, start, end, next));
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
