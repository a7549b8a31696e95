/**
 * The container a job runs in, as the Engine API's create call takes it. The workspace is mounted
 * at its own absolute path, so the job's working directory, TRAINYARD_OUTPUT_DIR and every other
 * path it was given mean the same inside as outside.
 */
import type { ContainerCreateOptions } from 'dockerode';
import { relative, isAbsolute } from 'node:path';
import { invalid } from '../../errors.js';
import type { ExecJob } from '../types.js';

export const LABEL_JOB = 'trainyard.job';
export const LABEL_OWNER_KIND = 'trainyard.owner-kind';
/** `trainyard.training` or `trainyard.pipeline-task`, holding the owner's id. */
export const ownerLabel = (kind: ExecJob['owner']['kind']) => `trainyard.${kind}`;

/** The name containers reach the host by on a bridge network. */
export const HOST_GATEWAY_NAME = 'host.docker.internal';

export interface ContainerSettings {
  /** `host` (containers reach a server on loopback), `bridge`, or the name of a user-defined network. */
  network: string;
  /** `uid:gid` the program runs as; undefined: the image's own user. */
  user: string | undefined;
}

export function containerName(jobId: string): string {
  return `trainyard-${jobId.replace(/[^a-zA-Z0-9_.-]/g, '-')}`;
}

export function containerSpec(job: ExecJob, image: string, settings: ContainerSettings): ContainerCreateOptions {
  if (job.argv.length === 0) throw invalid('the job has no command to run');
  if (!isAbsolute(job.workspace) || !within(job.workspace, job.cwd)) {
    throw invalid(`the job's working directory '${job.cwd}' must lie inside its workspace '${job.workspace}'`);
  }
  const host = settings.network === 'host';
  const env = { ...job.env };
  if (!host && env.MLFLOW_TRACKING_URI) env.MLFLOW_TRACKING_URI = reachableFromBridge(env.MLFLOW_TRACKING_URI);
  const binds = [`${job.workspace}:${job.workspace}`, ...(job.volumes ?? [])];
  const gpus = job.gpuIds.length > 0 ? [{ Driver: 'nvidia', DeviceIDs: job.gpuIds, Capabilities: [['gpu']] }] : undefined;
  return {
    name: containerName(job.id),
    Image: image,
    // The job's argv is the whole program: the image's entrypoint would otherwise be put before it.
    Entrypoint: [job.argv[0]!],
    Cmd: job.argv.slice(1),
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    WorkingDir: job.cwd,
    ...(settings.user !== undefined && { User: settings.user }),
    Labels: {
      [LABEL_JOB]: job.id,
      [LABEL_OWNER_KIND]: job.owner.kind,
      [ownerLabel(job.owner.kind)]: job.owner.id,
    },
    Tty: false,
    OpenStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: {
      Binds: binds,
      NetworkMode: settings.network,
      ...(!host && { ExtraHosts: [`${HOST_GATEWAY_NAME}:host-gateway`] }),
      // A tiny init as PID 1 passes SIGTERM on to the program and reaps what it leaves behind.
      Init: true,
      ...(job.limits.millicores > 0 && { NanoCpus: job.limits.millicores * 1_000_000 }),
      // Swap equal to memory: the limit is the limit, not twice it.
      ...(job.limits.bytes > 0 && { Memory: job.limits.bytes, MemorySwap: job.limits.bytes }),
      ...(gpus && { DeviceRequests: gpus }),
    },
  };
}

/** A loopback tracking URI points at the host through the gateway name; others stay as they are. */
export function reachableFromBridge(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return uri;
  }
  if (!['127.0.0.1', 'localhost', '[::1]', '0.0.0.0'].includes(url.hostname)) return uri;
  url.hostname = HOST_GATEWAY_NAME;
  return url.toString().replace(/\/$/, uri.endsWith('/') ? '/' : '');
}

function within(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
