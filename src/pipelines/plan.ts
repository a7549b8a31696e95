/**
 * `--dry-run`: which tasks a submission would run and which it would take from the cache, and
 * for each miss which part of its key changed since the task's last cached result. Nothing is
 * created or run; connection inputs are fetched (into a scratch folder) because their content is
 * part of the key.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectionService } from '../trainings/connections/service.js';
import { fetchDataBinding } from '../trainings/data/bindings.js';
import { hashTree } from '../trainings/sources/tree.js';
import type { CodeHasher } from './cache/code-hash.js';
import { changedParts, type KeyPart } from './cache/key.js';
import type { OutputStore } from './outputs/cas.js';
import type { TaskRecord } from './records.js';
import type { PipelineRepository } from './repository.js';
import type { ImageIdentifier } from './runner/task-image.js';
import { computeTaskKey } from './runner/task-key.js';
import type { RenderedTask } from './spec/render.js';
import type { ParamValue, PipelineSpec } from './spec/types.js';

export interface PlannedTask {
  name: string;
  action: 'run' | 'cached';
  /** Why, for people: "not in the cache: code changed", "forced", "upstream 'train' runs". */
  reason: string;
  /** Parts of the key that differ from the task's last cached result (empty when unknown). */
  changed: KeyPart[];
  /** The key, when it can be known before anything runs. */
  cacheKey?: string;
}

export interface PipelinePlan {
  kind: 'PipelinePlan';
  pipeline: string;
  params: Record<string, ParamValue>;
  tasks: PlannedTask[];
}

export interface PlanDeps {
  repo: PipelineRepository;
  code: CodeHasher;
  outputs: OutputStore;
  connections: ConnectionService;
  s3EndpointUrl: string | undefined;
  scratch: string;
  images?: ImageIdentifier;
}

export async function planRun(
  deps: PlanDeps,
  spec: PipelineSpec,
  params: Record<string, ParamValue>,
  rendered: ReadonlyMap<string, RenderedTask>,
  force: readonly string[],
  snapshotRoot: string | undefined,
): Promise<PipelinePlan> {
  const simulated = new Map<string, TaskRecord>();
  const runs = new Set<string>();
  const planned: PlannedTask[] = [];
  // A dry run may come before anything has run on this home.
  await mkdir(deps.scratch, { recursive: true });
  const scratch = await mkdtemp(join(deps.scratch, 'plan-'));
  try {
    for (const task of spec.tasks) {
      const r = rendered.get(task.name)!;
      const latest = await deps.repo.cacheLatest(spec.name, task.name);
      const upstreamRuns = task.needs.filter((n) => runs.has(n));
      const key = await computeTaskKey({ rendered: r, params, snapshotRoot, code: deps.code, upstream: simulated, connectionDigests: await stage(deps, task.name, r, scratch), images: deps.images });
      if (upstreamRuns.length > 0) {
        // Its inputs are not known until those run; the other parts can still be compared.
        const changed = latest ? changedParts(key.parts, latest.keyParts).filter((p) => p !== 'inputs') : [];
        runs.add(task.name);
        const reason = `upstream ${upstreamRuns.map((n) => `'${n}'`).join(', ')} run${upstreamRuns.length === 1 ? 's' : ''}${changed.length ? `; also changed: ${changed.join(', ')}` : ''}`;
        planned.push({ name: task.name, action: 'run', changed, reason: withNotes(reason, key.notes) });
        continue;
      }
      const forced = force.includes(task.name);
      const entry = task.cache && !forced ? await deps.repo.cacheGet(key.key) : undefined;
      let present = entry !== undefined;
      for (const o of entry?.outputs ?? []) if (present && !(await deps.outputs.verify(o.digest))) present = false;
      if (entry && present) {
        simulated.set(task.name, record(task.name, key.key, entry.outputs));
        planned.push({ name: task.name, action: 'cached', reason: withNotes(`cached: the result of pipeline run ${entry.pipelineRunId}`, key.notes), changed: [], cacheKey: key.key });
        continue;
      }
      runs.add(task.name);
      const changed = latest ? changedParts(key.parts, latest.keyParts) : [];
      let reason: string;
      if (forced) reason = 'forced';
      else if (!task.cache) reason = 'cache: false';
      else if (entry) reason = 'its cached outputs were removed from the artifact store';
      else if (!latest) reason = 'no cached result yet';
      else reason = `not in the cache: ${changed.length ? `${changed.join(', ')} changed` : 'no result for this key'}`;
      planned.push({ name: task.name, action: 'run', reason: withNotes(reason, key.notes), changed, cacheKey: key.key });
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return { kind: 'PipelinePlan', pipeline: spec.name, params, tasks: planned };
}

/** The reason, with what the key could not take into account (e.g. an image's identity without a daemon). */
function withNotes(reason: string, notes: readonly string[]): string {
  return notes.length === 0 ? reason : `${reason}; ${notes.join('; ')}`;
}

async function stage(deps: PlanDeps, name: string, r: RenderedTask, scratch: string): Promise<string[]> {
  const digests: string[] = [];
  let i = 0;
  for (const input of r.task.inputs) {
    if (input.kind !== 'connection') continue;
    const dir = join(scratch, name, String(i));
    await mkdir(dir, { recursive: true });
    await fetchDataBinding({ connName: input.connection, localPath: input.path, remotePath: input.remotePath }, i++, {
      workDir: dir,
      connection: (id) => deps.connections.getDecrypted(id),
      s3EndpointUrl: deps.s3EndpointUrl,
    });
    digests.push(await hashTree(dir));
  }
  return digests;
}

function record(name: string, cacheKey: string, outputs: TaskRecord['outputs']): TaskRecord {
  return {
    pipelineRunId: '',
    name,
    position: 0,
    state: 'cached',
    attempt: 0,
    cacheKey,
    keyParts: null,
    jobId: null,
    runId: null,
    trainingId: null,
    cachedFrom: null,
    outputs,
    exitCode: null,
    message: null,
    retryAt: null,
    startedAt: null,
    finishedAt: null,
  };
}
