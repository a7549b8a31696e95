import type { ArtifactStore } from '../../artifacts/store.js';
import type { Tracking } from '../../tracking/index.js';
import { keyValues, optBool, optStr, reqStr, type Message } from './input.js';
import type { Rpc } from './rpc.js';

/**
 * MLflow 3 logged-model RPCs. The model id travels in the path; where MLflow also reads it from
 * the body (finalize, delete) the path value is the one used, so the two cannot disagree.
 */
export function loggedModelRpcs(t: Tracking, artifacts: ArtifactStore): Rpc[] {
  const lm = t.loggedModels;
  return [
    {
      method: 'POST',
      path: '/mlflow/logged-models',
      handler: async (m) => ({
        model: await lm.create({
          experimentId: reqStr(m, 'experiment_id'),
          name: optStr(m, 'name'),
          modelType: optStr(m, 'model_type'),
          sourceRunId: optStr(m, 'source_run_id'),
          params: keyValues(m, 'params'),
          tags: keyValues(m, 'tags'),
        }),
      }),
    },
    {
      method: 'GET',
      path: '/mlflow/logged-models/:model_id',
      handler: async (m) => ({ model: await lm.get(modelId(m), optBool(m, 'allow_deleted') ?? false) }),
    },
    {
      method: 'PATCH',
      path: '/mlflow/logged-models/:model_id',
      handler: async (m) => ({ model: await lm.finalize(modelId(m), m.status) }),
    },
    { method: 'DELETE', path: '/mlflow/logged-models/:model_id', handler: async (m) => void (await lm.delete(modelId(m))) },
    {
      method: 'PATCH',
      path: '/mlflow/logged-models/:model_id/tags',
      handler: async (m) => void (await lm.setTags(modelId(m), keyValues(m, 'tags'))),
    },
    {
      method: 'DELETE',
      path: '/mlflow/logged-models/:model_id/tags/:tag_key',
      handler: async (m) => void (await lm.deleteTag(modelId(m), reqStr(m, 'tag_key'))),
    },
    {
      method: 'POST',
      path: '/mlflow/logged-models/:model_id/params',
      handler: async (m) => void (await lm.logParams(modelId(m), keyValues(m, 'params'))),
    },
    {
      method: 'GET',
      path: '/mlflow/logged-models/:model_id/artifacts/directories',
      handler: async (m) => lm.listArtifacts(artifacts, modelId(m), optStr(m, 'artifact_directory_path') ?? ''),
    },
  ];
}

const modelId = (m: Message) => reqStr(m, 'model_id');
