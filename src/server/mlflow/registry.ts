import type { Tracking } from '../../tracking/index.js';
import { searchModelVersions, searchRegisteredModels, type RegistrySearchRequest } from '../../tracking/registry/search.js';
import { keyValues, optBool, optInt, optStr, strList, type Message } from './input.js';
import type { Rpc } from './rpc.js';

/** MLflow's model registry RPCs. DELETE requests carry their message as a JSON body, as MLflow's client sends them. */
export function registryRpcs(t: Tracking): Rpc[] {
  const { models, versions } = t.registry;
  return [
    {
      method: 'POST',
      path: '/mlflow/registered-models/create',
      handler: async (m) => ({
        registered_model: await models.create({ name: optStr(m, 'name'), tags: keyValues(m, 'tags'), description: optStr(m, 'description') }),
      }),
    },
    {
      method: 'POST',
      path: '/mlflow/registered-models/rename',
      handler: async (m) => ({ registered_model: await models.rename(optStr(m, 'name'), optStr(m, 'new_name')) }),
    },
    {
      method: 'PATCH',
      path: '/mlflow/registered-models/update',
      handler: async (m) => ({ registered_model: await models.update(optStr(m, 'name'), optStr(m, 'description')) }),
    },
    { method: 'DELETE', path: '/mlflow/registered-models/delete', handler: async (m) => void (await models.delete(optStr(m, 'name'))) },
    { method: 'GET', path: '/mlflow/registered-models/get', handler: async (m) => ({ registered_model: await models.get(optStr(m, 'name')) }) },
    {
      method: 'GET',
      path: '/mlflow/registered-models/search',
      handler: async (m) => {
        const found = await searchRegisteredModels(t.ctx, searchRequest(m));
        return {
          ...(found.models.length > 0 && { registered_models: found.models }),
          ...(found.nextPageToken && { next_page_token: found.nextPageToken }),
        };
      },
    },
    ...(['GET', 'POST'] as const).map(
      (method): Rpc => ({
        method,
        path: '/mlflow/registered-models/get-latest-versions',
        handler: async (m) => {
          const latest = await models.latestVersions(optStr(m, 'name'), strList(m, 'stages'));
          return latest.length > 0 ? { model_versions: latest } : {};
        },
      }),
    ),
    {
      method: 'POST',
      path: '/mlflow/registered-models/set-tag',
      handler: async (m) => void (await models.setTag(optStr(m, 'name'), optStr(m, 'key'), m.value)),
    },
    {
      method: 'DELETE',
      path: '/mlflow/registered-models/delete-tag',
      handler: async (m) => void (await models.deleteTag(optStr(m, 'name'), optStr(m, 'key'))),
    },
    {
      method: 'POST',
      path: '/mlflow/registered-models/alias',
      handler: async (m) => void (await models.setAlias(optStr(m, 'name'), optStr(m, 'alias'), optStr(m, 'version'))),
    },
    {
      method: 'DELETE',
      path: '/mlflow/registered-models/alias',
      handler: async (m) => void (await models.deleteAlias(optStr(m, 'name'), optStr(m, 'alias'))),
    },
    {
      method: 'GET',
      path: '/mlflow/registered-models/alias',
      handler: async (m) => ({ model_version: await models.getByAlias(optStr(m, 'name'), optStr(m, 'alias')) }),
    },

    {
      method: 'POST',
      path: '/mlflow/model-versions/create',
      handler: async (m) => ({
        model_version: await versions.create({
          name: optStr(m, 'name'),
          source: optStr(m, 'source'),
          runId: optStr(m, 'run_id'),
          runLink: optStr(m, 'run_link'),
          description: optStr(m, 'description'),
          tags: keyValues(m, 'tags'),
          modelId: optStr(m, 'model_id'),
        }),
      }),
    },
    {
      method: 'PATCH',
      path: '/mlflow/model-versions/update',
      handler: async (m) => ({ model_version: await versions.update(optStr(m, 'name'), version(m), optStr(m, 'description')) }),
    },
    {
      method: 'POST',
      path: '/mlflow/model-versions/transition-stage',
      handler: async (m) => ({
        model_version: await versions.transitionStage(optStr(m, 'name'), version(m), optStr(m, 'stage'), optBool(m, 'archive_existing_versions') ?? false),
      }),
    },
    { method: 'DELETE', path: '/mlflow/model-versions/delete', handler: async (m) => void (await versions.delete(optStr(m, 'name'), version(m))) },
    { method: 'GET', path: '/mlflow/model-versions/get', handler: async (m) => ({ model_version: await versions.get(optStr(m, 'name'), version(m)) }) },
    {
      method: 'GET',
      path: '/mlflow/model-versions/search',
      handler: async (m) => {
        const found = await searchModelVersions(t.ctx, searchRequest(m));
        return {
          ...(found.versions.length > 0 && { model_versions: found.versions }),
          ...(found.nextPageToken && { next_page_token: found.nextPageToken }),
        };
      },
    },
    {
      method: 'GET',
      path: '/mlflow/model-versions/get-download-uri',
      handler: async (m) => ({ artifact_uri: await versions.downloadUri(optStr(m, 'name'), version(m)) }),
    },
    {
      method: 'POST',
      path: '/mlflow/model-versions/set-tag',
      handler: async (m) => void (await versions.setTag(optStr(m, 'name'), version(m), optStr(m, 'key'), m.value)),
    },
    {
      method: 'DELETE',
      path: '/mlflow/model-versions/delete-tag',
      handler: async (m) => void (await versions.deleteTag(optStr(m, 'name'), version(m), optStr(m, 'key'))),
    },
  ];
}

/** Versions arrive as strings or JSON numbers; the service checks them. */
const version = (m: Message) => optStr(m, 'version');

const searchRequest = (m: Message): RegistrySearchRequest => ({
  filter: optStr(m, 'filter'),
  maxResults: optInt(m, 'max_results'),
  orderBy: strList(m, 'order_by'),
  pageToken: optStr(m, 'page_token'),
});
