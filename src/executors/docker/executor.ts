/**
 * Runs jobs in Docker containers through the Engine API. The daemon, not this process, owns a
 * running container: the handle names it, labels name its job, and its output and exit status
 * stay with the daemon until cleanup, so a restarted server reattaches and still learns how it
 * ended. The connection to the daemon is made on first use.
 */
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { invalid } from '../../errors.js';
import type { ExecHandle, ExecJob, ExecStatus, Executor, ExitInfo } from '../types.js';
import { DockerClient, isConnectionError, statusCodeOf } from './client.js';
import { followContainerLogs, logMarkerOf } from './container-logs.js';
import { containerName, containerSpec, LABEL_JOB, type ContainerSettings } from './container-spec.js';
import { exitOfState } from './exit.js';
import { imageSourceOf, type ImageInputs, type ImageSource } from './image-source.js';
import { ImageResolver, type ImageIdentity } from './images.js';
import { LogFile } from './log-file.js';
import { ImageUsage } from './usage.js';

export interface DockerExecutorOptions {
  name?: string;
  /** Where the daemon listens, as DOCKER_HOST writes it (default: DOCKER_HOST, else the standard socket). */
  host?: string;
  /** `host` (default), `bridge`, or a user-defined network. */
  network?: string;
  /** `uid:gid` (or a user name) the program runs as; `image` for the image's own user; default: this process's uid:gid. */
  user?: string;
  /** Keep the containers of jobs that did not succeed, to look into them. */
  keepFailed?: boolean;
  /** Image for jobs that name none. */
  defaultImage?: string;
  /** Folder for the last-use records of built images (`image list/prune`). */
  stateDir?: string;
  /** Default grace between SIGTERM and SIGKILL for callers that pass none. */
  graceMs?: number;
  /** Pause between retries while the daemon cannot be reached during a wait. */
  pollMs?: number;
}

interface DockerRef {
  containerId: string;
  name: string;
  logPath: string;
  memoryBytes: number;
}

interface Follower {
  abort: AbortController;
  done: Promise<void>;
  waiters: number;
}

/** How long a container's output may keep arriving after it stopped before the copy is cut off. */
const LOG_DRAIN_MS = 10_000;
/** How long a wait survives a daemon that cannot be reached (e.g. while it restarts). */
const UNREACHABLE_LIMIT_MS = 5 * 60_000;

export class DockerExecutor implements Executor {
  readonly name: string;
  readonly usesHostResources = true;
  readonly client: DockerClient;
  readonly images: ImageResolver;
  readonly graceMs: number;
  private readonly settings: ContainerSettings;
  private readonly keepFailed: boolean;
  private readonly defaultImage: string | undefined;
  private readonly pollMs: number;
  private readonly followers = new Map<string, Follower>();
  private sweepEnded: ((jobId: string) => Promise<boolean>) | undefined;

  constructor(options: DockerExecutorOptions = {}) {
    this.name = options.name ?? 'docker';
    this.client = new DockerClient(options.host);
    this.images = new ImageResolver(this.client, options.stateDir ? new ImageUsage(options.stateDir) : undefined);
    this.settings = { network: options.network ?? 'host', user: resolveUser(options.user) };
    this.keepFailed = options.keepFailed ?? false;
    this.defaultImage = options.defaultImage;
    this.graceMs = options.graceMs ?? 10_000;
    this.pollMs = options.pollMs ?? 1000;
  }

  async start(job: ExecJob): Promise<ExecHandle> {
    this.firstUse();
    const log = new LogFile(job.logPath);
    try {
      const image = await this.images.resolve(imageSourceOf(job, this.defaultImage), log);
      const spec = containerSpec(job, image.ref, this.settings);
      const adopted = await this.leftover(job);
      if (adopted) return adopted;
      let container: Docker.Container;
      try {
        container = await (await this.client.api()).createContainer(spec);
      } catch (err) {
        throw this.client.error(err, `create the container for job ${job.id}`);
      }
      await log.note(`starting container ${spec.name} (${container.id.slice(0, 12)}) from ${image.ref}, network ${this.settings.network}${this.settings.user ? `, user ${this.settings.user}` : ''}`);
      try {
        await container.start();
      } catch (err) {
        await container.remove({ force: true }).catch(() => undefined);
        throw this.client.error(err, `start the container for job ${job.id}`);
      }
      return this.handle(job, container.id);
    } finally {
      await log.close();
    }
  }

  /** The identity of the image a job would run in (the default image filled in), without pulling or building. */
  async identifyImage(job: ImageInputs): Promise<ImageIdentity> {
    let source: ImageSource;
    try {
      source = imageSourceOf(job, this.defaultImage);
    } catch (err) {
      return { unknown: (err as Error).message };
    }
    return this.images.identify(source);
  }

  /** Finds the container of a job whose handle was never recorded, by its label. */
  async recover(job: ExecJob): Promise<ExecHandle | null> {
    this.firstUse();
    const found = await this.byLabel(job.id);
    if (!found) return null;
    // Created but never started: the server stopped in between; starting it now loses nothing.
    if (found.State === 'created') await (await this.client.api()).getContainer(found.Id).start().catch(() => undefined);
    return this.handle(job, found.Id);
  }

  async status(handle: ExecHandle): Promise<ExecStatus> {
    const ref = toRef(handle);
    const info = await this.inspect(ref);
    if (!info) return { state: 'exited', exit: gone(ref) };
    if (info.State.Running || info.State.Restarting || info.State.Paused) return { state: 'running' };
    return { state: 'exited', exit: exitOfState(info.State, ref.memoryBytes) };
  }

  async wait(handle: ExecHandle, signal?: AbortSignal): Promise<ExitInfo> {
    this.firstUse();
    const ref = toRef(handle);
    const container = (await this.client.api()).getContainer(ref.containerId);
    const follower = this.follow(ref, container);
    follower.waiters++;
    let exists: boolean;
    try {
      exists = await this.waitForExit(container, signal);
      // The output ends with the container; give the copy a moment to catch up with it.
      if (exists) await Promise.race([follower.done, sleep(LOG_DRAIN_MS, undefined, { ref: false })]);
    } finally {
      if (--follower.waiters === 0) follower.abort.abort();
      // Also when detaching: the next follower starts from what this one recorded.
      await follower.done;
    }
    if (!exists) return gone(ref);
    const info = await this.inspect(ref);
    return info ? exitOfState(info.State, ref.memoryBytes) : gone(ref);
  }

  async cancel(handle: ExecHandle, graceMs: number = this.graceMs): Promise<void> {
    const ref = toRef(handle);
    const container = (await this.client.api()).getContainer(ref.containerId);
    if (!(await this.signal(container, 'SIGTERM'))) return;
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
      await sleep(Math.min(100, Math.max(1, deadline - Date.now())));
      if (!(await this.running(ref))) return;
    }
    await this.signal(container, 'SIGKILL');
    for (let i = 0; i < 100 && (await this.running(ref)); i++) await sleep(50);
  }

  async cleanup(handle: ExecHandle, keep: boolean): Promise<void> {
    const ref = toRef(handle);
    const info = await this.inspect(ref);
    const failed = info !== undefined && (info.State.ExitCode !== 0 || info.State.OOMKilled);
    if (keep || (this.keepFailed && failed)) return;
    if (info) {
      try {
        await (await this.client.api()).getContainer(ref.containerId).remove({ force: true, v: true });
      } catch (err) {
        if (statusCodeOf(err) !== 404) throw this.client.error(err, `remove container ${ref.name}`);
      }
    }
    await rm(logMarkerOf(ref.logPath), { force: true });
  }

  /** Runs sweep(ended) in the background once this executor is first used, not at server start. */
  sweepOnFirstUse(ended: (jobId: string) => Promise<boolean>): void {
    this.sweepEnded = ended;
  }

  /**
   * Removes the containers of jobs that are over (the server stopped between recording a job's
   * end and removing its container), keeping failed ones when keepFailed says so. `ended` answers
   * from the job queue: containers of jobs it does not know (another installation's) stay.
   */
  async sweep(ended: (jobId: string) => Promise<boolean>): Promise<string[]> {
    const api = await this.client.api();
    const removed: string[] = [];
    for (const c of await api.listContainers({ all: true, filters: { label: [LABEL_JOB] } })) {
      const jobId = c.Labels[LABEL_JOB];
      if (jobId === undefined || !(await ended(jobId))) continue;
      const ref = { containerId: c.Id, name: c.Names[0]?.replace(/^\//, '') ?? c.Id, logPath: '', memoryBytes: 0 };
      const state = (await this.inspect(ref))?.State;
      if (!state || (this.keepFailed && !state.Running && (state.ExitCode !== 0 || state.OOMKilled))) continue;
      await api.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
      removed.push(ref.name);
    }
    return removed;
  }

  private firstUse(): void {
    const ended = this.sweepEnded;
    if (ended === undefined) return;
    this.sweepEnded = undefined;
    void this.sweep(ended).catch(() => undefined);
  }

  /** One copier of a container's output per container, shared by its waiters. */
  private follow(ref: DockerRef, container: Docker.Container): Follower {
    const existing = this.followers.get(ref.containerId);
    if (existing) return existing;
    const abort = new AbortController();
    const follower: Follower = {
      abort,
      waiters: 0,
      done: followContainerLogs(container, ref.logPath, abort.signal).catch(() => {
        // A lost copy costs only log lines; the exit status still comes from the daemon.
      }),
    };
    this.followers.set(ref.containerId, follower);
    void follower.done.finally(() => {
      if (this.followers.get(ref.containerId) === follower) this.followers.delete(ref.containerId);
    });
    return follower;
  }

  /** Resolves true when the container has stopped, false when it no longer exists. */
  private async waitForExit(container: Docker.Container, signal: AbortSignal | undefined): Promise<boolean> {
    let unreachableSince: number | undefined;
    for (;;) {
      signal?.throwIfAborted();
      try {
        await container.wait({ ...(signal && { abortSignal: signal }) });
        return true;
      } catch (err) {
        signal?.throwIfAborted();
        if (statusCodeOf(err) === 404) return false;
        if (!isConnectionError(err)) throw this.client.error(err, `wait for container ${container.id.slice(0, 12)}`);
        unreachableSince ??= Date.now();
        if (Date.now() - unreachableSince > UNREACHABLE_LIMIT_MS) throw this.client.error(err, `wait for container ${container.id.slice(0, 12)}`);
        await sleep(this.pollMs, undefined, signal ? { signal } : {});
      }
    }
  }

  /** Sends a signal; false when the container is already gone or stopped. */
  private async signal(container: Docker.Container, signal: 'SIGTERM' | 'SIGKILL'): Promise<boolean> {
    try {
      await container.kill({ signal });
      return true;
    } catch (err) {
      const code = statusCodeOf(err);
      if (code === 404 || code === 409) return false;
      throw this.client.error(err, `send ${signal} to container ${container.id.slice(0, 12)}`);
    }
  }

  private async running(ref: DockerRef): Promise<boolean> {
    const info = await this.inspect(ref);
    return info?.State.Running === true;
  }

  private async inspect(ref: DockerRef): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await (await this.client.api()).getContainer(ref.containerId).inspect();
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw this.client.error(err, `inspect container ${ref.name}`);
    }
  }

  private async byLabel(jobId: string): Promise<Docker.ContainerInfo | undefined> {
    try {
      const list = await (await this.client.api()).listContainers({ all: true, filters: { label: [`${LABEL_JOB}=${jobId}`] } });
      return list[0];
    } catch (err) {
      throw this.client.error(err, `look for the container of job ${jobId}`);
    }
  }

  /**
   * A container of this very job left by an interrupted start: a running one is adopted, a
   * stopped one removed so the job starts afresh under its name.
   */
  private async leftover(job: ExecJob): Promise<ExecHandle | undefined> {
    const found = await this.byLabel(job.id);
    if (!found) return undefined;
    if (found.State === 'running') return this.handle(job, found.Id);
    await (await this.client.api()).getContainer(found.Id).remove({ force: true }).catch(() => undefined);
    await rm(logMarkerOf(job.logPath), { force: true });
    return undefined;
  }

  private handle(job: ExecJob, containerId: string): ExecHandle {
    return { executor: this.name, ref: { containerId, name: containerName(job.id), logPath: job.logPath, memoryBytes: job.limits.bytes } };
  }
}

function resolveUser(user: string | undefined): string | undefined {
  if (user === 'image') return undefined;
  if (user !== undefined && user !== '') return user;
  return typeof process.getuid === 'function' ? `${process.getuid()}:${process.getgid!()}` : undefined;
}

function gone(ref: DockerRef): ExitInfo {
  return {
    exitCode: null,
    reason: 'lost',
    message: `container ${ref.name} (${ref.containerId.slice(0, 12)}) no longer exists (removed outside Trainyard?), so how the job ended is unknown`,
  };
}

function toRef(handle: ExecHandle): DockerRef {
  const { containerId, name, logPath, memoryBytes } = handle.ref;
  if (typeof containerId !== 'string' || typeof name !== 'string' || typeof logPath !== 'string' || typeof memoryBytes !== 'number') {
    throw invalid(`Not a docker executor handle: ${JSON.stringify(handle)}`);
  }
  return { containerId, name, logPath, memoryBytes };
}

