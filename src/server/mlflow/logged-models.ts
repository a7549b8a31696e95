import { clientArtifactPath } from '../../artifacts/paths.js';
import type { ArtifactStore } from '../../artifacts/store.js';
import { TrainyardError } from '../../errors.js';
import type { Tracking } from '../../tracking/index.js';
import { searchLoggedModels } from '../../tracking/logged-models-search.js';
import { keyValues, objList, optBool, optInt, optStr, reqStr, strList, type Message } from './input.js';
import { sendDownload } from '../artifacts-http.js';
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
      method: 'POST',
      path: '/mlflow/logged-models/search',
      handler: async (m) => {
        const found = await searchLoggedModels(t.ctx, {
          experimentIds: strList(m, 'experiment_ids'),
          filter: optStr(m, 'filter'),
          datasets: objList(m, 'datasets').map((d) => ({ datasetName: optStr(d, 'dataset_name') ?? '', datasetDigest: optStr(d, 'dataset_digest') })),
          maxResults: optInt(m, 'max_results'),
          orderBy: objList(m, 'order_by').map((o) => ({
            fieldName: optStr(o, 'field_name') ?? '',
            ascending: optBool(o, 'ascending'),
            datasetName: optStr(o, 'dataset_name'),
            datasetDigest: optStr(o, 'dataset_digest'),
          })),
          pageToken: optStr(m, 'page_token'),
        });
        return {
          ...(found.models.length > 0 && { models: found.models }),
          ...(found.nextPageToken && { next_page_token: found.nextPageToken }),
        };
      },
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
      handler: async (m) => lm.listArtifacts(artifacts, modelId(m), clientArtifactPath(optStr(m, 'artifact_directory_path') ?? '')),
    },
    {
      // A UI helper in MLflow (ajax-api only there): one file of the model, as a download.
      method: 'GET',
      path: '/mlflow/logged-models/:model_id/artifacts/files',
      handler: async (m, _req, reply) => {
        const raw = optStr(m, 'artifact_file_path');
        if (!raw) throw new TrainyardError('BAD_REQUEST', 'Request must include the "artifact_file_path" query parameter.');
        const { path, body, size } = await lm.openArtifact(artifacts, modelId(m), clientArtifactPath(raw));
        return sendDownload(reply, path, body, size);
      },
    },
  ];
}

const modelId = (m: Message) => reqStr(m, 'model_id');
