/**
 * Which image a job runs in: one named as is, one built from a Dockerfile in the job's source,
 * or a base image with a pip requirements file installed on top.
 */
import { invalid } from '../../errors.js';
import type { ExecJob } from '../types.js';

export type ImageSource =
  | { kind: 'image'; image: string }
  | { kind: 'dockerfile'; context: string; dockerfile: string }
  | { kind: 'requirements'; context: string; requirements: string; base: string };

/** Built images are tagged `trainyard/build:<content hash>`; `image list/prune` look for this name. */
export const BUILD_REPOSITORY = 'trainyard/build';

export function imageSourceOf(job: Pick<ExecJob, 'image' | 'build'>, defaultImage?: string): ImageSource {
  const image = job.image ?? defaultImage;
  if (job.build?.dockerfile !== undefined) return { kind: 'dockerfile', context: job.build.context, dockerfile: job.build.dockerfile };
  if (job.build?.requirements !== undefined) {
    if (image === undefined) {
      throw invalid(`spec.requirements: the docker executor installs '${job.build.requirements}' on top of spec.image, but no image is given (set spec.image, or the dockerImage setting)`);
    }
    return { kind: 'requirements', context: job.build.context, requirements: job.build.requirements, base: image };
  }
  if (image === undefined) {
    throw invalid('spec.image: the docker executor needs an image: set spec.image, spec.dockerfile, an MLproject docker_env, or the dockerImage setting');
  }
  return { kind: 'image', image };
}

export function describeSource(source: ImageSource): string {
  switch (source.kind) {
    case 'image':
      return `image ${source.image}`;
    case 'dockerfile':
      return `Dockerfile ${source.dockerfile}`;
    case 'requirements':
      return `${source.requirements} installed on top of ${source.base}`;
  }
}
