/**
 * Pipeline runs and schedules from /api/v1 (their shapes are the server's views). A server without
 * them answers 404 ENDPOINT_NOT_FOUND and the pages say so.
 */
import { V1 } from '../../../src/clients/v1.js';
import type { ScheduleView } from '../../../src/pipelines/schedules/service.js';
import type { PipelineRunView } from '../../../src/pipelines/view.js';
import { api } from './client.js';

export type { PipelineRunView, ScheduleView };

export async function listPipelineRuns(): Promise<PipelineRunView[]> {
  return (await api.http.get<{ pipelineRuns: PipelineRunView[] }>(`${V1}/pipelines`)).pipelineRuns;
}

export function getPipelineRun(id: string): Promise<PipelineRunView> {
  return api.http.get<PipelineRunView>(`${V1}/pipelines/${encodeURIComponent(id)}`);
}

export async function listSchedules(): Promise<ScheduleView[]> {
  return (await api.http.get<{ schedules: ScheduleView[] }>(`${V1}/schedules`)).schedules;
}

/** What a schedule starts, in a few words. */
export function targetOf(s: ScheduleView): string {
  const t = s.spec.target;
  const name = (m: Record<string, unknown>) => String(m.id ?? (m as { name?: unknown }).name ?? '?');
  if (t.kind === 'training') return `training ${name(t.manifest)}`;
  const params = Object.entries(t.params).map(([k, v]) => `${k}=${v}`).join(' ');
  return `pipeline ${name(t.manifest)}${params ? ` (${params})` : ''}`;
}
