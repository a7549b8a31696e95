/**
 * What an image build takes in, and the content hash that names its result: the Dockerfile text,
 * the ids of the images it starts from, and the context files it copies (content and executable
 * bit). The same inputs give the same tag, so an unchanged project builds nothing.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { invalid } from '../../errors.js';
import { contextEntry, contextFiles, fileDigest, generatedFile, selectFiles, type ContextFile } from './context.js';
import { dockerfileInputs } from './dockerfile.js';
import { BUILD_REPOSITORY, type ImageSource } from './image-source.js';
import { cleanContextPath } from './patterns.js';
import { requirementsDockerfile, requirementsSources } from './requirements.js';

/** Bumped when the way images are built changes, so older cached images are not taken for new ones. */
const RECIPE_VERSION = 'trainyard-image-v1';
/** The name of the Dockerfile Trainyard writes into a requirements build's context. */
const GENERATED_DOCKERFILE = '.trainyard.Dockerfile';

export interface BuildPlan {
  hash: string;
  tag: string;
  /** The Dockerfile's path inside the context sent to the daemon. */
  dockerfile: string;
  /** What the daemon gets: the Dockerfile and the files the build copies. */
  files: ContextFile[];
  /** Base images as written, with the ids they resolved to. */
  bases: { ref: string; id: string }[];
}

/** Resolves an image reference to its id on the daemon (pulling it if need be). */
export type ResolveImage = (ref: string, where: string) => Promise<{ id: string; onBuild: boolean }>;

export async function buildPlan(source: Exclude<ImageSource, { kind: 'image' }>, resolve: ResolveImage): Promise<BuildPlan> {
  return source.kind === 'dockerfile' ? dockerfilePlan(source, resolve) : requirementsPlan(source, resolve);
}

async function dockerfilePlan(source: Extract<ImageSource, { kind: 'dockerfile' }>, resolve: ResolveImage): Promise<BuildPlan> {
  const name = cleanContextPath(source.dockerfile);
  if (name === '' || posix.normalize(source.dockerfile).startsWith('..')) throw invalid(`spec.dockerfile '${source.dockerfile}' must be a file inside the source`);
  let text: string;
  try {
    text = await readFile(join(source.context, name), 'utf8');
  } catch (err) {
    throw invalid(`spec.dockerfile: ${name} does not exist in the training's source (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const inputs = dockerfileInputs(text, name);
  const bases: BuildPlan['bases'] = [];
  let onBuild = false;
  for (const image of inputs.images) {
    const resolved = await resolve(image.ref, `${name} line ${image.line}`);
    bases.push({ ref: image.ref, id: resolved.id });
    onBuild ||= resolved.onBuild;
  }
  const all = await contextFiles(source.context, source.skipNames);
  // ONBUILD triggers of a base image may copy anything, as may a source that holds a variable.
  const copied = inputs.wholeContext || onBuild ? all : selectFiles(all, inputs.sources);
  const extras = (await Promise.all([name, '.dockerignore'].map((p) => contextEntry(source.context, p)))).filter((f) => f !== undefined);
  const files = unique([...extras, ...copied]);
  const hash = await contentHash({ dockerfile: text, bases, files: copied, urls: inputs.urls });
  return { hash, tag: `${BUILD_REPOSITORY}:${hash}`, dockerfile: name, files, bases };
}

async function requirementsPlan(source: Extract<ImageSource, { kind: 'requirements' }>, resolve: ResolveImage): Promise<BuildPlan> {
  const needed = await requirementsSources(source.context, source.requirements);
  const base = await resolve(source.base, 'spec.image');
  const text = requirementsDockerfile(source.base, source.requirements);
  const copied = selectFiles(await contextFiles(source.context, source.skipNames), needed);
  const bases = [{ ref: source.base, id: base.id }];
  const hash = await contentHash({ dockerfile: text, bases, files: copied, urls: [] });
  return { hash, tag: `${BUILD_REPOSITORY}:${hash}`, dockerfile: GENERATED_DOCKERFILE, files: [generatedFile(GENERATED_DOCKERFILE, text), ...copied], bases };
}

async function contentHash(inputs: { dockerfile: string; bases: BuildPlan['bases']; files: ContextFile[]; urls: string[] }): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`${RECIPE_VERSION}\n`);
  hash.update(`dockerfile ${createHash('sha256').update(inputs.dockerfile).digest('hex')}\n`);
  for (const b of inputs.bases) hash.update(`base ${b.id}\n`);
  for (const u of inputs.urls) hash.update(`url ${u}\n`);
  for (const f of [...inputs.files].sort((a, b) => (a.path < b.path ? -1 : 1))) hash.update(`file ${JSON.stringify(f.path)} ${await fileDigest(f)}\n`);
  // 32 hex digits (128 bits) name an image as surely as the full digest and keep tags readable.
  return hash.digest('hex').slice(0, 32);
}

function unique(files: ContextFile[]): ContextFile[] {
  const seen = new Set<string>();
  return files.filter((f) => !seen.has(f.path) && seen.add(f.path));
}
