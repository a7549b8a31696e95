/**
 * What the Docker tests need: a daemon that answers and the base image (a minimal Debian with
 * python3 and scikit-learn, built without pulling by .ci/docker-base-image.sh). Missing either,
 * the tests fail and say how to get it; they never skip.
 */
import Docker from 'dockerode';
import { eventually } from '../support/processes.js';

export const TEST_IMAGE = process.env.TRAINYARD_TEST_DOCKER_IMAGE || 'trainyard/python-base:bookworm';

const HOW =
  'The Docker tests need a running Docker daemon and the image ' +
  `${TEST_IMAGE}. As root: apt-get install docker.io debootstrap, then run .ci/docker-base-image.sh ` +
  '(it starts dockerd when none answers and builds the image from a debootstrapped Debian, no registry needed), ' +
  'or point DOCKER_HOST at a daemon that has it and set TRAINYARD_TEST_DOCKER_IMAGE.';

export const docker = new Docker(process.env.DOCKER_HOST?.startsWith('unix://') ? { socketPath: new URL(process.env.DOCKER_HOST).pathname } : undefined);

/** Fails (with how to fix it) unless the daemon answers and has the test image. */
export async function requireDocker(): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    throw new Error(`No Docker daemon answers (${(err as Error).message}). ${HOW}`);
  }
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch {
    throw new Error(`The Docker daemon has no image ${TEST_IMAGE}. ${HOW}`);
  }
}

/** Containers carrying the label `trainyard.job=<id>`, running or not. */
export async function containersOfJob(jobId: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`trainyard.job=${jobId}`] } });
}

/** Removes every container a test left behind (its jobs' ids start with `prefix`). */
export async function removeTestContainers(prefix: string): Promise<void> {
  const all = await docker.listContainers({ all: true, filters: { label: ['trainyard.job'] } });
  for (const c of all) {
    if (c.Labels['trainyard.job']?.startsWith(prefix)) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  }
}

export async function removeImage(ref: string): Promise<void> {
  await docker.getImage(ref).remove({ force: true }).catch(() => undefined);
}

export async function containerRunning(id: string): Promise<boolean> {
  try {
    return (await docker.getContainer(id).inspect()).State.Running;
  } catch {
    return false;
  }
}

export function waitUntilRunning(id: string): Promise<true> {
  return eventually(`container ${id.slice(0, 12)} running`, () => containerRunning(id));
}

/** The uid:gid files written by a container should carry (the test process's own). */
export function ownIds(): string {
  return `${process.getuid!()}:${process.getgid!()}`;
}
