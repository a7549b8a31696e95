/**
 * Which image a job runs in: one named as is, one built from a Dockerfile in the job's source,
 * or a base image with a pip requirements file installed on top.
 */
import { invalid } from '../../errors.js';
import type { ExecJob } from '../types.js';

export type ImageSource =
  | { kind: 'image'; image: string }
  | ({ kind: 'dockerfile'; dockerfile: string } & BuildContext)
  | ({ kind: 'requirements'; requirements: string; base: string } & BuildContext);

export interface BuildContext {
  /** The folder the build reads from. */
  context: string;
  /**
   * File and folder names that are never part of it (at any depth). A training's workspace
   * already lacks them; `trainyard image build` reads the source folder itself and must see what
   * the training will, to arrive at the same tag.
   */
  skipNames?: readonly string[];
}

/** Built images are tagged `trainyard/build:<content hash>`; `image list/prune` look for this name. */
export const BUILD_REPOSITORY = 'trainyard/build';

export interface ImageInputs {
  image?: string | undefined;
  build?: (NonNullable<ExecJob['build']> & Pick<BuildContext, 'skipNames'>) | undefined;
}

export function imageSourceOf(job: ImageInputs, defaultImage?: string): ImageSource {
  const image = job.image ?? defaultImage;
  const build = job.build;
  const context: BuildContext = build ? { context: build.context, ...(build.skipNames && { skipNames: build.skipNames }) } : { context: '' };
  if (build?.dockerfile !== undefined) return { kind: 'dockerfile', dockerfile: build.dockerfile, ...context };
  if (build?.requirements !== undefined) {
    if (image === undefined) {
      throw invalid(`spec.requirements: the docker executor installs '${build.requirements}' on top of spec.image, but no image is given (set spec.image, or the dockerImage setting)`);
    }
    return { kind: 'requirements', requirements: build.requirements, base: image, ...context };
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
