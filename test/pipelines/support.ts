import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipelineService } from '../../src/pipelines/service.js';
import type { PipelineRunView } from '../../src/pipelines/view.js';

/** A folder holding `files` (path → content), as a pipeline's source. */
export function sourceFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-pipeline-src-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** Waits for the run to end, bounded so a hang fails the test rather than the suite. */
export async function finished(pipelines: PipelineService, id: string, timeoutMs = 60_000): Promise<PipelineRunView> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await pipelines.wait(id, { signal, pollMs: 100 });
  } catch (err) {
    if (signal.aborted) throw new Error(`pipeline run ${id} did not finish in ${timeoutMs} ms: ${JSON.stringify(await pipelines.get(id), null, 1)}`);
    throw err;
  }
}

export function states(view: PipelineRunView): Record<string, string> {
  return Object.fromEntries(view.tasks.map((t) => [t.name, t.state]));
}

export function task(view: PipelineRunView, name: string) {
  const t = view.tasks.find((x) => x.name === name);
  if (!t) throw new Error(`no task ${name} in ${view.id}`);
  return t;
}

/** A PATH on which python3 is Debian's, with scikit-learn (pyenv shims may come first otherwise). */
export const DEBIAN_PATH = `/usr/bin:/bin:${process.env.PATH ?? ''}`;
