import type { Tracking } from '../../tracking/index.js';
import { keyValues, optStr, reqStr } from './input.js';
import type { Rpc } from './rpc.js';

export function experimentRpcs(t: Tracking): Rpc[] {
  return [
    {
      method: 'POST',
      path: '/mlflow/experiments/create',
      handler: async (m) => ({
        experiment_id: await t.experiments.create(reqStr(m, 'name'), optStr(m, 'artifact_location'), keyValues(m, 'tags')),
      }),
    },
    {
      method: 'GET',
      path: '/mlflow/experiments/get',
      handler: async (m) => ({ experiment: await t.experiments.get(reqStr(m, 'experiment_id')) }),
    },
    {
      method: 'GET',
      path: '/mlflow/experiments/get-by-name',
      handler: async (m) => ({ experiment: await t.experiments.getByName(reqStr(m, 'experiment_name')) }),
    },
    {
      method: 'POST',
      path: '/mlflow/experiments/delete',
      handler: async (m) => void (await t.experiments.delete(reqStr(m, 'experiment_id'))),
    },
    {
      method: 'POST',
      path: '/mlflow/experiments/restore',
      handler: async (m) => void (await t.experiments.restore(reqStr(m, 'experiment_id'))),
    },
    {
      method: 'POST',
      path: '/mlflow/experiments/update',
      handler: async (m) => void (await t.experiments.rename(reqStr(m, 'experiment_id'), optStr(m, 'new_name'))),
    },
    {
      method: 'POST',
      path: '/mlflow/experiments/set-experiment-tag',
      handler: async (m) => void (await t.experiments.setTag(reqStr(m, 'experiment_id'), reqStr(m, 'key'), m.value)),
    },
    {
      method: 'POST',
      path: '/mlflow/experiments/delete-experiment-tag',
      handler: async (m) => void (await t.experiments.deleteTag(reqStr(m, 'experiment_id'), reqStr(m, 'key'))),
    },
  ];
}
