/**
 * A task with the pipeline's parameter values filled in: the command (shell-quoted values in a
 * shell line, raw values in an argv list), entry point parameters, an inline training's
 * hyper-parameters, envs, image and the files that build it. Which parameters it used is recorded: they, and only they,
 * join its cache key and its environment, so changing a parameter re-runs exactly the tasks that
 * read it.
 */
import { invalid, ProblemList, TrainyardError } from '../../errors.js';
import { validateManifest } from '../../trainings/manifest/validate.js';
import type { TrainingSpec } from '../../trainings/manifest/types.js';
import { fillPlaceholders, shellJoin, shellQuote } from '../../trainings/toolchains/shell.js';
import { COMMAND_SHELL } from '../../trainings/toolchains/command.js';
import { parameterEnv } from '../../trainings/toolchains/types.js';
import { paramText } from './params.js';
import { taskFilePath } from './validate.js';
import type { ParamValue, PipelineSpec, TaskSpec } from './types.js';

export type RenderedRun =
  | { kind: 'command'; argv: string[]; display: string }
  | { kind: 'entrypoint'; entrypoint: string; parameters: Record<string, string> }
  /** `spec`: validated, for the cache key; `input`: what the training service is given (plus the source). */
  | { kind: 'training'; spec: TrainingSpec; input: Record<string, unknown> };

export interface RenderedTask {
  task: TaskSpec;
  run: RenderedRun;
  envs: Record<string, string>;
  image?: string;
  /** Relative to the task's work directory, after substitution. */
  dockerfile?: string;
  requirements?: string;
  /** Names of the parameters it reads (placeholders and `params`), sorted. */
  usedParams: string[];
  /** Their values as text, also exported as TRAINYARD_PARAM_<NAME>. */
  paramValues: Record<string, string>;
}

/** Map that remembers which names were looked up, so a render tells which parameters it used. */
class RecordingValues extends Map<string, string> {
  readonly used = new Set<string>();
  override get(key: string): string | undefined {
    const v = super.get(key);
    if (v !== undefined) this.used.add(key);
    return v;
  }
}

/** Renders every task, collecting every problem (unknown placeholders, invalid inline trainings) into one error. */
export function renderTasks(spec: PipelineSpec, params: Record<string, ParamValue>): Map<string, RenderedTask> {
  const problems = new ProblemList();
  const out = new Map<string, RenderedTask>();
  for (const task of spec.tasks) {
    try {
      out.set(task.name, renderTask(spec, task, params));
    } catch (err) {
      if (!(err instanceof TrainyardError)) throw err;
      for (const p of err.problems ?? [{ field: `tasks.${task.name}`, message: err.message }]) problems.add(p.field, p.message);
    }
  }
  problems.throwIfAny('Invalid Pipeline manifest');
  return out;
}

export function renderTask(spec: PipelineSpec, task: TaskSpec, params: Record<string, ParamValue>): RenderedTask {
  const values = new RecordingValues(Object.entries(params).map(([k, v]) => [k, paramText(v)]));
  const field = `tasks.${task.name}`;
  const raw = (where: string) => (text: string) => fillPlaceholders(text, values, { render: (v) => v, where });
  let run: RenderedRun;
  const r = task.run;
  if (r.kind === 'command') {
    if (typeof r.command === 'string') {
      const line = fillPlaceholders(r.command, values, { render: shellQuote, where: `${field}.command` });
      run = { kind: 'command', argv: [COMMAND_SHELL, '-c', line], display: line };
    } else {
      const argv = r.command.map((part, i) => raw(`${field}.command[${i}]`)(part));
      run = { kind: 'command', argv, display: shellJoin(argv) };
    }
  } else if (r.kind === 'entrypoint') {
    const parameters = Object.fromEntries(Object.entries(r.parameters).map(([k, v]) => [k, raw(`${field}.parameters.${k}`)(v)]));
    run = { kind: 'entrypoint', entrypoint: r.entrypoint, parameters };
  } else {
    run = { kind: 'training', ...renderTraining(spec, task, r.training, raw) };
  }
  const envs = Object.fromEntries(task.envs.map((e, i) => [e.name, raw(`${field}.envs[${i}].value`)(e.value)]));
  const image = task.image === undefined ? undefined : raw(`${field}.image`)(task.image);
  const build: Pick<RenderedTask, 'dockerfile' | 'requirements'> = {};
  for (const key of ['dockerfile', 'requirements'] as const) {
    const value = task[key];
    if (value === undefined) continue;
    const problems = new ProblemList();
    build[key] = taskFilePath(raw(`${field}.${key}`)(value), `${field}.${key}`, problems);
    problems.throwIfAny('Invalid Pipeline manifest');
  }
  for (const p of task.params) values.get(p);
  const usedParams = [...values.used].sort();
  const paramValues = Object.fromEntries(usedParams.map((n) => [n, values.get(n)!]));
  parameterEnv(paramValues, `${field}`);
  return { task, run, envs, usedParams, paramValues, ...(image !== undefined && { image }), ...build };
}

/**
 * An inline training: its hyper-parameters and env values take pipeline placeholders (its own
 * command keeps its `{hyperParameter}` placeholders for the training toolchain). The source is
 * the pipeline's, so any source field is refused; the experiment defaults to the pipeline's.
 */
function renderTraining(
  spec: PipelineSpec,
  task: TaskSpec,
  training: Record<string, unknown>,
  raw: (where: string) => (text: string) => string,
): { spec: TrainingSpec; input: Record<string, unknown> } {
  const field = `tasks.${task.name}.training`;
  for (const key of ['algorithmSource', 'vcsName', 'reference', 'workDir', 'data']) {
    if (key in training) throw invalid(`${field}.${key}: an inline training runs on the pipeline source in the task's workDir, with the task's inputs; remove ${key}`);
  }
  const hp = training.hyperParameters;
  const hyperParameters =
    hp !== null && typeof hp === 'object' && !Array.isArray(hp)
      ? Object.fromEntries(Object.entries(hp as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? raw(`${field}.hyperParameters.${k}`)(v) : v]))
      : hp;
  const input: Record<string, unknown> = { experiment: spec.experiment, ...training, workDir: task.workDir };
  if (hyperParameters !== undefined) input.hyperParameters = hyperParameters;
  // A stand-in so the validator sees a source; the runner gives the real snapshot.
  const manifest = { kind: 'ModelTraining', id: 'pipeline-task', spec: { ...input, algorithmSource: { local: { path: '.' } } } };
  try {
    const { spec: validated } = validateManifest(manifest);
    delete validated.algorithmSource;
    return { spec: validated, input };
  } catch (err) {
    if (!(err instanceof TrainyardError) || !err.problems) throw err;
    throw invalid(err.message, err.problems.map((p) => ({ field: p.field.replace(/^spec/, field), message: p.message })));
  }
}
