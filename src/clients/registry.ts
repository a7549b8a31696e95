/**
 * Client for MLflow's model registry API: registered models, versions, stages, aliases, tags.
 * Browser-safe (no `node:` imports).
 */
import type { ModelVersion, RegisteredModel } from '../tracking/registry/entities.js';
import { ApiError, HttpClient, type HttpClientOptions } from './http.js';
import { allPages, page, type Page } from './pages.js';
import { keyValues, type Tags } from './tracking.js';

export type { ModelVersion, RegisteredModel } from '../tracking/registry/entities.js';

const ML = '/api/2.0/mlflow';


export interface SearchRegistryOptions {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

export interface CreateModelVersionOptions {
  runId?: string;
  tags?: Tags;
  runLink?: string;
  description?: string;
  /** A logged model (MLflow 3) the version is made from. */
  modelId?: string;
}

type Version = string | number;

export class RegistryClient {
  readonly http: HttpClient;

  constructor(http: HttpClient | HttpClientOptions | string) {
    this.http = http instanceof HttpClient ? http : new HttpClient(http);
  }

  // ---- registered models ----

  async createRegisteredModel(name: string, options: { tags?: Tags; description?: string } = {}): Promise<RegisteredModel> {
    const body = { name, tags: keyValues(options.tags), description: options.description };
    return (await this.http.post<{ registered_model: RegisteredModel }>(`${ML}/registered-models/create`, body)).registered_model;
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return (await this.http.get<{ registered_model: RegisteredModel }>(`${ML}/registered-models/get`, { name })).registered_model;
  }

  /** Creates the model unless it exists, as `mlflow.register_model` tolerates an existing one. */
  async ensureRegisteredModel(name: string): Promise<RegisteredModel> {
    try {
      return await this.createRegisteredModel(name);
    } catch (err) {
      if (err instanceof ApiError && (err.errorCode === 'RESOURCE_ALREADY_EXISTS' || err.errorCode === 'ALREADY_EXISTS')) {
        return this.getRegisteredModel(name);
      }
      throw err;
    }
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    const res = await this.http.post<{ registered_model: RegisteredModel }>(`${ML}/registered-models/rename`, { name, new_name: newName });
    return res.registered_model;
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    const res = await this.http.patch<{ registered_model: RegisteredModel }>(`${ML}/registered-models/update`, { name, description });
    return res.registered_model;
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.http.delete(`${ML}/registered-models/delete`, { name });
  }

  async searchRegisteredModels(options: SearchRegistryOptions = {}): Promise<Page<RegisteredModel>> {
    const res = await this.http.get<{ registered_models?: RegisteredModel[]; next_page_token?: string }>(`${ML}/registered-models/search`, {
      filter: options.filter,
      order_by: options.orderBy,
      max_results: options.maxResults,
      page_token: options.pageToken,
    });
    return page(res.registered_models, res.next_page_token);
  }

  registeredModels(options: Omit<SearchRegistryOptions, 'pageToken'> = {}): AsyncGenerator<RegisteredModel> {
    return allPages((pageToken) => this.searchRegisteredModels({ ...options, pageToken }));
  }

  /** The newest version in each stage (all stages when none are given). */
  async getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]> {
    const res = await this.http.post<{ model_versions?: ModelVersion[] }>(`${ML}/registered-models/get-latest-versions`, { name, stages });
    return res.model_versions ?? [];
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    await this.http.post(`${ML}/registered-models/set-tag`, { name, key, value });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.http.delete(`${ML}/registered-models/delete-tag`, { name, key });
  }

  async setAlias(name: string, alias: string, version: Version): Promise<void> {
    await this.http.post(`${ML}/registered-models/alias`, { name, alias, version: String(version) });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.http.delete(`${ML}/registered-models/alias`, { name, alias });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return (await this.http.get<{ model_version: ModelVersion }>(`${ML}/registered-models/alias`, { name, alias })).model_version;
  }

  // ---- model versions ----

  async createModelVersion(name: string, source: string, options: CreateModelVersionOptions = {}): Promise<ModelVersion> {
    const res = await this.http.post<{ model_version: ModelVersion }>(`${ML}/model-versions/create`, {
      name,
      source,
      run_id: options.runId,
      tags: keyValues(options.tags),
      run_link: options.runLink,
      description: options.description,
      model_id: options.modelId,
    });
    return res.model_version;
  }

  async getModelVersion(name: string, version: Version): Promise<ModelVersion> {
    const res = await this.http.get<{ model_version: ModelVersion }>(`${ML}/model-versions/get`, { name, version: String(version) });
    return res.model_version;
  }

  async updateModelVersion(name: string, version: Version, description: string): Promise<ModelVersion> {
    const res = await this.http.patch<{ model_version: ModelVersion }>(`${ML}/model-versions/update`, {
      name,
      version: String(version),
      description,
    });
    return res.model_version;
  }

  async transitionModelVersionStage(name: string, version: Version, stage: string, archiveExistingVersions = false): Promise<ModelVersion> {
    const res = await this.http.post<{ model_version: ModelVersion }>(`${ML}/model-versions/transition-stage`, {
      name,
      version: String(version),
      stage,
      archive_existing_versions: archiveExistingVersions,
    });
    return res.model_version;
  }

  async deleteModelVersion(name: string, version: Version): Promise<void> {
    await this.http.delete(`${ML}/model-versions/delete`, { name, version: String(version) });
  }

  async searchModelVersions(options: SearchRegistryOptions = {}): Promise<Page<ModelVersion>> {
    const res = await this.http.get<{ model_versions?: ModelVersion[]; next_page_token?: string }>(`${ML}/model-versions/search`, {
      filter: options.filter,
      order_by: options.orderBy,
      max_results: options.maxResults,
      page_token: options.pageToken,
    });
    return page(res.model_versions, res.next_page_token);
  }

  modelVersions(options: Omit<SearchRegistryOptions, 'pageToken'> = {}): AsyncGenerator<ModelVersion> {
    return allPages((pageToken) => this.searchModelVersions({ ...options, pageToken }));
  }

  /** Where the version's files are (`mlflow-artifacts:/…`, or `runs:/…` for run-relative sources). */
  async getModelVersionDownloadUri(name: string, version: Version): Promise<string> {
    const res = await this.http.get<{ artifact_uri: string }>(`${ML}/model-versions/get-download-uri`, { name, version: String(version) });
    return res.artifact_uri;
  }

  async setModelVersionTag(name: string, version: Version, key: string, value: string): Promise<void> {
    await this.http.post(`${ML}/model-versions/set-tag`, { name, version: String(version), key, value });
  }

  async deleteModelVersionTag(name: string, version: Version, key: string): Promise<void> {
    await this.http.delete(`${ML}/model-versions/delete-tag`, { name, version: String(version), key });
  }
}
