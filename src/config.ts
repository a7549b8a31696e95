import { existsSync, readFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { invalid } from './errors.js';

/**
 * Trainyard's settings. Precedence: command-line flag > TRAINYARD_* environment variable >
 * config file (`--config`, TRAINYARD_CONFIG, or `$TRAINYARD_HOME/config.yaml`) > default.
 */
export interface Config {
  home: string;
  host: string;
  port: number;
  backendStoreUri: string;
  artifactsDestination: string;
  /** S3-compatible endpoint for s3:// artifact stores (MinIO, s3rver, ...). */
  s3EndpointUrl: string | undefined;
  logLevel: string;
  /** Largest JSON request body, bytes. Artifact uploads stream and are not bound by it. */
  bodyLimit: number;
  /** CPU this machine offers to jobs ("8", "7500m"); default: every core. */
  capacityCpu: string | undefined;
  /** Memory this machine offers to jobs ("16Gi"); default: all of it. */
  capacityMemory: string | undefined;
  /** GPU indices jobs may use ("0,1", or "none"); default: what nvidia-smi lists. */
  gpus: string | undefined;
  /** This dispatcher's name in the job queue; stable across restarts so it reattaches its jobs. */
  workerId: string | undefined;
  /** Seconds between SIGTERM and SIGKILL when a job is cancelled or times out. */
  cancelGraceSeconds: number;
  /** Seconds without a heartbeat after which another worker takes over a job. */
  jobStaleSeconds: number;
  /** The tracking URI trainings are given (default: this server's own address). */
  trackingUri: string | undefined;
  /** Bearer token for privileged API calls (the decrypted connection read); default: one generated into `$TRAINYARD_HOME/admin.token`. */
  adminToken: string | undefined;
  /** Largest source archive (.tar.gz) accepted by POST /api/v1/sources, bytes as sent. */
  sourceUploadLimit: number;
  /** Where the Docker daemon listens, as DOCKER_HOST writes it; default: DOCKER_HOST, else unix:///var/run/docker.sock. */
  dockerHost: string | undefined;
  /** Network of training containers: `host` (they reach a server on loopback), `bridge`, or a user-defined network. */
  dockerNetwork: string;
  /** User training containers run as: `uid:gid`, a name, or `image` for the image's own; default: the server's uid:gid. */
  dockerUser: string | undefined;
  /** Image for docker trainings that name none. */
  dockerImage: string | undefined;
  /** Keep the containers of docker jobs that did not succeed, to look into them (remove them by hand). */
  dockerKeepFailed: boolean;
}

type Key = keyof Config;
const NUMERIC: ReadonlySet<Key> = new Set(['port', 'bodyLimit', 'cancelGraceSeconds', 'jobStaleSeconds', 'sourceUploadLimit']);
const BOOLEAN: ReadonlySet<Key> = new Set(['dockerKeepFailed']);

/** Environment variables per setting; the first one set wins. MLflow's own names are honoured too. */
const ENV: Partial<Record<Key, string[]>> = {
  host: ['TRAINYARD_HOST'],
  port: ['TRAINYARD_PORT'],
  backendStoreUri: ['TRAINYARD_BACKEND_STORE_URI', 'MLFLOW_BACKEND_STORE_URI'],
  artifactsDestination: ['TRAINYARD_ARTIFACTS_DESTINATION', 'MLFLOW_ARTIFACTS_DESTINATION'],
  s3EndpointUrl: ['TRAINYARD_S3_ENDPOINT_URL', 'MLFLOW_S3_ENDPOINT_URL'],
  logLevel: ['TRAINYARD_LOG_LEVEL'],
  bodyLimit: ['TRAINYARD_BODY_LIMIT'],
  capacityCpu: ['TRAINYARD_CAPACITY_CPU'],
  capacityMemory: ['TRAINYARD_CAPACITY_MEMORY'],
  gpus: ['TRAINYARD_GPUS'],
  workerId: ['TRAINYARD_WORKER_ID'],
  cancelGraceSeconds: ['TRAINYARD_CANCEL_GRACE_SECONDS'],
  jobStaleSeconds: ['TRAINYARD_JOB_STALE_SECONDS'],
  trackingUri: ['TRAINYARD_TRACKING_URI'],
  adminToken: ['TRAINYARD_ADMIN_TOKEN'],
  sourceUploadLimit: ['TRAINYARD_SOURCE_UPLOAD_LIMIT'],
  dockerHost: ['TRAINYARD_DOCKER_HOST', 'DOCKER_HOST'],
  dockerNetwork: ['TRAINYARD_DOCKER_NETWORK'],
  dockerUser: ['TRAINYARD_DOCKER_USER'],
  dockerImage: ['TRAINYARD_DOCKER_IMAGE'],
  dockerKeepFailed: ['TRAINYARD_DOCKER_KEEP_FAILED'],
};

export type ConfigOverrides = Partial<{ [K in Key]: Config[K] }> & { config?: string };

export function loadConfig(flags: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const home = resolve(flags.home ?? env.TRAINYARD_HOME ?? '.trainyard');
  const file = readConfigFile(flags.config ?? env.TRAINYARD_CONFIG ?? join(home, 'config.yaml'), Boolean(flags.config ?? env.TRAINYARD_CONFIG));
  const defaults: Config = {
    home,
    host: '127.0.0.1',
    port: 5000,
    backendStoreUri: `sqlite:///${join(home, 'trainyard.db')}`,
    artifactsDestination: join(home, 'artifacts'),
    s3EndpointUrl: undefined,
    logLevel: 'info',
    bodyLimit: 16 * 1024 * 1024,
    capacityCpu: undefined,
    capacityMemory: undefined,
    gpus: undefined,
    workerId: undefined,
    cancelGraceSeconds: 10,
    jobStaleSeconds: 60,
    trackingUri: undefined,
    adminToken: undefined,
    sourceUploadLimit: 1024 ** 3,
    dockerHost: undefined,
    dockerNetwork: 'host',
    dockerUser: undefined,
    dockerImage: undefined,
    dockerKeepFailed: false,
  };
  const out: Record<string, unknown> = { ...defaults };
  for (const key of Object.keys(defaults) as Key[]) {
    if (key === 'home') continue;
    const fromFlag = flags[key];
    const fromEnv = ENV[key]?.map((name) => env[name]).find((v) => v !== undefined && v !== '');
    const fromFile = file[key];
    const value = fromFlag ?? fromEnv ?? fromFile;
    if (value === undefined) continue;
    out[key] = NUMERIC.has(key) ? toNumber(key, value) : BOOLEAN.has(key) ? toBoolean(key, value) : String(value);
  }
  return out as unknown as Config;
}

function toNumber(key: string, value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw invalid(`Setting '${key}' must be a number, got '${String(value)}'`);
  return n;
}

function toBoolean(key: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  throw invalid(`Setting '${key}' must be true or false, got '${String(value)}'`);
}

function readConfigFile(path: string, required: boolean): Record<string, unknown> {
  if (!existsSync(path)) {
    if (required) throw invalid(`Config file '${path}' does not exist`);
    return {};
  }
  const parsed: unknown = parseYaml(readFileSync(path, 'utf8'));
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalid(`Config file '${path}' must hold a mapping of settings`);
  }
  return parsed as Record<string, unknown>;
}
