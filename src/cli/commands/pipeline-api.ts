/**
 * What the pipeline and schedule commands call, embedded (the local store, in this process) or
 * remote (a server's /api/v1). Like trainings, a pipeline's source is the folder of its manifest
 * unless it says otherwise; remote, that folder is uploaded as a snapshot first, since a server
 * never reads the submitter's disk.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { HttpClient } from '../../clients/http.js';
import { PipelinesClient, type PipelineManifestInput, type PipelineSubmission as PipelineClientSubmission, type ScheduleManifestInput } from '../../clients/pipelines.js';
import { uploadSource } from '../../clients/v1-sources.js';
import { V1Client } from '../../clients/v1.js';
import type { PipelinePlan } from '../../pipelines/plan.js';
import type { PipelineListFilter } from '../../pipelines/service.js';
import type { ScheduleView } from '../../pipelines/schedules/service.js';
import type { PipelineRunView } from '../../pipelines/view.js';
import type { ApiOptions } from '../api.js';
import type { EmbeddedApi } from '../embedded.js';
import { CliError } from '../errors.js';

export interface PipelineSubmission {
  manifest: Record<string, unknown>;
  /** The manifest's folder: where its source is, unless it names another. */
  baseDir: string;
  params: Record<string, string>;
  force: string[];
}

export interface PipelineApi {
  readonly mode: 'embedded' | 'remote';
  /** Whether a run keeps going after this command exits (on a server it does). */
  readonly runsOutliveCommand: boolean;
  submit(s: PipelineSubmission): Promise<PipelineRunView>;
  plan(s: PipelineSubmission): Promise<PipelinePlan>;
  get(id: string): Promise<PipelineRunView>;
  list(filter?: PipelineListFilter): Promise<PipelineRunView[]>;
  cancel(id: string): Promise<PipelineRunView>;
  logs(id: string, task: string, options?: { follow?: boolean; signal?: AbortSignal }): AsyncIterable<Uint8Array>;
  createSchedule(manifest: Record<string, unknown>, baseDir: string): Promise<ScheduleView>;
  getSchedule(id: string): Promise<ScheduleView>;
  listSchedules(): Promise<ScheduleView[]>;
  deleteSchedule(id: string): Promise<void>;
  close(): Promise<void>;
}

export async function openPipelineApi(options: ApiOptions = {}): Promise<PipelineApi> {
  const env = options.env ?? process.env;
  const server = options.server ?? (env.TRAINYARD_SERVER || undefined);
  if (server !== undefined) {
    let http: HttpClient;
    try {
      http = new HttpClient({ baseUrl: server, retries: 2 });
    } catch (err) {
      throw new CliError(`--server: ${(err as Error).message}`);
    }
    return new RemotePipelineApi(http);
  }
  const { EmbeddedApi } = await import('../embedded.js');
  return new EmbeddedPipelineApi(await EmbeddedApi.open());
}

export async function withPipelineApi<T>(options: ApiOptions, work: (api: PipelineApi) => Promise<T>): Promise<T> {
  const api = await openPipelineApi(options);
  try {
    return await work(api);
  } finally {
    await api.close();
  }
}

/** A manifest file (YAML or JSON, one document) and its folder. */
export function readManifestFile(file: string, kind: 'Pipeline' | 'Schedule'): { manifest: Record<string, unknown>; baseDir: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  let manifest: unknown;
  try {
    manifest = parse(text, { schema: 'core', uniqueKeys: true, prettyErrors: true });
  } catch (err) {
    throw new CliError(`${file}: not valid YAML or JSON: ${(err as Error).message}`);
  }
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) throw new CliError(`${file}: expected a ${kind} manifest (a mapping with kind: ${kind})`);
  const m = manifest as Record<string, unknown>;
  if (m.kind !== undefined && m.kind !== kind) throw new CliError(`${file}: holds a ${String(m.kind)}, not a ${kind}`);
  return { manifest: m, baseDir: dirname(resolve(file)) };
}

/** A schedule's `pipeline.file`, read relative to the schedule file, becomes `pipeline.spec`; returns the folder its source starts from. */
function inlinePipelineFile(manifest: Record<string, unknown>, baseDir: string): { manifest: Record<string, unknown>; pipelineDir: string } {
  const spec = record(manifest.spec);
  const pipeline = record(spec?.pipeline);
  if (!spec || !pipeline || typeof pipeline.file !== 'string') return { manifest, pipelineDir: baseDir };
  const file = resolve(baseDir, pipeline.file);
  const read = readManifestFile(file, 'Pipeline');
  const { file: _file, ...rest } = pipeline;
  return { manifest: { ...manifest, spec: { ...spec, pipeline: { ...rest, spec: read.manifest } } }, pipelineDir: read.baseDir };
}

class EmbeddedPipelineApi implements PipelineApi {
  readonly mode = 'embedded' as const;
  readonly runsOutliveCommand = false;

  constructor(private readonly api: EmbeddedApi) {}

  private get services() {
    return this.api.services;
  }

  async submit(s: PipelineSubmission): Promise<PipelineRunView> {
    await this.api.ensureRunning();
    return this.services.pipelines.submit(s.manifest, { localPaths: true, baseDir: s.baseDir, params: s.params, force: s.force });
  }

  plan(s: PipelineSubmission): Promise<PipelinePlan> {
    return this.services.pipelines.plan(s.manifest, { localPaths: true, baseDir: s.baseDir, params: s.params, force: s.force });
  }

  get(id: string): Promise<PipelineRunView> {
    return this.services.pipelines.get(id);
  }

  list(filter: PipelineListFilter = {}): Promise<PipelineRunView[]> {
    return this.services.pipelines.list(filter);
  }

  async cancel(id: string): Promise<PipelineRunView> {
    // Jobs of a run this command does not drive are stopped through the dispatcher.
    await this.api.ensureRunning();
    return this.services.pipelines.cancel(id);
  }

  logs(id: string, task: string, options: { follow?: boolean; signal?: AbortSignal } = {}): AsyncIterable<Uint8Array> {
    return this.services.pipelines.logs(id, task, options);
  }

  createSchedule(manifest: Record<string, unknown>, baseDir: string): Promise<ScheduleView> {
    const { manifest: m, pipelineDir } = inlinePipelineFile(manifest, baseDir);
    const hasPipeline = record(record(m.spec)?.pipeline) !== undefined;
    return this.services.schedules.create(m, { localPaths: true, baseDir: hasPipeline ? pipelineDir : baseDir });
  }

  getSchedule(id: string): Promise<ScheduleView> {
    return this.services.schedules.get(id);
  }

  listSchedules(): Promise<ScheduleView[]> {
    return this.services.schedules.list();
  }

  deleteSchedule(id: string): Promise<void> {
    return this.services.schedules.delete(id);
  }

  close(): Promise<void> {
    return this.api.close();
  }
}

class RemotePipelineApi implements PipelineApi {
  readonly mode = 'remote' as const;
  readonly runsOutliveCommand = true;
  private readonly v1: V1Client;
  private readonly client: PipelinesClient;

  constructor(http: HttpClient) {
    this.v1 = new V1Client(http);
    this.client = new PipelinesClient(http);
  }

  async submit(s: PipelineSubmission): Promise<PipelineRunView> {
    return this.client.submitPipeline(await this.uploaded(s));
  }

  async plan(s: PipelineSubmission): Promise<PipelinePlan> {
    return this.client.planPipeline(await this.uploaded(s));
  }

  get(id: string): Promise<PipelineRunView> {
    return this.client.getPipelineRun(id);
  }

  list(filter: PipelineListFilter = {}): Promise<PipelineRunView[]> {
    return this.client.listPipelineRuns({ pipeline: filter.pipeline, state: filter.states?.[0], scheduleId: filter.scheduleId, before: filter.before, limit: filter.limit });
  }

  cancel(id: string): Promise<PipelineRunView> {
    return this.client.cancelPipelineRun(id);
  }

  logs(id: string, task: string, options: { follow?: boolean; signal?: AbortSignal } = {}): AsyncIterable<Uint8Array> {
    return this.client.pipelineTaskLogs(id, task, options);
  }

  async createSchedule(manifest: Record<string, unknown>, baseDir: string): Promise<ScheduleView> {
    const { manifest: m, pipelineDir } = inlinePipelineFile(manifest, baseDir);
    const spec = record(m.spec)!;
    const pipeline = record(spec.pipeline);
    const training = record(spec.training);
    let body = m;
    if (pipeline && record(pipeline.spec)) {
      body = { ...m, spec: { ...spec, pipeline: { ...pipeline, spec: await this.withUploadedSource(record(pipeline.spec)!, pipelineDir) } } };
    } else if (training) {
      body = { ...m, spec: { ...spec, training: await this.withUploadedTrainingSource(training, baseDir) } };
    }
    // Anything malformed goes as it is: the server's validation names every problem at once.
    return this.client.createSchedule(body as unknown as ScheduleManifestInput);
  }

  getSchedule(id: string): Promise<ScheduleView> {
    return this.client.getSchedule(id);
  }

  listSchedules(): Promise<ScheduleView[]> {
    return this.client.listSchedules();
  }

  deleteSchedule(id: string): Promise<void> {
    return this.client.deleteSchedule(id);
  }

  /** The submission to send: the pipeline's source uploaded, its hash in the manifest. */
  private async uploaded(s: PipelineSubmission): Promise<PipelineClientSubmission> {
    const pipeline = (await this.withUploadedSource(s.manifest, s.baseDir)) as unknown as PipelineManifestInput;
    return { pipeline, params: s.params, force: s.force };
  }

  async close(): Promise<void> {}

  /** The pipeline's source folder (its manifest's folder unless source.local.path says otherwise) uploaded; its hash in the manifest. */
  private async withUploadedSource(manifest: Record<string, unknown>, baseDir: string): Promise<Record<string, unknown>> {
    const source = record(manifest.source);
    const local = record(source?.local);
    if (local?.snapshot !== undefined || (source !== undefined && local === undefined)) return manifest;
    const folder = resolve(baseDir, typeof local?.path === 'string' ? local.path : '.');
    const hash = await this.upload(folder, 'source.local.path');
    return { ...manifest, source: { local: { path: folder, snapshot: hash } } };
  }

  private async withUploadedTrainingSource(training: Record<string, unknown>, baseDir: string): Promise<Record<string, unknown>> {
    const spec = record(training.spec);
    const source = record(spec?.algorithmSource);
    const local = record(source?.local);
    if (!spec || !source || !local || local.snapshot !== undefined || typeof local.path !== 'string') return training;
    const hash = await this.upload(resolve(baseDir, local.path), 'spec.training.spec.algorithmSource.local.path');
    return { ...training, spec: { ...spec, algorithmSource: { ...source, local: { ...local, snapshot: hash } } } };
  }

  private async upload(folder: string, field: string): Promise<string> {
    try {
      return (await uploadSource(this.v1, folder)).hash;
    } catch (err) {
      if (err instanceof Error && err.name === 'Error') throw new CliError(`${field}: ${err.message}`);
      throw err;
    }
  }
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
