import type { ExecHandle, ExecJob, ExitInfo, ExitReason } from '../executors/types.js';

export type JobState = 'queued' | 'starting' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type OwnerKind = ExecJob['owner']['kind'];

export const ACTIVE_STATES: readonly JobState[] = ['starting', 'running'];
export const TERMINAL_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** One row of the `jobs` table, decoded. */
export interface JobRecord {
  id: string;
  owner: ExecJob['owner'];
  state: JobState;
  /** Name of the executor that runs it (`local`, `docker`, ...). */
  executor: string;
  /** The job as the executor gets it; `gpuIds` is filled in when it is admitted. */
  spec: ExecJob;
  handle: ExecHandle | null;
  /** The dispatcher that claimed it. */
  worker: string | null;
  heartbeatAt: number | null;
  cancelRequested: boolean;
  exitCode: number | null;
  reason: ExitReason | null;
  message: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** A job as callers hand it to the queue: the id may be chosen by the queue, GPUs by admission. */
export type NewJob = Omit<ExecJob, 'id' | 'gpuIds'> & { id?: string };

/** The state a job ends in for an executor's verdict. */
export function finalState(exit: ExitInfo): JobState {
  if (exit.reason === 'completed') return 'succeeded';
  if (exit.reason === 'cancelled') return 'cancelled';
  return 'failed';
}
