/**
 * `trainyard image build|list|prune`: the images the Docker executor builds and caches by content
 * hash. They talk to the Docker daemon on this machine (DOCKER_HOST or dockerHost), not to a server.
 */
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import type { CachedImage } from '../../executors/docker/cache.js';
import type { ImageInputs } from '../../executors/docker/image-source.js';
import { parseDuration } from '../../trainings/manifest/duration.js';
import { CliError } from '../errors.js';
import { documentsOf, readManifests } from '../manifests.js';
import { formatAge, OUTPUT_HELP, parseOutputFormat, render, type Column } from '../output.js';
import { say } from './common.js';

const DEFAULT_OLDER_THAN = '7d';

const COLUMNS: Column<CachedImage>[] = [
  { header: 'IMAGE', value: (i) => i.tag },
  { header: 'SIZE', value: (i) => formatSize(i.size) },
  { header: 'CREATED', value: (i, now) => `${formatAge(now - i.created)} ago` },
  { header: 'LAST USED', value: (i, now) => (i.lastUsed === null ? 'never' : `${formatAge(now - i.lastUsed)} ago`) },
  { header: 'CONTAINERS', value: (i) => String(i.containers) },
];

export function registerImageCommand(program: Command): void {
  const image = program.command('image').description('Images the Docker executor builds (tagged trainyard/build:<content hash>)');

  image
    .command('build')
    .description("Build (or find in the cache) the image a training's manifest runs in with the docker executor")
    .requiredOption('-f, --file <file>', 'manifest file (YAML or JSON) whose source is a local folder')
    .option('--id <id>', 'which training of the file (needed when it holds several)')
    .action(async (opts: { file: string; id?: string }) => {
      const { loadConfig, consoleSink, dockerExecutorFor, imageSourceOf } = await docker();
      const config = loadConfig();
      const executor = dockerExecutorFor(config);
      const source = imageSourceOf(await imageInputs(opts.file, opts.id), config.dockerImage);
      const resolved = await executor.images.resolve(source, consoleSink);
      say(source.kind === 'image' ? `${resolved.ref} (${resolved.id.slice(7, 19)}): used as it is, nothing to build` : `${resolved.ref} (${resolved.cacheHit ? 'cache hit' : 'built'})`);
    });

  image
    .command('list')
    .description('List the built images: tag (with its content hash), size, when built, when a training last used it')
    .option('-o, --output <format>', OUTPUT_HELP)
    .action(async (opts: { output?: string }) => {
      const format = parseOutputFormat(opts.output);
      const { loadConfig, listCachedImages, dockerExecutorFor, ImageUsage, imageUsageDir } = await docker();
      const config = loadConfig();
      const images = await listCachedImages(dockerExecutorFor(config).client, new ImageUsage(imageUsageDir(config.home)));
      process.stdout.write(render({ list: images }, format, COLUMNS, 'No built images.'));
    });

  image
    .command('prune')
    .description('Remove built images no training used within --older-than; images any container uses are kept')
    .option('--older-than <duration>', 'unused for at least this long: e.g. 7d, 36h, 90m', DEFAULT_OLDER_THAN)
    .option('--dry-run', 'only say what would be removed')
    .action(async (opts: { olderThan: string; dryRun?: boolean }) => {
      const seconds = parseAge(opts.olderThan);
      const { loadConfig, pruneCachedImages, dockerExecutorFor, ImageUsage, imageUsageDir } = await docker();
      const config = loadConfig();
      const usage = new ImageUsage(imageUsageDir(config.home));
      const result = await pruneCachedImages(dockerExecutorFor(config).client, usage, Date.now() - seconds * 1000, opts.dryRun === true);
      for (const i of result.removed) say(`${opts.dryRun ? 'would remove' : 'removed'} ${i.tag} (${formatSize(i.size)})`);
      for (const f of result.failed) say(`could not remove ${f.image.tag}: ${f.error}`);
      const bytes = result.removed.reduce((n, i) => n + i.size, 0);
      say(`${opts.dryRun ? 'would remove' : 'removed'} ${result.removed.length} image(s), ${formatSize(bytes)}; kept ${result.kept.length}`);
      if (result.failed.length > 0) process.exitCode = 1;
    });
}

/** Loaded when an image command runs, not with every CLI command. */
async function docker() {
  const [config, executor, cache] = await Promise.all([import('../../config.js'), import('../../executors/docker/index.js'), import('../../executors/docker/cache.js')]);
  return { ...config, ...executor, ...cache };
}

/** The image fields a training gets, from its manifest and its local source folder. */
async function imageInputs(file: string, id: string | undefined): Promise<ImageInputs> {
  const [{ validateManifest }, { imageFields }, { SKIPPED_NAMES }] = await Promise.all([
    import('../../trainings/manifest/validate.js'),
    import('../../trainings/container.js'),
    import('../../trainings/sources/tree.js'),
  ]);
  const trainings = documentsOf(readManifests(file, 'ModelTraining'), 'ModelTraining', file);
  const doc = id === undefined ? trainings[0] : trainings.find((d) => d.id === id);
  if (!doc) throw new CliError(`'${file}' holds no ModelTraining '${id}'`);
  if (id === undefined && trainings.length > 1) throw new CliError(`'${file}' holds ${trainings.length} trainings: say which with --id`);
  const { spec } = validateManifest(doc.body);
  const local = spec.algorithmSource?.local;
  if (!local?.path) throw new CliError(`${doc.where}: image build reads the training's source from a local folder (algorithmSource.local.path)`);
  const src = resolve(doc.baseDir, local.path);
  const dockerEnv = spec.toolchain === 'mlflow' ? await mlprojectDockerEnv(join(src, ...spec.workDir.split('/'))) : undefined;
  const fields = imageFields(spec, src, dockerEnv);
  // The same tree a training's workspace holds, so the tag comes out the same.
  return { ...fields, ...(fields.build && { build: { ...fields.build, skipNames: [...SKIPPED_NAMES] } }) };
}

async function mlprojectDockerEnv(workDir: string) {
  const { loadMLproject } = await import('../../trainings/toolchains/mlproject.js');
  const project = await loadMLproject(workDir);
  return project.environment.type === 'docker' ? project.environment.docker : undefined;
}

/** `7d`, `1d12h`, or what a timeout takes (`36h`, `90m`, seconds). */
function parseAge(text: string): number {
  const m = /^(\d+)d(.*)$/.exec(text.trim());
  const days = m ? Number(m[1]) * 86_400 : 0;
  const rest = m ? m[2]! : text;
  const seconds = rest === '' ? 0 : parseDuration(rest);
  if (seconds === undefined || days + seconds <= 0) throw new CliError(`--older-than '${text}' is not a duration: give e.g. 7d, 36h, 90m`);
  return days + seconds;
}

function formatSize(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${Math.round(bytes / 1e3)} kB`;
}
