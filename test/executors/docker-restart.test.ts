/**
 * Docker jobs across a server restart, simulated as in the local executor's restart tests: one
 * dispatcher stops (its containers keep running, their rows stay as they are) and a new one,
 * with a new executor, starts over the same database.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerExecutor } from '../../src/executors/docker/index.js';
import type { DispatcherOptions } from '../../src/jobs/dispatcher.js';
import { isTerminal } from '../../src/jobs/types.js';
import { eventually } from '../support/processes.js';
import { recordEvents, useJobTestEnv } from '../jobs/harness.js';
import { containerRunning, containersOfJob, docker, removeTestContainers, requireDocker, TEST_IMAGE } from './docker-support.js';

const PREFIX = `dkr-${randomBytes(3).toString('hex')}`;

describe('Docker jobs across a dispatcher restart', () => {
  const env = useJobTestEnv('sqlite');
  let n = 0;
  beforeAll(requireDocker);
  afterAll(() => removeTestContainers(PREFIX));

  const dispatcher = (options: Partial<DispatcherOptions> = {}) => env.dispatcher({ executors: [new DockerExecutor({ pollMs: 50 })], ...options });
  const amounts = { millicores: 500, bytes: 128 * 2 ** 20, gpus: 0 };
  const dockerJob = (script: string) => ({ ...env.job(script, { image: TEST_IMAGE, limits: amounts, requests: amounts }), id: `${PREFIX}-${++n}` });
  const running = (id: string) =>
    eventually(`job ${id} running`, async () => {
      const job = await env.queue.require(id);
      if (isTerminal(job.state)) throw new Error(`job ${id} ended before it was seen running: ${job.message}`);
      return job.state === 'running';
    });
  const output = (path: string) => readFileSync(path, 'utf8').replace(/^\[trainyard\] .*\n/gm, '');

  it('reattaches to a container that kept running, copies the rest of its output, records its real exit code and removes it', async () => {
    const first = dispatcher();
    await first.start();
    const job = await first.enqueue(dockerJob('echo before; while [ ! -e gate ]; do sleep 0.05; done; echo after; exit 7'), 'docker');
    await running(job.id);
    await eventually('the first line', () => output(job.spec.logPath) === 'before\n');
    await first.stop();
    const containerId = String((await env.queue.require(job.id)).handle!.ref.containerId);
    expect(await containerRunning(containerId)).toBe(true);

    const second = dispatcher();
    const ev = recordEvents(second);
    await second.start();
    writeFileSync(join(env.dir, 'gate'), '');
    const done = await ev.finished(job.id);
    expect(done).toMatchObject({ state: 'failed', exitCode: 7, reason: 'failed', message: 'exited with code 7' });
    expect(output(job.spec.logPath)).toBe('before\nafter\n');
    await eventually('the container to be removed', async () => (await containersOfJob(job.id)).length === 0);
  }, 90_000);

  it('fails as lost, saying why, a job whose container was removed while no dispatcher ran', async () => {
    const first = dispatcher();
    await first.start();
    const job = await first.enqueue(dockerJob('sleep 300'), 'docker');
    await running(job.id);
    await first.stop();
    await docker.getContainer(String((await env.queue.require(job.id)).handle!.ref.containerId)).remove({ force: true });

    const second = dispatcher();
    const ev = recordEvents(second);
    await second.start();
    const done = await ev.finished(job.id);
    expect(done).toMatchObject({ state: 'failed', reason: 'lost', exitCode: null });
    expect(done.message).toMatch(/^container trainyard-.* no longer exists/);
  }, 90_000);

  it("finds by its label the container of a job whose handle was never recorded", async () => {
    const queued = await env.queue.enqueue(dockerJob('echo recovered; exit 4'), 'docker');
    const claimed = (await env.queue.claim(queued, 'worker-a', []))!;
    await new DockerExecutor().start(claimed.spec); // the server died right after starting it

    const d = dispatcher();
    const ev = recordEvents(d);
    await d.start();
    expect(await ev.finished(queued.id)).toMatchObject({ state: 'failed', exitCode: 4, message: 'exited with code 4' });
    expect(output(claimed.spec.logPath)).toBe('recovered\n');
  }, 90_000);

  it('cancel stops the container: SIGTERM, then SIGKILL after the grace period', async () => {
    const d = dispatcher({ graceMs: 500 });
    const ev = recordEvents(d);
    await d.start();
    const job = await d.enqueue(dockerJob("trap '' TERM; echo ready; while :; do sleep 0.1; done"), 'docker');
    await running(job.id);
    await eventually('the program to be ready', () => output(job.spec.logPath) === 'ready\n');
    await d.cancel(job.id);
    expect(await ev.finished(job.id)).toMatchObject({ state: 'cancelled', reason: 'cancelled', message: 'cancelled on request (killed by signal SIGKILL)' });
  }, 90_000);
});
