/**
 * The one interface every execution backend implements. An executor runs a prepared job and
 * reports on it; it never touches the database (the dispatcher does). A job's output, whatever
 * the backend, is appended to the job's log file on the host, which is what the dispatcher tails
 * for live logs and `::metric` lines.
 */

export interface JobResources {
  millicores: number;
  bytes: number;
  gpus: number;
}

export interface ExecJob {
  /** Unique per attempt; executors use it in names and labels (container, Slurm job, pod). */
  id: string;
  /** The training or pipeline task this job runs, for labels and messages. */
  owner: { kind: 'training' | 'pipeline-task'; id: string };
  /** The program and its arguments; no shell unless argv says so (e.g. ['/bin/sh', '-c', cmd]). */
  argv: string[];
  /** Host folder the program starts in (the workspace's work directory). */
  cwd: string;
  /** Host folder holding the whole workspace (source, data, output); executors that isolate mount it. */
  workspace: string;
  env: Record<string, string>;
  /** Host file receiving stdout and stderr, appended. */
  logPath: string;
  /** Limits to enforce where the backend can (docker, slurm, kubernetes). */
  limits: JobResources;
  /** What admission reserved for the job. */
  requests: JobResources;
  /** GPU indices reserved for this job by local admission (local executor sets CUDA_VISIBLE_DEVICES). */
  gpuIds: string[];
  timeoutSeconds?: number;
  /** Container image, for executors that run one. */
  image?: string;
  /** Build instructions for executors that build images: Dockerfile or requirements, relative to the workspace source. */
  build?: { dockerfile?: string; requirements?: string; context: string };
  /** Extra bind mounts for container executors, as `docker run -v` writes them: `host:container[:mode]`. */
  volumes?: string[];
}

/** What an executor needs to find a job again, also after a server restart. JSON-serialisable. */
export interface ExecHandle {
  executor: string;
  ref: Record<string, string | number | boolean | null>;
}

export type ExitReason = 'completed' | 'failed' | 'cancelled' | 'timeout' | 'oom' | 'lost';

export interface ExitInfo {
  /** The program's exit code, when it exited by itself. */
  exitCode: number | null;
  reason: ExitReason;
  /** One line for people: what happened, e.g. "exited with code 3", "killed: exceeded its 1Gi memory limit". */
  message: string;
}

export type ExecStatus = { state: 'running' } | { state: 'exited'; exit: ExitInfo };

export interface Executor {
  readonly name: string;
  /**
   * Whether jobs consume this machine's CPU, memory and GPUs, so the dispatcher admits them
   * against its capacity (default true; false for Slurm and Kubernetes, which schedule elsewhere).
   */
  readonly usesHostResources?: boolean;
  start(job: ExecJob): Promise<ExecHandle>;
  status(handle: ExecHandle): Promise<ExecStatus>;
  /** Resolves when the job ends (also for a job started by an earlier server process). */
  wait(handle: ExecHandle, signal?: AbortSignal): Promise<ExitInfo>;
  /** Asks the job to stop (SIGTERM or equivalent), then forces it after `graceMs`. */
  cancel(handle: ExecHandle, graceMs: number): Promise<void>;
  /**
   * Finds a job whose handle was never recorded (the server died between start and recording it),
   * e.g. from a file beside the log or a container label; null when it never started.
   */
  recover?(job: ExecJob): Promise<ExecHandle | null>;
  /** Releases what the job left behind (containers, temporary files) once its result is collected. */
  cleanup?(handle: ExecHandle, keep: boolean): Promise<void>;
}
