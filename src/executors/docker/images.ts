/**
 * Getting the image a job runs in onto the daemon: a named image is used as it is (pulled when it
 * is missing); a built one is looked up by its content hash and built only when no image has
 * that tag yet. Everything it does is written to the job's log.
 */
import { invalid, TrainyardError } from '../../errors.js';
import { buildPlan, type BuildPlan } from './build-plan.js';
import { daemonMessage, statusCodeOf, type DockerClient } from './client.js';
import { contextTar } from './context.js';
import { describeSource, type ImageSource } from './image-source.js';
import type { LogSink } from './log-file.js';
import { BuildFailed, followBuild, followPull } from './progress.js';
import type { ImageUsage } from './usage.js';

export interface ResolvedImage {
  /** What the container is created from: the name as given, or the build tag. */
  ref: string;
  id: string;
  /** For built images: whether an earlier build was reused. */
  cacheHit?: boolean;
  hash?: string;
}

/**
 * What names the image a job would run in, learnt without pulling or building anything: a named
 * image's id on the daemon, or a built image's tag (its content hash). `unknown` says why it
 * cannot be known now (no daemon, an image not on this host yet), for callers that fall back.
 */
export type ImageIdentity = { id: string } | { unknown: string };

/** Raised inside identify() when a base image is not on the host: nothing is pulled to find out. */
class NotOnHost extends Error {}

export class ImageResolver {
  /** Builds in flight in this process, by tag: two jobs needing one image wait for one build. */
  private readonly building = new Map<string, Promise<ResolvedImage>>();

  constructor(
    private readonly client: DockerClient,
    private readonly usage?: ImageUsage,
  ) {}

  async resolve(source: ImageSource, log: LogSink): Promise<ResolvedImage> {
    if (source.kind === 'image') {
      const found = await this.present(source.image, 'spec.image', log);
      return { ref: source.image, id: found.id };
    }
    const plan = await buildPlan(source, (ref, where) => this.present(ref, where, log));
    const existing = await this.inspect(plan.tag);
    let resolved: ResolvedImage;
    if (existing) {
      await log.note(`image cache hit: ${plan.tag} (${describeSource(source)}); nothing to build`);
      resolved = { ref: plan.tag, id: existing.id, cacheHit: true, hash: plan.hash };
    } else {
      let pending = this.building.get(plan.tag);
      if (!pending) {
        pending = this.build(plan, source, log).finally(() => this.building.delete(plan.tag));
        this.building.set(plan.tag, pending);
      } else {
        await log.note(`waiting for the build of ${plan.tag} that another job started`);
      }
      resolved = await pending;
    }
    await this.usage?.touch(plan.hash, plan.tag);
    return resolved;
  }

  /** See ImageIdentity: base images are looked up, never pulled, and nothing is built. */
  async identify(source: ImageSource): Promise<ImageIdentity> {
    const inspectOnly = async (ref: string) => {
      const found = await this.inspect(ref);
      if (!found) throw new NotOnHost(`image ${ref} is not on this Docker host yet`);
      return found;
    };
    try {
      if (source.kind === 'image') return { id: (await inspectOnly(source.image)).id };
      return { id: (await buildPlan(source, inspectOnly)).tag };
    } catch (err) {
      if (err instanceof NotOnHost || err instanceof TrainyardError) return { unknown: err.message };
      throw err;
    }
  }

  /** The plan (tag and inputs) of a built image, without building it. */
  plan(source: Exclude<ImageSource, { kind: 'image' }>, log: LogSink): Promise<BuildPlan> {
    return buildPlan(source, (ref, where) => this.present(ref, where, log));
  }

  private async build(plan: BuildPlan, source: ImageSource, log: LogSink): Promise<ResolvedImage> {
    const bytes = plan.files.reduce((n, f) => n + f.size, 0);
    await log.note(`building image ${plan.tag} from ${describeSource(source)} (${plan.files.length} context file(s), ${bytes} bytes)`);
    const started = Date.now();
    let stream: NodeJS.ReadableStream;
    try {
      stream = await (await this.client.api()).buildImage(contextTar(plan.files), {
        t: plan.tag,
        dockerfile: plan.dockerfile,
        rm: true,
        forcerm: true,
        // No build labels: the daemon would add LABEL steps, and "step 3/6" of a 4-step Dockerfile misleads.
      });
    } catch (err) {
      throw this.client.error(err, `build ${plan.tag}`);
    }
    try {
      await followBuild(stream, log);
    } catch (err) {
      if (err instanceof BuildFailed) throw invalid(`${describeSource(source)}: ${err.message}`);
      throw this.client.error(err, `build ${plan.tag}`);
    }
    const built = await this.inspect(plan.tag);
    if (!built) throw new TrainyardError('INTERNAL_ERROR', `the build of ${plan.tag} ended without error, but the daemon has no image by that name`);
    await log.note(`built image ${plan.tag} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return { ref: plan.tag, id: built.id, cacheHit: false, hash: plan.hash };
  }

  /** The image's id, pulling it first when the daemon does not have it. */
  private async present(ref: string, where: string, log: LogSink): Promise<{ id: string; onBuild: boolean }> {
    const local = await this.inspect(ref);
    if (local) return local;
    await log.note(`image ${ref} is not on this Docker host; pulling it`);
    try {
      const stream = await (await this.client.api()).pull(ref);
      await followPull(stream, log);
    } catch (err) {
      const e = this.client.error(err, `pull ${ref}`);
      if (e.code === 'TEMPORARILY_UNAVAILABLE') throw e;
      throw invalid(`${where}: image '${ref}' is not on this Docker host and could not be pulled: ${daemonMessage(err)}`);
    }
    const pulled = await this.inspect(ref);
    if (!pulled) throw invalid(`${where}: image '${ref}' is not on this Docker host and the pull did not bring it`);
    return pulled;
  }

  private async inspect(ref: string): Promise<{ id: string; onBuild: boolean } | undefined> {
    try {
      const info = await (await this.client.api()).getImage(ref).inspect();
      return { id: info.Id, onBuild: (info.Config?.OnBuild ?? []).length > 0 };
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw this.client.error(err, `look up image ${ref}`);
    }
  }
}
