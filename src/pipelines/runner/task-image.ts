/**
 * The image a task runs in, for its job and for its cache key. A docker task names an image, or
 * builds one from a Dockerfile or a pip requirements file in its work directory. The build context
 * is that folder of the stored source snapshot, not the prepared workspace: the image depends on
 * the source alone, upstream data never enters a build, and the tag the key saw is the one built.
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageIdentity, ImageInputs } from '../../executors/docker/index.js';
import { invalid } from '../../errors.js';
import { hashFile } from '../../trainings/sources/tree.js';
import type { RenderedTask } from '../spec/render.js';

/** What the key asks of the Docker executor: an image's id or a build's tag, without pulling or building. */
export interface ImageIdentifier {
  identifyImage(job: ImageInputs): Promise<ImageIdentity>;
}

/** The image fields jobContainer takes for a command or entry point task. */
export function taskImageSpec(r: RenderedTask): { executor: RenderedTask['task']['executor']; image?: string; dockerfile?: string; requirements?: string } {
  return {
    executor: r.task.executor,
    ...(r.image !== undefined && { image: r.image }),
    ...(r.dockerfile !== undefined && { dockerfile: r.dockerfile }),
    ...(r.requirements !== undefined && { requirements: r.requirements }),
  };
}

function builds(r: RenderedTask): boolean {
  return r.dockerfile !== undefined || r.requirements !== undefined;
}

/**
 * The folder a task's image is built from: its work directory in the source snapshot. Refused,
 * naming the field, when the pipeline has no source to build from.
 */
export function buildContext(r: RenderedTask, snapshotRoot: string | undefined): string | undefined {
  if (!builds(r)) return undefined;
  if (snapshotRoot === undefined) {
    const field = r.dockerfile !== undefined ? 'dockerfile' : 'requirements';
    throw invalid(`tasks.${r.task.name}.${field}: the pipeline has no source folder to read '${r[field]}' from`);
  }
  return r.task.workDir === '.' ? snapshotRoot : join(snapshotRoot, ...r.task.workDir.split('/'));
}

/**
 * The environment part of a command or entry point task's key. Other executors: executor and
 * image tag. Docker: also the content of its Dockerfile or requirements file, and what the daemon
 * says the image is (a named image's id, a build's content-hash tag, which covers its base images
 * and the files it copies). When the daemon cannot tell, the key keeps the tag and file contents,
 * and `notes` says so.
 */
export async function taskEnvironment(r: RenderedTask, snapshotRoot: string | undefined, images: ImageIdentifier | undefined): Promise<{ value: unknown; notes: string[] }> {
  const { task } = r;
  const value: Record<string, unknown> = { executor: task.executor, image: r.image ?? null };
  if (task.executor !== 'docker') return { value, notes: [] };
  const context = buildContext(r, snapshotRoot);
  for (const key of ['dockerfile', 'requirements'] as const) {
    const path = r[key];
    if (path !== undefined && context !== undefined) value[key] = { path, digest: await fileDigest(join(context, ...path.split('/')), `tasks.${task.name}.${key}`, path, task.workDir) };
  }
  // An entry point without an image of its own runs in its MLproject's docker_env image, which the code part covers.
  if (!builds(r) && r.image === undefined && r.run.kind === 'entrypoint') return { value, notes: [] };
  const what = builds(r) ? `the ${r.dockerfile !== undefined ? 'Dockerfile' : 'requirements file'}'s content` : `the image tag '${r.image ?? '(the default image)'}'`;
  if (!images) return { value, notes: [`environment: keyed by ${what}; no Docker executor to ask for the image's identity`] };
  const job: ImageInputs = {
    image: r.image,
    ...(context !== undefined && { build: { context, ...(r.dockerfile !== undefined && { dockerfile: r.dockerfile }), ...(r.requirements !== undefined && { requirements: r.requirements }) } }),
  };
  const identity = await images.identifyImage(job);
  if ('id' in identity) return { value: { ...value, id: identity.id }, notes: [] };
  return { value, notes: [`environment: keyed by ${what} only, as the Docker daemon could not tell the image's identity (${identity.unknown})`] };
}

async function fileDigest(abs: string, field: string, path: string, workDir: string): Promise<string> {
  const st = await lstat(abs).catch(() => undefined);
  if (!st?.isFile()) throw invalid(`${field}: '${path}' is not a file in the task's work directory ('${workDir}') of the pipeline source`);
  return hashFile(abs);
}
