/**
 * An embedded command and a server on the same machine are different workers: when the command is
 * killed, the live server takes over its jobs once their heartbeats stop, instead of taking them
 * for its own (never followed, kept alive by its heartbeats) until it restarts.
 */
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/backends.js';
import { eventually } from '../support/processes.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { waitForState } from '../trainings/support.js';
import { buildCli, variant, type Cli } from './support.js';

let cli: Cli;
beforeAll(async () => {
  cli = await buildCli();
});
afterAll(() => cli?.close());

describe.each(BACKENDS)('an embedded command killed while a server runs, on %s', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    // Too little CPU for the training's 500m request: the server never claims it, the command does.
    server = await startTestServer(backend, { jobStaleSeconds: 2, capacityCpu: '100m' });
  });
  afterAll(async () => {
    writeFileSync(join(cli.dir, `release-${backend}`), '');
    await server?.close();
  });

  it('leaves its running job to the server, which takes it over after the stale interval and settles the training', { timeout: 90_000 }, async () => {
    const id = `orphan-${backend}`;
    const release = join(cli.dir, `release-${backend}`);
    const file = variant(cli, id, `echo waiting; while [ ! -e ${release} ]; do sleep 0.1; done; echo released`);
    const env = { TRAINYARD_HOME: server.home, TRAINYARD_BACKEND_STORE_URI: server.services.config.backendStoreUri };
    const killed = await cli.run(['train', 'create', '-f', file], { env, interruptWhen: /^waiting$/m, interruptWith: 'SIGKILL' });
    expect(killed.code, killed.stderr).toBeNull();

    const { dispatcher } = server.services;
    // The server keeps the id it reattaches its own jobs by after a restart.
    expect(dispatcher.workerId).toBe(hostname());
    const jobId = (await server.services.trainings.repo.get(id))!.job_id!;
    const orphan = (await dispatcher.queue.get(jobId))!;
    // The program can print before the command records its handle: killed in between, the job is
    // still 'starting', and the server finds the process through the handle file the executor wrote.
    expect(['starting', 'running']).toContain(orphan.state);
    expect(orphan.worker).toMatch(new RegExp(`^${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:cli:\\d+$`));

    await eventually('the server taking the job over', async () => (await dispatcher.queue.get(jobId))?.worker === dispatcher.workerId, 30_000);
    writeFileSync(release, '');
    const done = await waitForState(server.services.trainings, id, undefined, 30_000);
    expect(done.status, JSON.stringify(done.status)).toMatchObject({ state: 'succeeded', exitCode: 0 });
    let log = '';
    for await (const chunk of server.services.trainings.logs(id)) log += chunk.toString();
    expect(log).toMatch(/^waiting\nreleased$/m);
  });
});
