/**
 * Turns a submitted Pipeline manifest into a PipelineSpec. Every problem is collected and reported
 * in one INVALID_PARAMETER_VALUE error naming each field: unknown `needs`, inputs from unknown
 * tasks or outputs, a cycle (named as a path), bad paths, bad resources. Nothing runs before this
 * passes.
 */
import { ProblemList } from '../../errors.js';
import { parseDuration } from '../../trainings/manifest/duration.js';
import { normalizeResources, relativePath, RESERVED_ENVS, schemaProblems } from '../../trainings/manifest/validate.js';
import { downstreamOf, topologicalOrder } from './graph.js';
import { normalizeParamDecls } from './params.js';
import { NAME_PATTERN, PipelineManifestSchema, type PipelineManifestInput, type TaskInput } from './schema.js';
import type { InputRef, OutputDecl, PipelineSpec, RetryPolicy, TaskRun, TaskSpec } from './types.js';

export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_RETRY: Omit<RetryPolicy, 'count'> = { backoffSeconds: 10, factor: 2, maxBackoffSeconds: 600 };
const NAME = new RegExp(NAME_PATTERN);
const DATA_CONNECTION_TYPES = ['s3', 'local', 'http', 'https'];

export interface PipelineValidateOptions {
  /** The type of an existing connection, to check input connections in the same pass. */
  connectionType?: (id: string) => string | undefined;
}

export function validatePipeline(input: unknown, options: PipelineValidateOptions = {}): PipelineSpec {
  const problems = new ProblemList();
  if (!isRecord(input)) {
    problems.add('(manifest)', 'expected a mapping with kind: Pipeline, name and tasks');
    problems.throwIfAny('Invalid Pipeline manifest');
  }
  schemaProblems(PipelineManifestSchema, input, problems);
  const m = input as PipelineManifestInput;
  const params = normalizeParamDecls(isRecord(m.params) ? m.params : undefined, problems);
  const rawTasks = isRecord(m.tasks) ? (m.tasks as Record<string, unknown>) : {};
  if (isRecord(m.tasks) && Object.keys(rawTasks).length === 0) problems.add('tasks', 'a pipeline needs at least one task');

  const tasks: TaskSpec[] = [];
  for (const [name, raw] of Object.entries(rawTasks)) {
    if (!NAME.test(name)) problems.add(`tasks.${name}`, 'a task name is up to 40 lowercase letters, digits, "-" or "_", starting with a letter');
    if (isRecord(raw)) tasks.push(normalizeTask(name, raw as TaskInput, params, problems, options));
  }
  checkReferences(tasks, problems);
  let order: string[] = tasks.map((t) => t.name);
  if (problems.empty) {
    const topo = topologicalOrder(tasks);
    if ('cycle' in topo) problems.add('tasks', `the tasks form a cycle: ${topo.cycle.join(' → ')}; a task cannot (indirectly) need itself`);
    else order = topo.order;
  }
  problems.throwIfAny('Invalid Pipeline manifest');

  const byName = new Map(tasks.map((t) => [t.name, t]));
  const spec: PipelineSpec = {
    name: m.name,
    params,
    concurrency: m.concurrency ?? DEFAULT_CONCURRENCY,
    experiment: m.experiment ?? m.name,
    source: {},
    tasks: order.map((n) => byName.get(n)!),
  };
  if (m.description !== undefined) spec.description = m.description;
  const local = m.source?.local;
  if (local?.path !== undefined) spec.source.path = local.path;
  if (local?.snapshot !== undefined) spec.source.snapshot = local.snapshot;
  return spec;
}

/** Names of the tasks `force` asks for and everything downstream of them; unknown names are refused. */
export function forcedTasks(spec: PipelineSpec, force: readonly string[]): string[] {
  const problems = new ProblemList();
  const known = spec.tasks.map((t) => t.name);
  force.forEach((name, i) => {
    if (!known.includes(name)) problems.add(`force[${i}]`, `the pipeline has no task '${name}' (tasks: ${known.join(', ')})`);
  });
  problems.throwIfAny('Invalid --force');
  const set = downstreamOf(spec.tasks, force);
  return known.filter((n) => set.has(n));
}

function normalizeTask(name: string, t: TaskInput, params: PipelineSpec['params'], problems: ProblemList, options: PipelineValidateOptions): TaskSpec {
  const field = `tasks.${name}`;
  const runs = (['command', 'entrypoint', 'training'] as const).filter((k) => t[k] !== undefined);
  if (runs.length !== 1) {
    problems.add(field, runs.length === 0 ? 'give what the task runs: command, entrypoint or training' : `give one of command, entrypoint and training, not ${runs.join(' and ')}`);
  }
  if (t.parameters !== undefined && t.entrypoint === undefined) problems.add(`${field}.parameters`, 'only for an entrypoint task');
  if (t.training !== undefined) {
    for (const key of ['executor', 'image', 'dockerfile', 'requirements', 'resources', 'envs', 'timeout'] as const) {
      if (t[key] !== undefined) problems.add(`${field}.${key}`, `set it inside training: an inline training takes its ${key} from its own spec`);
    }
  }
  let run: TaskRun = { kind: 'command', command: 'true' };
  if (t.command !== undefined) run = { kind: 'command', command: t.command };
  else if (t.entrypoint !== undefined) {
    run = { kind: 'entrypoint', entrypoint: t.entrypoint, parameters: Object.fromEntries(Object.entries(t.parameters ?? {}).map(([k, v]) => [k, String(v)])) };
  } else if (isRecord(t.training)) run = { kind: 'training', training: t.training };

  const workDir = typeof t.workDir === 'string' ? relativePath(t.workDir, `${field}.workDir`, problems) : '.';
  const outputs = normalizeOutputs(t.outputs, field, problems);
  const inputs = normalizeInputs(t.inputs, field, problems, options);
  const needs = Array.isArray(t.needs) ? t.needs.filter((n): n is string => typeof n === 'string') : [];
  for (const input of inputs) if (input.kind === 'task' && !needs.includes(input.from)) needs.push(input.from);

  const code = Array.isArray(t.code) ? t.code.filter((g): g is string => typeof g === 'string') : null;
  code?.forEach((g, i) => {
    if (g.startsWith('/') || g.split('/').includes('..')) problems.add(`${field}.code[${i}]`, `'${g}' must be a glob relative to the work directory, without '..'`);
  });
  const taskParams = Array.isArray(t.params) ? t.params.filter((p): p is string => typeof p === 'string') : [];
  taskParams.forEach((p, i) => {
    if (!(p in params)) problems.add(`${field}.params[${i}]`, `'${p}' is not a pipeline parameter (${Object.keys(params).join(', ') || 'none declared'})`);
  });
  const envs = Array.isArray(t.envs) ? t.envs.filter(isRecord).map((e) => ({ name: String(e.name), value: String(e.value) })) : [];
  envs.forEach((e, i) => {
    if ((RESERVED_ENVS as readonly string[]).includes(e.name) || e.name.startsWith('TRAINYARD_')) problems.add(`${field}.envs[${i}].name`, `${e.name} is set by Trainyard for every task`);
  });

  const build = t.training === undefined ? normalizeBuild(t, field, problems) : {};
  const resources = normalizeResources(isRecord(t.resources) ? t.resources : undefined, problems, `${field}.resources`);
  let timeout: number | undefined;
  if (t.timeout !== undefined) {
    timeout = parseDuration(t.timeout);
    if (timeout === undefined) problems.add(`${field}.timeout`, `'${String(t.timeout)}' is not a duration: use seconds or e.g. "90s", "30m", "2h"`);
  }
  const task: TaskSpec = {
    name,
    needs,
    run,
    workDir,
    inputs,
    outputs,
    code,
    params: taskParams,
    executor: t.executor ?? 'local',
    resources,
    envs,
    retries: normalizeRetries(t.retries, field, problems),
    cache: t.cache ?? true,
  };
  if (t.description !== undefined) task.description = t.description;
  if (t.image !== undefined) task.image = t.image;
  Object.assign(task, build);
  if (timeout !== undefined) task.timeout = timeout;
  if (t.cacheVersion !== undefined) task.cacheVersion = String(t.cacheVersion);
  return task;
}

/** `dockerfile` and `requirements`: files in the work directory that make the image, for the docker executor only. */
function normalizeBuild(t: TaskInput, field: string, problems: ProblemList): Pick<TaskSpec, 'dockerfile' | 'requirements'> {
  const out: Pick<TaskSpec, 'dockerfile' | 'requirements'> = {};
  const executor = t.executor ?? 'local';
  for (const key of ['dockerfile', 'requirements'] as const) {
    const raw = t[key];
    // An empty string is the schema's to report.
    if (typeof raw !== 'string' || raw === '') continue;
    if (executor !== 'docker') problems.add(`${field}.${key}`, `only for executor: docker (this task runs on the ${executor} executor, which builds no image)`);
    out[key] = taskFilePath(raw, `${field}.${key}`, problems);
  }
  if (out.dockerfile !== undefined && out.requirements !== undefined) problems.add(`${field}.requirements`, 'give dockerfile or requirements, not both: a Dockerfile installs its own requirements');
  if (out.dockerfile !== undefined && t.image !== undefined) problems.add(`${field}.image`, "not used with dockerfile: the Dockerfile's FROM names the base image");
  return out;
}

/** A file inside the task's work directory: no absolute path, no '..' above it (also checked again after parameter substitution). */
export function taskFilePath(path: string, field: string, problems: ProblemList): string {
  const normalized = relativePath(path, field, problems);
  if (normalized === '.') problems.add(field, `'${path}' must name a file inside the task's work directory`);
  return normalized;
}

function normalizeOutputs(raw: TaskInput['outputs'], field: string, problems: ProblemList): OutputDecl[] {
  const outputs: OutputDecl[] = [];
  (Array.isArray(raw) ? raw : []).forEach((o, i) => {
    const path = typeof o === 'string' ? o : isRecord(o) && typeof o.path === 'string' ? o.path : undefined;
    if (path === undefined) return;
    const normalized = relativePath(path, `${field}.outputs[${i}]`, problems);
    if (normalized === '.') problems.add(`${field}.outputs[${i}]`, 'an output is a file or folder inside the work directory, not the work directory itself');
    const name = typeof o === 'string' ? normalized : (o.name ?? normalized);
    if (outputs.some((x) => x.name === name)) problems.add(`${field}.outputs[${i}]`, `a second output named '${name}'`);
    outputs.push({ name, path: normalized });
  });
  return outputs;
}

function normalizeInputs(raw: TaskInput['inputs'], field: string, problems: ProblemList, options: PipelineValidateOptions): InputRef[] {
  const inputs: InputRef[] = [];
  (Array.isArray(raw) ? raw : []).forEach((x, i) => {
    const f = `${field}.inputs[${i}]`;
    if (typeof x === 'string') inputs.push({ kind: 'task', from: x });
    else if (isRecord(x) && 'from' in x && typeof x.from === 'string') {
      const ref: InputRef = { kind: 'task', from: x.from };
      if (typeof x.output === 'string') ref.output = x.output;
      if (typeof x.path === 'string') {
        ref.path = relativePath(x.path, `${f}.path`, problems);
        if (x.output === undefined) problems.add(`${f}.path`, 'a path needs one output: name it with output');
      }
      inputs.push(ref);
    } else if (isRecord(x) && 'connection' in x && typeof x.connection === 'string' && typeof x.path === 'string') {
      const folder = x.path.endsWith('/');
      const ref: InputRef = { kind: 'connection', connection: x.connection, path: relativePath(x.path, `${f}.path`, problems) + (folder ? '/' : '') };
      if (typeof x.remotePath === 'string') ref.remotePath = x.remotePath;
      const type = options.connectionType?.(x.connection);
      if (options.connectionType && type === undefined) problems.add(`${f}.connection`, `connection '${x.connection}' does not exist`);
      else if (type !== undefined && !DATA_CONNECTION_TYPES.includes(type)) problems.add(`${f}.connection`, `connection '${x.connection}' is of type '${type}'; expected one of ${DATA_CONNECTION_TYPES.join(', ')}`);
      inputs.push(ref);
    }
  });
  return inputs;
}

function normalizeRetries(raw: TaskInput['retries'], field: string, problems: ProblemList): RetryPolicy {
  if (raw === undefined) return { count: 0, ...DEFAULT_RETRY };
  if (typeof raw === 'number') return { count: raw, ...DEFAULT_RETRY };
  if (!isRecord(raw)) return { count: 0, ...DEFAULT_RETRY };
  const seconds = (v: unknown, name: string, fallback: number): number => {
    if (v === undefined) return fallback;
    if (v === 0 || v === '0') return 0;
    const s = parseDuration(v);
    if (s === undefined) problems.add(`${field}.retries.${name}`, `'${String(v)}' is not a duration: use seconds or e.g. "30s", "5m"`);
    return s ?? fallback;
  };
  return {
    count: typeof raw.count === 'number' ? raw.count : 0,
    backoffSeconds: seconds(raw.backoff, 'backoff', DEFAULT_RETRY.backoffSeconds),
    factor: typeof raw.factor === 'number' ? raw.factor : DEFAULT_RETRY.factor,
    maxBackoffSeconds: seconds(raw.maxBackoff, 'maxBackoff', DEFAULT_RETRY.maxBackoffSeconds),
  };
}

/** Seconds to wait before try number `attempt + 1`, after `attempt` tries failed. */
export function retryDelaySeconds(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxBackoffSeconds, policy.backoffSeconds * policy.factor ** Math.max(0, attempt - 1));
}

/** `needs` and inputs name tasks and outputs that exist. */
function checkReferences(tasks: readonly TaskSpec[], problems: ProblemList): void {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const known = [...byName.keys()].join(', ');
  for (const t of tasks) {
    t.needs.forEach((dep, i) => {
      if (dep === t.name) problems.add(`tasks.${t.name}.needs[${i}]`, 'a task cannot need itself');
      else if (!byName.has(dep) && !t.inputs.some((x) => x.kind === 'task' && x.from === dep)) {
        problems.add(`tasks.${t.name}.needs[${i}]`, `unknown task '${dep}' (tasks: ${known})`);
      }
    });
    t.inputs.forEach((x, i) => {
      if (x.kind !== 'task') return;
      const from = byName.get(x.from);
      if (!from) problems.add(`tasks.${t.name}.inputs[${i}].from`, `unknown task '${x.from}' (tasks: ${known})`);
      else if (x.from === t.name) problems.add(`tasks.${t.name}.inputs[${i}].from`, 'a task cannot take its own output');
      else if (x.output !== undefined && !from.outputs.some((o) => o.name === x.output)) {
        const names = from.outputs.map((o) => o.name);
        problems.add(`tasks.${t.name}.inputs[${i}].output`, `task '${x.from}' declares no output '${x.output}' (${names.length ? `outputs: ${names.join(', ')}` : 'it declares none'})`);
      } else if (x.output === undefined && from.outputs.length === 0) {
        problems.add(`tasks.${t.name}.inputs[${i}]`, `task '${x.from}' declares no outputs to take; use needs to only wait for it`);
      }
    });
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
