/**
 * Where a task runs on this machine: `$TRAINYARD_HOME/pipelines/<run>/<task>/` holds the source
 * (`src/`, the pipeline snapshot with the task's inputs put in), staged connection data and the
 * task's log, which collects every try.
 */
import { appendFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface TaskWorkspace {
  root: string;
  src: string;
  workDir: string;
  /** Connection inputs, fetched before the cache key is computed (their content is part of it). */
  staging: string;
  logPath: string;
}

export function pipelinesRoot(home: string): string {
  return join(home, 'pipelines');
}

export function taskWorkspace(home: string, runId: string, task: string, workDir: string): TaskWorkspace {
  const root = join(pipelinesRoot(home), runId, task);
  const src = join(root, 'src');
  return {
    root,
    src,
    workDir: workDir === '.' ? src : join(src, ...workDir.split('/')),
    staging: join(root, 'staging'),
    logPath: join(root, 'task.log'),
  };
}

/** An empty source folder for a new try: nothing a failed try wrote survives into the next. */
export async function resetSource(ws: TaskWorkspace): Promise<void> {
  await rm(ws.src, { recursive: true, force: true });
}

/** Appends Trainyard's own lines to the task log, marked so they stand apart from the task's output. */
export async function taskNote(ws: TaskWorkspace, text: string): Promise<void> {
  await mkdir(dirname(ws.logPath), { recursive: true });
  await appendFile(ws.logPath, `[trainyard] ${text}\n`);
}
