/**
 * The connection to a Docker daemon, opened on first use so that a server on a machine without
 * Docker starts and serves everything else; only a docker job then fails, saying how to get one.
 */
import type Docker from 'dockerode';
import { TrainyardError } from '../../errors.js';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

const HOW_TO_GET_DOCKER =
  'start dockerd (Debian: apt-get install docker.io, then run dockerd as root), or point DOCKER_HOST (setting dockerHost) at a running daemon';

/** An error from dockerode: a socket error, or an HTTP answer of the daemon. */
interface DockerodeError extends Error {
  code?: string;
  statusCode?: number;
  reason?: string;
  json?: { message?: string } | null;
}

export class DockerClient {
  /** Where the daemon is expected, as DOCKER_HOST writes it. */
  readonly address: string;
  private docker: Promise<Docker> | undefined;

  constructor(host: string | undefined = process.env.DOCKER_HOST) {
    this.address = host && host !== '' ? host : DEFAULT_DOCKER_HOST;
  }

  /** The API client; dockerode (and what it pulls in) loads on first use, not with the server. */
  api(): Promise<Docker> {
    this.docker ??= import('dockerode').then((m) => new m.default(connectionOptions(this.address)));
    return this.docker;
  }

  /** Fails with a clear message when no daemon answers. */
  async ping(): Promise<void> {
    try {
      await (await this.api()).ping();
    } catch (err) {
      throw this.error(err, 'reach the Docker daemon');
    }
  }

  /**
   * A TrainyardError for something that went wrong while doing `what`: an unreachable daemon says
   * where it was looked for and how to get one; a refusal by the daemon carries its own message.
   */
  error(err: unknown, what: string): TrainyardError {
    if (err instanceof TrainyardError) return err;
    const e = err as DockerodeError;
    if (isConnectionError(e)) {
      return new TrainyardError('TEMPORARILY_UNAVAILABLE', `cannot reach the Docker daemon at ${this.address} to ${what} (${e.code ?? e.message}): ${HOW_TO_GET_DOCKER}`);
    }
    return new TrainyardError(e.statusCode === 404 ? 'RESOURCE_DOES_NOT_EXIST' : 'INTERNAL_ERROR', `could not ${what}: ${daemonMessage(e)}`);
  }
}

export function isConnectionError(err: unknown): boolean {
  const code = (err as DockerodeError | undefined)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH';
}

export function statusCodeOf(err: unknown): number | undefined {
  return (err as DockerodeError | undefined)?.statusCode;
}

/** The daemon's own words for a refusal, without dockerode's "(HTTP code 404) no such container -" wrapping. */
export function daemonMessage(err: unknown): string {
  const e = err as DockerodeError;
  const text = e.json?.message ?? (typeof e.json === 'string' ? e.json : undefined) ?? e.message ?? String(err);
  return String(text).trim();
}

function connectionOptions(address: string): Docker.DockerOptions {
  const url = new URL(address);
  switch (url.protocol) {
    case 'unix:':
      return { socketPath: url.pathname };
    case 'tcp:':
    case 'http:':
      return { protocol: 'http', host: url.hostname, port: Number(url.port || 2375) };
    case 'https:':
      return { protocol: 'https', host: url.hostname, port: Number(url.port || 2376) };
    default:
      throw new TrainyardError('INVALID_PARAMETER_VALUE', `dockerHost '${address}': use unix:///path/to/docker.sock or tcp://host:port`);
  }
}
