/**
 * What a job that runs in a container gets (a training, or a pipeline task): its image (the spec's,
 * else the MLproject's docker_env), build instructions, extra mounts, and an environment that holds
 * nothing that only makes sense on the server's machine (its PATH or HOME).
 */
import type { ExecJob } from '../executors/types.js';
import { PYTHON_CLIENT_DIR } from './environment.js';
import type { TrainingSpec } from './manifest/types.js';
import type { DockerEnv } from './toolchains/mlproject.js';

/** Executors that run a training in an image. */
export function runsInContainer(spec: Pick<TrainingSpec, 'executor'>): boolean {
  return spec.executor === 'docker';
}

export type ImageFields = Pick<ExecJob, 'image' | 'build'>;

/** What the executor changes about a job: where its environment starts from, and its ExecJob fields. */
export interface JobContainer {
  /** The server variables the job inherits (trainingEnvironment's `serverEnv`). */
  serverEnv: NodeJS.ProcessEnv;
  /** docker_env variables, to come before the job's own envs. */
  env: Record<string, string>;
  /** The ExecJob's image, build and volumes. */
  fields: ImageFields & Pick<ExecJob, 'volumes'>;
}

/**
 * The container parts of a job for its executor; `src` is the source folder build paths start
 * from. An executor without containers gets the server's environment (the image fields go unused).
 */
export function jobContainer(
  spec: Pick<TrainingSpec, 'executor' | 'image' | 'dockerfile' | 'requirements'>,
  src: string,
  dockerEnv?: DockerEnv,
  serverEnv: NodeJS.ProcessEnv = process.env,
): JobContainer {
  if (!runsInContainer(spec)) return { serverEnv, env: {}, fields: imageFields(spec, src) };
  return {
    serverEnv: containerServerEnv(serverEnv),
    env: dockerEnvVariables(dockerEnv, serverEnv),
    fields: { ...imageFields(spec, src, dockerEnv), volumes: containerVolumes(dockerEnv) },
  };
}

/** The image a training names, or the build that makes it; `src` is the source folder the paths start from. */
export function imageFields(spec: Pick<TrainingSpec, 'image' | 'dockerfile' | 'requirements'>, src: string, dockerEnv?: DockerEnv): ImageFields {
  const image = spec.image ?? dockerEnv?.image;
  return {
    ...(image !== undefined && { image }),
    ...((spec.dockerfile !== undefined || spec.requirements !== undefined) && {
      build: { context: src, ...(spec.dockerfile && { dockerfile: spec.dockerfile }), ...(spec.requirements && { requirements: spec.requirements }) },
    }),
  };
}

/**
 * Mounts besides the workspace: the MLproject's docker_env volumes, and Trainyard's Python module
 * (read-only, at its own path, so the PYTHONPATH the environment names works inside).
 */
export function containerVolumes(dockerEnv?: DockerEnv): string[] {
  return [...(dockerEnv?.volumes ?? []), `${PYTHON_CLIENT_DIR}:${PYTHON_CLIENT_DIR}:ro`];
}

/**
 * The server variables a container inherits: locale and time zone only. PATH comes from the
 * image; HOME is a folder every user may write to.
 */
export function containerServerEnv(serverEnv: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { HOME: '/tmp' };
  for (const name of ['LANG', 'LC_ALL', 'TZ']) if (serverEnv[name] !== undefined) env[name] = serverEnv[name];
  return env;
}

/** docker_env `environment`: a name copies the server's value (when it has one), a pair sets one. */
export function dockerEnvVariables(dockerEnv: DockerEnv | undefined, serverEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of dockerEnv?.environment ?? []) {
    if (typeof item === 'string') {
      const value = serverEnv[item];
      if (value !== undefined) out[item] = value;
    } else out[item[0]] = item[1];
  }
  return out;
}
