/**
 * Client for pipeline runs and schedules under `/api/v1`. Browser-safe. A server never reads the
 * submitter's folders: a local source is uploaded first (`uploadSource` in v1-sources.ts, Node) and
 * named by its hash in `source.local.snapshot`.
 */
import type { PipelinePlan } from '../pipelines/plan.js';
import type { PipelineRunState } from '../pipelines/records.js';
import type { ScheduleManifestInput } from '../pipelines/schedules/schema.js';
import type { ScheduleView } from '../pipelines/schedules/service.js';
import type { PipelineManifestInput } from '../pipelines/spec/schema.js';
import type { ParamValue } from '../pipelines/spec/types.js';
import type { PipelineRunView, PipelineTaskView } from '../pipelines/view.js';
import { HttpClient, type HttpClientOptions } from './http.js';
import { V1, type LogOptions } from './v1.js';

export type { PipelineManifestInput, PipelinePlan, PipelineRunState, PipelineRunView, PipelineTaskView, ScheduleManifestInput, ScheduleView };

export interface PipelineSubmission {
  pipeline: PipelineManifestInput;
  /** Values for the declared params: typed, or text converted to the declared type. */
  params?: Record<string, ParamValue>;
  /** Tasks to recompute whatever the cache holds, with everything downstream. */
  force?: string[];
}

export interface PipelineRunFilter {
  pipeline?: string;
  state?: PipelineRunState;
  scheduleId?: string;
  /** Only runs created before this time (epoch ms), for paging. */
  before?: number;
  limit?: number;
}

const runPath = (id: string) => `${V1}/pipelines/${encodeURIComponent(id)}`;
const schedulePath = (id: string) => `${V1}/schedules/${encodeURIComponent(id)}`;

export class PipelinesClient {
  readonly http: HttpClient;

  constructor(http: HttpClient | HttpClientOptions | string) {
    this.http = http instanceof HttpClient ? http : new HttpClient(http);
  }

  // ---- pipeline runs ----

  /** Starts a run; the answer has every task pending (or already taken from the cache). */
  submitPipeline(submission: PipelineSubmission): Promise<PipelineRunView> {
    return this.http.post<PipelineRunView>(`${V1}/pipelines`, submission);
  }

  /** What a submission would run and which tasks would be cache hits (why not, for the others); nothing runs. */
  planPipeline(submission: PipelineSubmission): Promise<PipelinePlan> {
    return this.http.post<PipelinePlan>(`${V1}/pipelines/plan`, submission);
  }

  getPipelineRun(id: string): Promise<PipelineRunView> {
    return this.http.get<PipelineRunView>(runPath(id));
  }

  /** Newest first. */
  async listPipelineRuns(filter: PipelineRunFilter = {}): Promise<PipelineRunView[]> {
    return (await this.http.get<{ pipelineRuns: PipelineRunView[] }>(`${V1}/pipelines`, { ...filter })).pipelineRuns;
  }

  /** Stops running tasks and cancels pending ones; the answer may still say `running`. */
  cancelPipelineRun(id: string): Promise<PipelineRunView> {
    return this.http.post<PipelineRunView>(`${runPath(id)}/cancel`);
  }

  /** A task's log, every try; with `follow`, until the task has ended. */
  pipelineTaskLogs(id: string, task: string, options: LogOptions = {}): AsyncGenerator<Uint8Array> {
    return this.http.stream(`${runPath(id)}/tasks/${encodeURIComponent(task)}/logs`, { query: { follow: options.follow ?? false }, signal: options.signal });
  }

  // ---- schedules ----

  /** Creates a schedule; the answer has its next firing. */
  createSchedule(manifest: ScheduleManifestInput): Promise<ScheduleView> {
    return this.http.post<ScheduleView>(`${V1}/schedules`, manifest);
  }

  getSchedule(id: string): Promise<ScheduleView> {
    return this.http.get<ScheduleView>(schedulePath(id));
  }

  /** Every schedule, by id, with its next and last firing. */
  async listSchedules(): Promise<ScheduleView[]> {
    return (await this.http.get<{ schedules: ScheduleView[] }>(`${V1}/schedules`)).schedules;
  }

  /** What it started keeps running. */
  async deleteSchedule(id: string): Promise<void> {
    await this.http.json('DELETE', schedulePath(id));
  }
}
