/**
 * Client for MLflow's tracking API as Trainyard serves it: experiments, runs, metrics, params,
 * tags, batches, search and metric history. Browser-safe (no `node:` imports).
 */
import type { DatasetInput, Experiment, KeyValue, Metric, Run, RunInfo, RunStatus } from '../tracking/entities.js';
import { ApiError, HttpClient, type HttpClientOptions } from './http.js';
import { planBatches, toJsonDouble, type MetricInput, type ParamInput } from './log-batch.js';
import { allPages, page, type Page } from './pages.js';

export { fromJsonDouble, toJsonDouble, type MetricInput, type ParamInput } from './log-batch.js';

const ML = '/api/2.0/mlflow';

export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
export type Tags = KeyValue[] | Record<string, string>;

export interface SearchExperimentsOptions {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  viewType?: ViewType;
  pageToken?: string;
}

export interface CreateRunOptions {
  /** Default experiment "0" when absent. */
  experimentId?: string;
  runName?: string;
  /** Epoch ms; defaults to now. */
  startTime?: number;
  userId?: string;
  tags?: Tags;
}

export interface SearchRunsOptions {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  runViewType?: ViewType;
  pageToken?: string;
}

export interface BatchInput {
  metrics?: MetricInput[];
  params?: ParamInput[];
  tags?: Tags;
}

/** A file or folder in a run's artifacts; `path` is relative to the run's artifact root. */
export interface FileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

export type RunMetric = Metric & { run_id: string };

// MLflow 3's client asks for history in pages of this size; the server may answer with fewer.
const HISTORY_PAGE = 25_000;

export class TrackingClient {
  readonly http: HttpClient;

  constructor(http: HttpClient | HttpClientOptions | string) {
    this.http = http instanceof HttpClient ? http : new HttpClient(http);
  }

  // ---- experiments ----

  async createExperiment(name: string, options: { artifactLocation?: string; tags?: Tags } = {}): Promise<string> {
    const body = { name, artifact_location: options.artifactLocation, tags: keyValues(options.tags) };
    return (await this.http.post<{ experiment_id: string }>(`${ML}/experiments/create`, body)).experiment_id;
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return (await this.http.get<{ experiment: Experiment }>(`${ML}/experiments/get`, { experiment_id: experimentId })).experiment;
  }

  /** The experiment with this name (deleted ones included), or undefined when there is none. */
  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      return (await this.http.get<{ experiment: Experiment }>(`${ML}/experiments/get-by-name`, { experiment_name: name })).experiment;
    } catch (err) {
      if (err instanceof ApiError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw err;
    }
  }

  /** Finds the experiment by name or creates it; safe when another client creates it at the same time. */
  async getOrCreateExperiment(name: string): Promise<Experiment> {
    const found = await this.getExperimentByName(name);
    if (found) return found;
    try {
      return await this.getExperiment(await this.createExperiment(name));
    } catch (err) {
      if (!(err instanceof ApiError && err.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw err;
      const raced = await this.getExperimentByName(name);
      if (!raced) throw err;
      return raced;
    }
  }

  async searchExperiments(options: SearchExperimentsOptions = {}): Promise<Page<Experiment>> {
    const res = await this.http.post<{ experiments?: Experiment[]; next_page_token?: string }>(`${ML}/experiments/search`, {
      filter: options.filter,
      order_by: options.orderBy,
      max_results: options.maxResults ?? 1000,
      view_type: options.viewType,
      page_token: options.pageToken,
    });
    return page(res.experiments, res.next_page_token);
  }

  /** Every experiment matching, page after page. */
  experiments(options: Omit<SearchExperimentsOptions, 'pageToken'> = {}): AsyncGenerator<Experiment> {
    return allPages((pageToken) => this.searchExperiments({ ...options, pageToken }));
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.http.post(`${ML}/experiments/delete`, { experiment_id: experimentId });
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.http.post(`${ML}/experiments/restore`, { experiment_id: experimentId });
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    await this.http.post(`${ML}/experiments/update`, { experiment_id: experimentId, new_name: newName });
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.http.post(`${ML}/experiments/set-experiment-tag`, { experiment_id: experimentId, key, value });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.http.post(`${ML}/experiments/delete-experiment-tag`, { experiment_id: experimentId, key });
  }

  // ---- runs ----

  async createRun(options: CreateRunOptions = {}): Promise<Run> {
    const res = await this.http.post<{ run: Run }>(`${ML}/runs/create`, {
      experiment_id: options.experimentId,
      run_name: options.runName,
      start_time: options.startTime ?? Date.now(),
      user_id: options.userId,
      tags: keyValues(options.tags),
    });
    return res.run;
  }

  async getRun(runId: string): Promise<Run> {
    return (await this.http.get<{ run: Run }>(`${ML}/runs/get`, { run_id: runId })).run;
  }

  async updateRun(runId: string, update: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
    const body = { run_id: runId, status: update.status, end_time: update.endTime, run_name: update.runName };
    return (await this.http.post<{ run_info: RunInfo }>(`${ML}/runs/update`, body)).run_info;
  }

  /** Marks a run finished (or failed, killed) now, as MLflow's `end_run` does. */
  endRun(runId: string, status: RunStatus = 'FINISHED', endTime: number = Date.now()): Promise<RunInfo> {
    return this.updateRun(runId, { status, endTime });
  }

  async deleteRun(runId: string): Promise<void> {
    await this.http.post(`${ML}/runs/delete`, { run_id: runId });
  }

  async restoreRun(runId: string): Promise<void> {
    await this.http.post(`${ML}/runs/restore`, { run_id: runId });
  }

  async logMetric(runId: string, key: string, value: number, options: { step?: number; timestamp?: number } = {}): Promise<void> {
    await this.http.post(`${ML}/runs/log-metric`, {
      run_id: runId,
      key,
      value: toJsonDouble(value),
      timestamp: options.timestamp ?? Date.now(),
      step: options.step ?? 0,
    });
  }

  async logParam(runId: string, key: string, value: ParamInput['value']): Promise<void> {
    await this.http.post(`${ML}/runs/log-parameter`, { run_id: runId, key, value: String(value) });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.http.post(`${ML}/runs/set-tag`, { run_id: runId, key, value });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.http.post(`${ML}/runs/delete-tag`, { run_id: runId, key });
  }

  /**
   * Logs metrics, params and tags, split into as many `log-batch` requests as MLflow's limits
   * need (one when it fits). Nothing is sent for an empty batch.
   */
  async logBatch(runId: string, batch: BatchInput): Promise<void> {
    const now = Date.now();
    const metrics = (batch.metrics ?? []).map((m) => ({
      key: m.key,
      value: toJsonDouble(m.value),
      timestamp: m.timestamp ?? now,
      step: m.step ?? 0,
    }));
    const params = (batch.params ?? []).map((p) => ({ key: p.key, value: String(p.value) }));
    for (const b of planBatches(params, keyValues(batch.tags) ?? [], metrics)) {
      await this.http.post(`${ML}/runs/log-batch`, { run_id: runId, ...b });
    }
  }

  /** Links datasets (and, MLflow 3, logged models) to a run as its inputs. */
  async logInputs(runId: string, datasets: DatasetInput[], models?: { model_id: string }[]): Promise<void> {
    await this.http.post(`${ML}/runs/log-inputs`, { run_id: runId, datasets, models });
  }

  /** MLflow 2's model record: appends the MLmodel description (as JSON) to the run's `mlflow.log-model.history` tag. */
  async logModel(runId: string, model: Record<string, unknown>): Promise<void> {
    await this.http.post(`${ML}/runs/log-model`, { run_id: runId, model_json: JSON.stringify(model) });
  }

  /** Records logged models as outputs of a run at a step (MLflow 3). */
  async logOutputs(runId: string, models: { model_id: string; step: number }[]): Promise<void> {
    await this.http.post(`${ML}/runs/outputs`, { run_id: runId, models });
  }

  async searchRuns(options: SearchRunsOptions): Promise<Page<Run>> {
    const res = await this.http.post<{ runs?: Run[]; next_page_token?: string }>(`${ML}/runs/search`, {
      experiment_ids: options.experimentIds,
      filter: options.filter,
      order_by: options.orderBy,
      max_results: options.maxResults,
      run_view_type: options.runViewType,
      page_token: options.pageToken,
    });
    return page(res.runs, res.next_page_token);
  }

  /** Every run matching, page after page. */
  runs(options: Omit<SearchRunsOptions, 'pageToken'>): AsyncGenerator<Run> {
    return allPages((pageToken) => this.searchRuns({ ...options, pageToken }));
  }

  /** Every point of a metric, in the server's order (timestamp, step, value). */
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const out: Metric[] = [];
    for await (const m of allPages((pageToken) => this.metricHistoryPage(runId, key, pageToken))) out.push(m);
    return out;
  }

  private async metricHistoryPage(runId: string, key: string, pageToken: string | undefined): Promise<Page<Metric>> {
    const res = await this.http.get<{ metrics?: Metric[]; next_page_token?: string }>(`${ML}/metrics/get-history`, {
      run_id: runId,
      metric_key: key,
      max_results: HISTORY_PAGE,
      page_token: pageToken,
    });
    return page(res.metrics, res.next_page_token);
  }

  /** A metric over several runs, sampled down to about `maxResults` steps per run for charts. */
  async getMetricHistoryBulkInterval(
    runIds: string[],
    key: string,
    options: { startStep?: number; endStep?: number; maxResults?: number } = {},
  ): Promise<RunMetric[]> {
    const res = await this.http.get<{ metrics?: RunMetric[] }>(`${ML}/metrics/get-history-bulk-interval`, {
      run_ids: runIds,
      metric_key: key,
      start_step: options.startStep,
      end_step: options.endStep,
      max_results: options.maxResults,
    });
    return res.metrics ?? [];
  }

  /** The files and folders directly under `path` in a run's artifacts (all pages). */
  async listArtifacts(runId: string, path?: string): Promise<{ rootUri: string; files: FileInfo[] }> {
    let rootUri = '';
    const files: FileInfo[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.http.get<{ root_uri?: string; files?: FileInfo[]; next_page_token?: string }>(`${ML}/artifacts/list`, {
        run_id: runId,
        path: path || undefined,
        page_token: pageToken,
      });
      rootUri = res.root_uri ?? rootUri;
      files.push(...(res.files ?? []));
      pageToken = res.next_page_token || undefined;
    } while (pageToken);
    return { rootUri, files };
  }
}

/** Tags as MLflow's `[{key, value}]` list; a plain object is accepted for convenience. */
export function keyValues(tags: Tags | undefined): KeyValue[] | undefined {
  if (tags === undefined) return undefined;
  return Array.isArray(tags) ? tags : Object.entries(tags).map(([key, value]) => ({ key, value }));
}
