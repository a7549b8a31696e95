/**
 * Pipelines and schedules under /api/v1. Until the server offers them these calls answer 404
 * ENDPOINT_NOT_FOUND and the pages say so.
 */
import type { PipelineRunView } from '../../../src/pipelines/view.js';
import { api } from './client.js';

export type PipelineRun = PipelineRunView;

export interface Schedule {
  id: string;
  cron?: string;
  timezone?: string;
  target?: unknown;
  overlap?: string;
  nextFireAt?: number | null;
  lastFireAt?: number | null;
  [k: string]: unknown;
}

/** The list in an answer: a bare array, or the first array-valued field of an object. */
function listIn<T>(body: unknown): T[] {
  if (Array.isArray(body)) return body as T[];
  if (body && typeof body === 'object') for (const v of Object.values(body)) if (Array.isArray(v)) return v as T[];
  return [];
}

export async function listPipelineRuns(): Promise<PipelineRun[]> {
  return listIn<PipelineRun>(await api.http.get<unknown>('/api/v1/pipelines'));
}

export async function getPipelineRun(id: string): Promise<PipelineRun> {
  return api.http.get<PipelineRun>(`/api/v1/pipelines/${encodeURIComponent(id)}`);
}

export async function listSchedules(): Promise<Schedule[]> {
  return listIn<Schedule>(await api.http.get<unknown>('/api/v1/schedules'));
}
