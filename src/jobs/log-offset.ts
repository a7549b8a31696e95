/**
 * How far line listeners have read a job's log, kept in a small file beside the log so that a
 * restarted dispatcher resumes there instead of delivering lines (metrics) twice. The file names
 * its job: a log shared by several attempts is read by each from where that attempt began.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ExecJob } from '../executors/types.js';

export function offsetFileOf(logPath: string): string {
  return `${logPath}.offset`;
}

/** Records where the job's output will begin: the log's current end. Call before starting it. */
export function markLogStart(job: ExecJob): void {
  let size = 0;
  try {
    size = statSync(job.logPath).size;
  } catch {
    // no log yet: the job's output starts at 0
  }
  mkdirSync(dirname(job.logPath), { recursive: true });
  saveLogOffset(job, size);
}

export function readLogOffset(job: ExecJob): number {
  try {
    const saved = JSON.parse(readFileSync(offsetFileOf(job.logPath), 'utf8')) as { job?: unknown; offset?: unknown };
    const offset = saved.offset;
    return saved.job === job.id && typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0 ? offset : 0;
  } catch {
    return 0;
  }
}

export function saveLogOffset(job: ExecJob, offset: number): void {
  writeFileSync(offsetFileOf(job.logPath), JSON.stringify({ job: job.id, offset }));
}

export function clearLogOffset(job: ExecJob): void {
  rmSync(offsetFileOf(job.logPath), { force: true });
}
