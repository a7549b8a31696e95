/**
 * Client for MLflow 3's logged models (`/api/2.0/mlflow/logged-models`). Browser-safe.
 */
import type { LoggedModel, LoggedModelStatus } from '../tracking/logged-model-entities.js';
import { HttpClient, type HttpClientOptions } from './http.js';
import { allPages, page, type Page } from './pages.js';
import { keyValues, type FileInfo, type Tags } from './tracking.js';

export type { LoggedModel, LoggedModelStatus } from '../tracking/logged-model-entities.js';

const ML = '/api/2.0/mlflow/logged-models';

export interface CreateLoggedModelOptions {
  name?: string;
  modelType?: string;
  sourceRunId?: string;
  params?: Tags;
  tags?: Tags;
}

export interface LoggedModelOrder {
  field_name: string;
  ascending?: boolean;
  dataset_name?: string;
  dataset_digest?: string;
}

export interface SearchLoggedModelsOptions {
  experimentIds: string[];
  filter?: string;
  datasets?: { dataset_name: string; dataset_digest?: string }[];
  orderBy?: LoggedModelOrder[];
  maxResults?: number;
  pageToken?: string;
}

export class LoggedModelsClient {
  readonly http: HttpClient;

  constructor(http: HttpClient | HttpClientOptions | string) {
    this.http = http instanceof HttpClient ? http : new HttpClient(http);
  }

  /** Creates a model in PENDING state; upload its files under `info.artifact_uri`, then `finalize`. */
  async create(experimentId: string, options: CreateLoggedModelOptions = {}): Promise<LoggedModel> {
    const res = await this.http.post<{ model: LoggedModel }>(ML, {
      experiment_id: experimentId,
      name: options.name,
      model_type: options.modelType,
      source_run_id: options.sourceRunId,
      params: keyValues(options.params),
      tags: keyValues(options.tags),
    });
    return res.model;
  }

  async get(modelId: string, options: { allowDeleted?: boolean } = {}): Promise<LoggedModel> {
    const query = options.allowDeleted ? { allow_deleted: true } : undefined;
    return (await this.http.get<{ model: LoggedModel }>(`${ML}/${encodeURIComponent(modelId)}`, query)).model;
  }

  /** Marks the upload done (READY) or failed. */
  async finalize(modelId: string, status: Exclude<LoggedModelStatus, 'LOGGED_MODEL_PENDING'> = 'LOGGED_MODEL_READY'): Promise<LoggedModel> {
    const res = await this.http.patch<{ model: LoggedModel }>(`${ML}/${encodeURIComponent(modelId)}`, { model_id: modelId, status });
    return res.model;
  }

  async delete(modelId: string): Promise<void> {
    await this.http.delete(`${ML}/${encodeURIComponent(modelId)}`, { model_id: modelId });
  }

  async search(options: SearchLoggedModelsOptions): Promise<Page<LoggedModel>> {
    const res = await this.http.post<{ models?: LoggedModel[]; next_page_token?: string }>(`${ML}/search`, {
      experiment_ids: options.experimentIds,
      filter: options.filter,
      datasets: options.datasets,
      order_by: options.orderBy,
      max_results: options.maxResults,
      page_token: options.pageToken,
    });
    return page(res.models, res.next_page_token);
  }

  models(options: Omit<SearchLoggedModelsOptions, 'pageToken'>): AsyncGenerator<LoggedModel> {
    return allPages((pageToken) => this.search({ ...options, pageToken }));
  }

  async setTags(modelId: string, tags: Tags): Promise<void> {
    await this.http.patch(`${ML}/${encodeURIComponent(modelId)}/tags`, { tags: keyValues(tags) });
  }

  async deleteTag(modelId: string, key: string): Promise<void> {
    await this.http.delete(`${ML}/${encodeURIComponent(modelId)}/tags/${encodeURIComponent(key)}`);
  }

  async logParams(modelId: string, params: Tags): Promise<void> {
    await this.http.post(`${ML}/${encodeURIComponent(modelId)}/params`, { model_id: modelId, params: keyValues(params) });
  }

  /** Entries directly under `path` in the model's artifacts; paths are relative to the model's root. */
  async listArtifacts(modelId: string, path?: string): Promise<{ rootUri: string; files: FileInfo[] }> {
    let rootUri = '';
    const files: FileInfo[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.http.get<{ root_uri?: string; files?: FileInfo[]; next_page_token?: string }>(
        `${ML}/${encodeURIComponent(modelId)}/artifacts/directories`,
        { artifact_directory_path: path || undefined, page_token: pageToken },
      );
      rootUri = res.root_uri ?? rootUri;
      files.push(...(res.files ?? []));
      pageToken = res.next_page_token || undefined;
    } while (pageToken);
    return { rootUri, files };
  }
}
