import { invalid } from '../../errors.js';
import type { Tracking } from '../../tracking/index.js';
import { parseInt64 } from '../../tracking/validation.js';
import { objList, optStr, type Message } from './input.js';
import type { Rpc } from './rpc.js';
import { runIdOf } from './runs.js';

/** A run's dataset and model inputs, its model outputs (MLflow 3), and MLflow 2's log-model. */
export function runInputRpcs(t: Tracking): Rpc[] {
  return [
    {
      method: 'POST',
      path: '/mlflow/runs/log-inputs',
      handler: async (m) => {
        const datasets = objList(m, 'datasets').map((d, i) => ({
          tags: objList(d, 'tags').map((tag) => ({ key: tag.key, value: tag.value })),
          dataset: datasetOf(d, i),
        }));
        const models = objList(m, 'models').map((x, i) => modelIdOf(x, `models[${i}].model_id`));
        await t.runInputs.logInputs(runIdOf(m), datasets, models);
      },
    },
    {
      method: 'POST',
      path: '/mlflow/runs/outputs',
      handler: async (m) => {
        const models = objList(m, 'models').map((x, i) => ({
          modelId: modelIdOf(x, `models[${i}].model_id`),
          step: parseInt64(`models[${i}].step`, x.step),
        }));
        await t.runInputs.logOutputs(runIdOf(m), models);
      },
    },
    {
      method: 'POST',
      path: '/mlflow/runs/log-model',
      handler: async (m) => void (await t.runInputs.logModel(runIdOf(m), optStr(m, 'model_json'))),
    },
  ];
}

function datasetOf(d: Message, i: number): Record<string, unknown> {
  const dataset = d.dataset;
  if (dataset === null || typeof dataset !== 'object' || Array.isArray(dataset)) {
    throw invalid(`Missing value for required parameter 'datasets[${i}].dataset'.`);
  }
  return dataset as Record<string, unknown>;
}

function modelIdOf(x: Message, field: string): string {
  const id = optStr(x, 'model_id');
  if (!id) throw invalid(`Missing value for required parameter '${field}'.`);
  return id;
}
