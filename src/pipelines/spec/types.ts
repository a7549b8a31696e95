/**
 * A validated Pipeline: every default filled in, tasks in topological order. This is what is
 * stored with a pipeline run and what the runner reads.
 */
import type { ResourceAmounts } from '../../trainings/manifest/types.js';
import type { ParamType } from './schema.js';

export type ParamValue = string | number | boolean;

export interface ParamDecl {
  type: ParamType;
  default?: ParamValue;
  description?: string;
}

export type InputRef =
  | { kind: 'task'; from: string; output?: string; path?: string }
  | { kind: 'connection'; connection: string; remotePath?: string; path: string };

export interface OutputDecl {
  name: string;
  /** Relative to the task's work directory. */
  path: string;
}

export interface RetryPolicy {
  /** Tries after the first one. */
  count: number;
  backoffSeconds: number;
  factor: number;
  maxBackoffSeconds: number;
}

export type TaskRun =
  | { kind: 'command'; command: string | string[] }
  | { kind: 'entrypoint'; entrypoint: string; parameters: Record<string, string> }
  | { kind: 'training'; training: Record<string, unknown> };

export interface TaskSpec {
  name: string;
  description?: string;
  /** Every task that must finish first, including those it takes inputs from. */
  needs: string[];
  run: TaskRun;
  /** Relative to the pipeline source, '/'-separated ('.' for its root). */
  workDir: string;
  inputs: InputRef[];
  outputs: OutputDecl[];
  /** Globs relative to workDir; null: everything under workDir. */
  code: string[] | null;
  /** Params read from the environment without a placeholder. */
  params: string[];
  executor: 'local' | 'docker' | 'slurm' | 'kubernetes';
  image?: string;
  /** Relative to workDir; only with the docker executor. */
  dockerfile?: string;
  /** Relative to workDir, installed on top of `image`; only with the docker executor. */
  requirements?: string;
  resources: { limits: ResourceAmounts; requests: ResourceAmounts };
  envs: { name: string; value: string }[];
  retries: RetryPolicy;
  timeout?: number;
  cache: boolean;
  cacheVersion?: string;
}

export interface PipelineSource {
  /** Content hash of the source snapshot; absent for a pipeline without source files. */
  snapshot?: string;
  /** The folder it was taken from, for people. */
  path?: string;
}

export interface PipelineSpec {
  name: string;
  description?: string;
  params: Record<string, ParamDecl>;
  concurrency: number;
  experiment: string;
  source: PipelineSource;
  /** In topological order (declaration order where the graph leaves a choice). */
  tasks: TaskSpec[];
}
