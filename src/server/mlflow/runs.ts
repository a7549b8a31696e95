import { invalid } from '../../errors.js';
import { parseBatch, parseMetric } from '../../tracking/batch.js';
import type { Tracking } from '../../tracking/index.js';
import { LIMITS } from '../../tracking/validation.js';
import { keyValues, objList, optInt, optStr, reqStr, type Message } from './input.js';
import type { Rpc } from './rpc.js';

/** MLflow clients send both run_id and the deprecated run_uuid; either names the run. */
export function runIdOf(m: Message): string {
  const id = optStr(m, 'run_id') || optStr(m, 'run_uuid');
  if (!id) throw invalid(`Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.`);
  return id;
}

export function runRpcs(t: Tracking): Rpc[] {
  return [
    {
      method: 'POST',
      path: '/mlflow/runs/create',
      handler: async (m) => ({
        run: await t.runs.create({
          experimentId: optStr(m, 'experiment_id'),
          userId: optStr(m, 'user_id'),
          runName: optStr(m, 'run_name'),
          startTime: optInt(m, 'start_time'),
          tags: keyValues(m, 'tags'),
        }),
      }),
    },
    {
      method: 'POST',
      path: '/mlflow/runs/update',
      handler: async (m) => ({
        run_info: await t.runs.update(runIdOf(m), {
          status: optStr(m, 'status'),
          endTime: optInt(m, 'end_time'),
          runName: optStr(m, 'run_name'),
        }),
      }),
    },
    { method: 'POST', path: '/mlflow/runs/delete', handler: async (m) => void (await t.runs.delete(runIdOf(m))) },
    { method: 'POST', path: '/mlflow/runs/restore', handler: async (m) => void (await t.runs.restore(runIdOf(m))) },
    { method: 'GET', path: '/mlflow/runs/get', handler: async (m) => ({ run: await t.runs.get(runIdOf(m)) }) },
    {
      method: 'POST',
      path: '/mlflow/runs/log-metric',
      handler: async (m) => void (await t.runs.logMetric(runIdOf(m), parseMetric(m, 'metric'))),
    },
    {
      method: 'POST',
      path: '/mlflow/runs/log-parameter',
      handler: async (m) => void (await t.runs.logParam(runIdOf(m), reqStr(m, 'key'), m.value)),
    },
    {
      method: 'POST',
      path: '/mlflow/runs/set-tag',
      handler: async (m) => void (await t.runs.setTag(runIdOf(m), reqStr(m, 'key'), m.value)),
    },
    {
      method: 'POST',
      path: '/mlflow/runs/delete-tag',
      handler: async (m) => void (await t.runs.deleteTag(runIdOf(m), reqStr(m, 'key'))),
    },
    {
      method: 'POST',
      path: '/mlflow/runs/log-batch',
      handler: async (m, req) => {
        const size = Number(req.headers['content-length'] ?? 0);
        if (size > LIMITS.batchRequestBytes) {
          throw invalid(`Batched logging API requests must be at most ${LIMITS.batchRequestBytes} bytes, got a request of size ${size}.`);
        }
        const runId = reqStr(m, 'run_id');
        await t.runs.logBatch(runId, parseBatch(objList(m, 'metrics'), objList(m, 'params'), objList(m, 'tags')));
      },
    },
  ];
}
