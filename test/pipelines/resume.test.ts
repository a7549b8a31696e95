/**
 * A pipeline runner killed mid-run (SIGKILL of its process): running the pipeline again
 * recomputes nothing that had finished, and the interrupted run itself is resumed by the next
 * process once the dead runner's lease goes stale.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openServices, type Services } from '../../src/services.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/backends.js';
import { REPO } from '../support/server-process.js';
import { finished, states, task } from './support.js';

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(BACKENDS)('resuming a killed pipeline runner on %s', { timeout: 120_000 }, (backend) => {
  let dir: string;
  let database: TestDatabase;
  let services: Services | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trainyard-pipeline-kill-'));
    database = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await services?.close();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('recomputes nothing that had finished, and resumes the interrupted run', async () => {
    const marks = join(dir, 'marks');
    mkdirSync(marks);
    const home = join(dir, 'home');
    // Each task appends to a file outside its workspace, so every execution is counted.
    const count = (name: string) => `echo x >> ${marks}/${name}.count`;
    const manifest = {
      kind: 'Pipeline',
      name: 'killme',
      tasks: {
        first: { command: `${count('first')}; echo one > one.txt`, outputs: ['one.txt'] },
        second: { command: `${count('second')}; echo two > two.txt`, outputs: ['two.txt'] },
        // Waits for the test to let it go, so the runner can be killed while it runs.
        slow: { command: `${count('slow')}; while [ ! -f ${marks}/release ]; do sleep 0.05; done; cat one.txt two.txt > both.txt`, inputs: ['first', 'second'], outputs: ['both.txt'] },
        last: { command: `${count('last')}; cat both.txt`, inputs: ['slow'] },
      },
    };
    const manifestFile = join(dir, 'manifest.json');
    writeFileSync(manifestFile, JSON.stringify(manifest));

    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'test/pipelines/fixtures/run-pipeline.ts'), home, database.uri, manifestFile], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise((r) => child.once('exit', r));
    await until('the slow task to start in the child runner', () => existsSync(`${marks}/slow.count`));
    child.kill('SIGKILL');
    await exited;
    const killedRun = (JSON.parse(output.trim().split('\n')[0]!) as { id: string }).id;

    // A new process on the same home and database, with a short lease so it takes the dead runner's run over quickly.
    services = await openServices(loadConfig({ home, backendStoreUri: database.uri, port: 0, jobStaleSeconds: 2 }, {}));
    await services.start();
    const p = services.pipelines;
    const again = await p.submit(manifest);
    await until('the slow task of the new run to start', () => readFileSync(`${marks}/slow.count`, 'utf8').split('\n').length > 2);
    writeFileSync(`${marks}/release`, '');
    const rerun = await finished(p, again.id);
    expect(states(rerun)).toEqual({ first: 'cached', second: 'cached', slow: 'succeeded', last: 'succeeded' });
    expect(task(rerun, 'first').cachedFrom?.pipelineRunId).toBe(killedRun);

    // The killed run is resumed: its slow job (still running when its runner died) is followed to
    // its end and the rest of the run continues; nothing that had finished runs again.
    const resumed = await finished(p, killedRun);
    expect(resumed.state).toBe('succeeded');
    expect(states(resumed)).toMatchObject({ first: 'succeeded', second: 'succeeded', slow: 'succeeded' });
    const runs = (name: string) => readFileSync(`${marks}/${name}.count`, 'utf8').trim().split('\n').length;
    expect(runs('first')).toBe(1);
    expect(runs('second')).toBe(1);
    // One slow job per run: the killed run's own job was followed, not started again.
    expect(runs('slow')).toBe(2);
  });
});
