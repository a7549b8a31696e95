/**
 * The Docker executor as the configuration describes it. Creating it connects to nothing: a
 * server on a machine without Docker starts, and only docker jobs fail, saying how to get it.
 */
import { join } from 'node:path';
import type { Config } from '../../config.js';
import { DockerExecutor } from './executor.js';

export type DockerSettings = Pick<Config, 'home' | 'dockerHost' | 'dockerNetwork' | 'dockerUser' | 'dockerImage' | 'dockerKeepFailed' | 'cancelGraceSeconds'>;

/** Where last-use records of built images live (`trainyard image list/prune` read them). */
export function imageUsageDir(home: string): string {
  return join(home, 'docker', 'images');
}

export function dockerExecutorFor(config: DockerSettings): DockerExecutor {
  return new DockerExecutor({
    host: config.dockerHost,
    network: config.dockerNetwork,
    user: config.dockerUser,
    defaultImage: config.dockerImage,
    keepFailed: config.dockerKeepFailed,
    stateDir: imageUsageDir(config.home),
    graceMs: config.cancelGraceSeconds * 1000,
  });
}
