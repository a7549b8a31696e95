import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { exitFileOf, LocalExecutor } from '../../src/executors/local.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { isTerminal } from '../../src/jobs/types.js';
import { BACKENDS } from '../support/backends.js';
import { eventually, isRunning } from '../support/processes.js';
import { REPO } from '../support/server-process.js';
import { recordEvents, useJobTestEnv } from './harness.js';

const until = (file: string) => `while [ ! -e ${file} ]; do sleep 0.02; done`;

/**
 * A server crash is simulated by stopping a dispatcher (which leaves its jobs running and their
 * rows as they are) and starting a new dispatcher, with a new executor, over the same database.
 */
describe.each(BACKENDS)('dispatcher restart on %s', (backend) => {
  const env = useJobTestEnv(backend);
  const running = (id: string) => eventually(`job ${id} running`, async () => (await env.queue.require(id)).state === 'running');

  it('reattaches to a job that kept running and records its real exit code', async () => {
    const first = env.dispatcher();
    await first.start();
    const gate = join(env.dir, 'gate');
    const job = await first.enqueue(env.job(`echo before; ${until(gate)}; echo after; exit 7`), 'local');
    await running(job.id);
    await first.stop();
    const pid = Number((await env.queue.require(job.id)).handle!.ref.pid);
    expect(isRunning(pid)).toBe(true);

    const second = env.dispatcher();
    const ev = recordEvents(second);
    await second.start();
    writeFileSync(gate, '');
    const done = await ev.finished(job.id);
    expect(done).toMatchObject({ state: 'failed', exitCode: 7, reason: 'failed', message: 'exited with code 7', worker: 'worker-a' });
    expect(readFileSync(job.spec.logPath, 'utf8')).toBe('before\nafter\n');
  });

  it('records the exit code a job left behind when it ended while no dispatcher ran', async () => {
    const first = env.dispatcher();
    await first.start();
    const gate = join(env.dir, 'gate');
    const job = await first.enqueue(env.job(`${until(gate)}; exit 5`), 'local');
    await running(job.id);
    await first.stop();
    writeFileSync(gate, '');
    await eventually('the exit file', () => existsSync(exitFileOf(job.spec.logPath)));

    const second = env.dispatcher();
    const ev = recordEvents(second);
    await second.start();
    expect(await ev.finished(job.id)).toMatchObject({ state: 'failed', exitCode: 5, message: 'exited with code 5' });
  });

  it('fails as lost a job whose process died with its wrapper while no dispatcher ran', async () => {
    const first = env.dispatcher();
    await first.start();
    const job = await first.enqueue(env.job('sleep 300'), 'local');
    await running(job.id);
    await first.stop();
    process.kill(-Number((await env.queue.require(job.id)).handle!.ref.pgid), 'SIGKILL');

    const second = env.dispatcher();
    const ev = recordEvents(second);
    await second.start();
    const done = await ev.finished(job.id);
    expect(done).toMatchObject({ state: 'failed', reason: 'lost', exitCode: null });
    expect(done.message).toContain('ended while the server was down');
  });

  it('recovers a starting job whose handle was never recorded from the file beside its log', async () => {
    const job = await env.queue.enqueue(env.job('exit 9'), 'local');
    const claimed = (await env.queue.claim(job, 'worker-a', []))!;
    await new LocalExecutor().start(claimed.spec); // the server died right after spawning

    const d = env.dispatcher();
    const ev = recordEvents(d);
    await d.start();
    expect(await ev.finished(job.id)).toMatchObject({ state: 'failed', exitCode: 9 });
    expect(ev.log[0]).toBe(`started:${job.id}`);
  });

  it('fails as lost a starting job that never got a process', async () => {
    const job = await env.queue.enqueue(env.job('true'), 'local');
    await env.queue.claim(job, 'worker-a', []);
    const d = env.dispatcher();
    const ev = recordEvents(d);
    await d.start();
    expect(await ev.finished(job.id)).toMatchObject({ state: 'failed', reason: 'lost', message: 'the server stopped before the job started' });
  });

  it('enforces the timeout of a reattached job from when it started', async () => {
    const first = env.dispatcher();
    await first.start();
    const job = await first.enqueue(env.job('sleep 300', { timeoutSeconds: 0.5 }), 'local');
    await running(job.id);
    await first.stop();

    const second = env.dispatcher();
    const ev = recordEvents(second);
    await second.start();
    expect(await ev.finished(job.id)).toMatchObject({ state: 'failed', reason: 'timeout' });
  });

  it('takes over the jobs of a worker that stopped sending heartbeats', async () => {
    const first = env.dispatcher({ workerId: 'worker-a' });
    await first.start();
    const gate = join(env.dir, 'gate');
    const job = await first.enqueue(env.job(`${until(gate)}; exit 6`), 'local');
    await running(job.id);
    await first.stop();

    const other = env.dispatcher({ workerId: 'worker-b', staleAfterMs: 300, heartbeatMs: 50 });
    const ev = recordEvents(other);
    await other.start();
    await eventually('the takeover', async () => (await env.queue.require(job.id)).worker === 'worker-b');
    writeFileSync(gate, '');
    expect(await ev.finished(job.id)).toMatchObject({ state: 'failed', exitCode: 6, worker: 'worker-b' });
  });

  it('resumes log lines where listeners left off, without repeating any', async () => {
    const first = env.dispatcher();
    const ev1 = recordEvents(first);
    await first.start();
    const gate = join(env.dir, 'gate');
    const job = await first.enqueue(env.job(`echo one; printf 'tw'; ${until(gate)}; echo o; echo three`), 'local');
    await eventually('the first line', () => ev1.lines.get(job.id)?.length === 1);
    await first.stop();

    const second = env.dispatcher();
    const ev2 = recordEvents(second);
    await second.start();
    writeFileSync(gate, '');
    await ev2.finished(job.id);
    expect(ev1.lines.get(job.id)).toEqual(['one']);
    expect(ev2.lines.get(job.id)).toEqual(['two', 'three']);
  });

  it('runs each job exactly once when several dispatchers share the database', async () => {
    const otherQueue = new JobQueue((await env.openStore()).db);
    const a = env.dispatcher({ workerId: 'worker-a' });
    const b = env.dispatcher({ workerId: 'worker-b', queue: otherQueue });
    await Promise.all([a.start(), b.start()]);
    const jobs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).enqueue(env.job('echo ran', { requests: { millicores: 100, bytes: 1, gpus: 0 } }), 'local')),
    );
    await eventually('every job to finish', async () => (await env.queue.list({})).every((j) => isTerminal(j.state)));
    for (const job of await env.queue.list({})) {
      expect(job.state).toBe('succeeded');
      expect(readFileSync(job.spec.logPath, 'utf8')).toBe('ran\n');
    }
    expect(jobs).toHaveLength(8);
  });
});

describe.each(BACKENDS)('dispatcher after a SIGKILL of its process on %s', (backend) => {
  const env = useJobTestEnv(backend);

  it('leaves the job running, and the next dispatcher records its real exit code', async () => {
    const gate = join(env.dir, 'gate');
    const job = env.job(`${until(gate)}; exit 3`);
    const server = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'test/jobs/crash-worker.ts'), env.uri(), JSON.stringify(job)], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(server, 'exit');
    let line: string;
    try {
      [line] = (await once(createInterface({ input: server.stdout! }), 'line')) as [string];
    } finally {
      server.kill('SIGKILL');
      await exited;
    }
    const stored = await env.queue.require(line);
    expect(stored.state).toBe('running');
    expect(isRunning(Number(stored.handle!.ref.pid))).toBe(true);

    const d = env.dispatcher();
    const ev = recordEvents(d);
    await d.start();
    writeFileSync(gate, '');
    expect(await ev.finished(line)).toMatchObject({ state: 'failed', exitCode: 3, message: 'exited with code 3' });
  });
});
