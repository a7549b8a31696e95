/**
 * A task's cache key from what it is about to run: its rendered definition, the parameter values
 * it reads, its code, the digests of its inputs and its environment (see cache/key.ts; a docker
 * task's environment is what task-image.ts says its image is).
 */
import type { CodeHasher } from '../cache/code-hash.js';
import { cacheKey, hashPart, type KeyParts } from '../cache/key.js';
import type { TaskRecord } from '../records.js';
import type { RenderedTask } from '../spec/render.js';
import type { ParamValue } from '../spec/types.js';
import { taskEnvironment, type ImageIdentifier } from './task-image.js';

/** Fields of an inline training that change where or how fast it runs, not what it computes. */
const TRAINING_RUNTIME_FIELDS = ['resources', 'timeout', 'executor', 'image', 'experiment', 'nodeSelector', 'outputConnection'];

export interface KeyInputs {
  rendered: RenderedTask;
  params: Record<string, ParamValue>;
  /** The stored source snapshot folder, if the pipeline has a source. */
  snapshotRoot: string | undefined;
  code: CodeHasher;
  /** Records of the tasks it needs (all finished: succeeded or cached). */
  upstream: ReadonlyMap<string, TaskRecord>;
  /** Content hashes of its connection inputs, in input order. */
  connectionDigests: readonly string[];
  /** Asks the Docker daemon what a docker task's image is; without it the key keeps the tag. */
  images?: ImageIdentifier | undefined;
}

export interface TaskKey {
  key: string;
  parts: KeyParts;
  /** What the key could not take into account as it normally would (e.g. no Docker daemon), for the task log and --dry-run. */
  notes: string[];
}

export async function computeTaskKey(k: KeyInputs): Promise<TaskKey> {
  const { rendered } = k;
  const { task } = rendered;
  const environment = await environmentOf(k);
  const code = await k.code.hash(k.snapshotRoot, task.workDir, task.code, rendered.run.kind === 'entrypoint' ? ['MLproject'] : []);
  const parts: KeyParts = {
    definition: hashPart(definitionOf(rendered)),
    params: hashPart(Object.fromEntries(rendered.usedParams.map((n) => [n, k.params[n]]))),
    code: code.hash,
    inputs: hashPart(inputEntries(k)),
    environment: hashPart(environment.value),
    cacheVersion: hashPart(task.cacheVersion ?? ''),
  };
  return { key: cacheKey(parts), parts, notes: environment.notes };
}

export function definitionOf(r: RenderedTask): unknown {
  const { task } = r;
  let run: unknown;
  if (r.run.kind === 'command') run = { kind: 'command', argv: r.run.argv };
  else if (r.run.kind === 'entrypoint') run = { kind: 'entrypoint', entrypoint: r.run.entrypoint, parameters: r.run.parameters };
  else {
    const spec = { ...(r.run.spec as unknown as Record<string, unknown>) };
    for (const f of TRAINING_RUNTIME_FIELDS) delete spec[f];
    run = { kind: 'training', spec };
  }
  return { run, workDir: task.workDir, inputs: task.inputs, outputs: task.outputs, code: task.code, envs: r.envs };
}

async function environmentOf(k: KeyInputs): Promise<{ value: unknown; notes: string[] }> {
  const r = k.rendered;
  if (r.run.kind === 'training') return { value: { executor: r.run.spec.executor, image: r.run.spec.image ?? null }, notes: [] };
  return taskEnvironment(r, k.snapshotRoot, k.images);
}

/** Each input's content digest; a task only needed (no inputs from it) counts by its outputs, or its key when it has none. */
function inputEntries(k: KeyInputs): unknown[] {
  const { task } = k.rendered;
  const entries: unknown[] = [];
  let connection = 0;
  const fromInputs = new Set<string>();
  for (const input of task.inputs) {
    if (input.kind === 'connection') {
      entries.push({ connection: input.connection, remotePath: input.remotePath ?? null, path: input.path, digest: k.connectionDigests[connection++] });
      continue;
    }
    fromInputs.add(input.from);
    const outputs = k.upstream.get(input.from)?.outputs ?? [];
    for (const o of outputs) {
      if (input.output === undefined || o.name === input.output) entries.push({ from: input.from, output: o.name, path: input.path ?? o.path, digest: o.digest });
    }
  }
  for (const name of task.needs) {
    if (fromInputs.has(name)) continue;
    const up = k.upstream.get(name);
    const outputs = up?.outputs ?? [];
    entries.push({ needs: name, result: outputs.length > 0 ? outputs.map((o) => [o.name, o.digest]) : (up?.cacheKey ?? null) });
  }
  return entries;
}
