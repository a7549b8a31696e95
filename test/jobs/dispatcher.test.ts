import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { jobLog } from '../../src/jobs/logs.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { BACKENDS } from '../support/backends.js';
import { eventually, isRunning, readPids } from '../support/processes.js';
import { recordEvents, useJobTestEnv } from './harness.js';

/** Shell that blocks until `file` exists. */
const until = (file: string) => `while [ ! -e ${file} ]; do sleep 0.02; done`;
const cpu = (millicores: number, gpus = 0) => ({ millicores, bytes: 2 ** 20, gpus });

describe.each(BACKENDS)('dispatcher on %s', (backend) => {
  const env = useJobTestEnv(backend);
  const running = (id: string) => eventually(`job ${id} running`, async () => (await env.queue.require(id)).state === 'running');

  it('runs a job and records its exit code and its log', async () => {
    const d = env.dispatcher();
    const ev = recordEvents(d);
    await d.start();
    const job = await d.enqueue(env.job('echo hello; echo oops >&2'), 'local');
    const done = await ev.finished(job.id);
    expect(done).toMatchObject({ state: 'succeeded', exitCode: 0, reason: 'completed', message: 'exited with code 0', worker: 'worker-a' });
    expect(done.handle).toMatchObject({ executor: 'local' });
    expect(await env.queue.require(job.id)).toEqual(done);
    expect(readFileSync(job.spec.logPath, 'utf8')).toBe('hello\noops\n');
    expect(ev.log[0]).toBe(`started:${job.id}`);
    expect(ev.log.at(-1)).toBe(`finished:${job.id}`);
  });

  it('records a failing job and one that cannot start', async () => {
    const d = env.dispatcher();
    const ev = recordEvents(d);
    await d.start();
    const failing = await d.enqueue(env.job('exit 3'), 'local');
    expect(await ev.finished(failing.id)).toMatchObject({ state: 'failed', exitCode: 3, reason: 'failed', message: 'exited with code 3' });
    const broken = await d.enqueue(env.job('true', { cwd: join(env.dir, 'missing') }), 'local');
    const done = await ev.finished(broken.id);
    expect(done).toMatchObject({ state: 'failed', exitCode: null, reason: 'failed', startedAt: null });
    expect(done.message).toMatch(/^could not start: .*missing' does not exist/);
  });

  it('refuses at enqueue a job larger than the machine, naming the resource, and an unknown executor', async () => {
    const d = env.dispatcher({ capacity: { millicores: 2000, bytes: 2 ** 30, gpuIds: [] } });
    await expect(d.enqueue(env.job('true', { requests: cpu(1000, 1) }), 'local')).rejects.toThrow(/gpu: requests 1 but this machine offers 0/);
    await expect(d.enqueue(env.job('true', { requests: cpu(3000) }), 'local')).rejects.toThrow(/cpu: requests 3000m but this machine offers 2000m/);
    await expect(d.enqueue(env.job('true'), 'docker')).rejects.toThrow(/No executor named 'docker'.*available: local/);
    expect(await env.queue.list({})).toEqual([]);
  });

  it('keeps a job queued until a running job frees the capacity it needs', async () => {
    const d = env.dispatcher({ capacity: { millicores: 1000, bytes: 2 ** 30, gpuIds: [] } });
    const ev = recordEvents(d);
    await d.start();
    const gate = join(env.dir, 'gate');
    const first = await d.enqueue(env.job(until(gate), { requests: cpu(1000) }), 'local');
    await running(first.id);
    const second = await d.enqueue(env.job('true', { requests: cpu(1000) }), 'local');
    await sleep(200); // several admission passes
    expect((await env.queue.require(second.id)).state).toBe('queued');
    expect(d.free().millicores).toBe(0);
    writeFileSync(gate, '');
    const [a, b] = await Promise.all([ev.finished(first.id), ev.finished(second.id)]);
    expect(b.state).toBe('succeeded');
    expect(b.startedAt!).toBeGreaterThanOrEqual(a.finishedAt!);
  });

  it('starts a smaller job ahead of a blocked one while the blocked one is young (backfill)', async () => {
    const d = env.dispatcher({ capacity: { millicores: 2000, bytes: 2 ** 30, gpuIds: [] } });
    const ev = recordEvents(d);
    await d.start();
    const gate = join(env.dir, 'gate');
    const first = await d.enqueue(env.job(until(gate), { requests: cpu(1000) }), 'local');
    await running(first.id);
    const big = await d.enqueue(env.job('true', { requests: cpu(2000) }), 'local');
    const small = await d.enqueue(env.job('true', { requests: cpu(1000) }), 'local');
    expect((await ev.finished(small.id)).state).toBe('succeeded');
    expect((await env.queue.require(big.id)).state).toBe('queued');
    writeFileSync(gate, '');
    expect((await ev.finished(big.id)).state).toBe('succeeded');
  });

  it('starts nothing ahead of a head job that waited past the backfill window', async () => {
    const d = env.dispatcher({ capacity: { millicores: 2000, bytes: 2 ** 30, gpuIds: [] }, backfillWindowMs: 0 });
    const ev = recordEvents(d);
    await d.start();
    const gate = join(env.dir, 'gate');
    const first = await d.enqueue(env.job(until(gate), { requests: cpu(1000) }), 'local');
    await running(first.id);
    const big = await d.enqueue(env.job('true', { requests: cpu(2000) }), 'local');
    const small = await d.enqueue(env.job('true', { requests: cpu(1000) }), 'local');
    await sleep(200);
    expect((await env.queue.require(small.id)).state).toBe('queued');
    writeFileSync(gate, '');
    const [b, s] = await Promise.all([ev.finished(big.id), ev.finished(small.id)]);
    expect(s.startedAt!).toBeGreaterThanOrEqual(b.startedAt!);
  });

  it('gives each job its own GPUs through CUDA_VISIBLE_DEVICES and queues when none are free', async () => {
    const d = env.dispatcher({ capacity: { millicores: 8000, bytes: 2 ** 30, gpuIds: ['0', '1'] } });
    const ev = recordEvents(d);
    await d.start();
    const gate = join(env.dir, 'gate');
    const script = `echo "cuda=$CUDA_VISIBLE_DEVICES"; ${until(gate)}`;
    const a = await d.enqueue(env.job(script, { requests: cpu(1000, 1) }), 'local');
    const b = await d.enqueue(env.job(script, { requests: cpu(1000, 1) }), 'local');
    const none = await d.enqueue(env.job(script, { requests: cpu(1000, 0) }), 'local');
    await Promise.all([running(a.id), running(b.id), running(none.id)]);
    const c = await d.enqueue(env.job(script, { requests: cpu(1000, 1) }), 'local');
    await sleep(200);
    expect((await env.queue.require(c.id)).state).toBe('queued');
    writeFileSync(gate, '');
    await Promise.all([a, b, c, none].map((j) => ev.finished(j.id)));
    const logOf = (j: { spec: { logPath: string } }) => readFileSync(j.spec.logPath, 'utf8');
    expect([logOf(a), logOf(b)].sort()).toEqual(['cuda=0\n', 'cuda=1\n']);
    expect(['cuda=0\n', 'cuda=1\n']).toContain(logOf(c));
    expect(logOf(none)).toBe('cuda=\n');
    expect((await env.queue.require(a.id)).spec.gpuIds).toEqual([logOf(a).trim().slice(5)]);
  });

  it('cancel ends the whole process tree, grandchildren ignoring SIGTERM included', async () => {
    const d = env.dispatcher();
    const ev = recordEvents(d);
    await d.start();
    const pidsFile = join(env.dir, 'pids');
    const script = `trap '' TERM; echo $$ > ${pidsFile}; (trap '' TERM; sleep 300) & echo $! >> ${pidsFile}; sleep 300 & echo $! >> ${pidsFile}; wait`;
    const job = await d.enqueue(env.job(script), 'local');
    const pids = await readPids(pidsFile, 3);
    expect(pids.every(isRunning)).toBe(true);
    await d.cancel(job.id);
    const done = await ev.finished(job.id);
    expect(done).toMatchObject({ state: 'cancelled', reason: 'cancelled', message: 'cancelled on request (killed by signal SIGKILL)' });
    expect(pids.filter(isRunning)).toEqual([]);
  });

  it('honours a cancel requested by another process sharing the database', async () => {
    const d = env.dispatcher();
    const ev = recordEvents(d);
    await d.start();
    const job = await d.enqueue(env.job('sleep 300'), 'local');
    await running(job.id);
    const other = new JobQueue((await env.openStore()).db);
    await other.requestCancel(job.id);
    expect(await ev.finished(job.id)).toMatchObject({ state: 'cancelled', reason: 'cancelled' });
    expect(isRunning(Number((await env.queue.require(job.id)).handle!.ref.pid))).toBe(false);
  });

  it('cancels a queued job without ever starting it', async () => {
    const d = env.dispatcher({ capacity: { millicores: 1000, bytes: 2 ** 30, gpuIds: [] } });
    const ev = recordEvents(d);
    await d.start();
    const blocker = await d.enqueue(env.job('sleep 300', { requests: cpu(1000) }), 'local');
    await running(blocker.id);
    const queued = await d.enqueue(env.job('echo ran', { requests: cpu(1000) }), 'local');
    expect(await d.cancel(queued.id)).toMatchObject({ state: 'cancelled', message: 'cancelled before it started' });
    expect(await ev.finished(queued.id)).toMatchObject({ state: 'cancelled', startedAt: null, handle: null });
    await d.cancel(blocker.id);
    await ev.finished(blocker.id);
    expect(existsSync(queued.spec.logPath)).toBe(false);
  });

  it('stops a job at its timeout and says so', async () => {
    // A grace period long enough for a loaded machine: the job must go on SIGTERM, not SIGKILL.
    const d = env.dispatcher({ graceMs: 10_000 });
    const ev = recordEvents(d);
    await d.start();
    const job = await d.enqueue(env.job('sleep 300', { timeoutSeconds: 0.3 }), 'local');
    const done = await ev.finished(job.id);
    expect(done).toMatchObject({ state: 'failed', reason: 'timeout' });
    expect(done.message).toBe('exceeded its timeout of 0.3s and was stopped (killed by signal SIGTERM)');
  });

  it('streams a job log as it is written, until the job has finished', async () => {
    const d = env.dispatcher();
    await d.start();
    const gate = join(env.dir, 'gate');
    const job = await d.enqueue(env.job(`echo first; ${until(gate)}; printf last`), 'local');
    const seen: string[] = [];
    let offset = 0;
    for await (const chunk of jobLog(env.queue, job.id, { follow: true, pollMs: 10 })) {
      seen.push(chunk.data.toString());
      offset = chunk.offset;
      if (seen.join('') === 'first\n') writeFileSync(gate, '');
    }
    expect(seen.join('')).toBe('first\nlast');
    expect((await env.queue.require(job.id)).state).toBe('succeeded');
    let rest = '';
    for await (const chunk of jobLog(env.queue, job.id, { offset: 2 })) rest += chunk.data.toString();
    expect(rest).toBe('rst\nlast');
    expect(offset).toBe(10);
  });

  it('hands a job appending to an existing log only its own lines', async () => {
    const d = env.dispatcher();
    const ev = recordEvents(d);
    await d.start();
    const first = await d.enqueue(env.job('echo attempt one'), 'local');
    await ev.finished(first.id);
    const second = await d.enqueue(env.job('echo attempt two', { logPath: first.spec.logPath }), 'local');
    await ev.finished(second.id);
    expect(readFileSync(first.spec.logPath, 'utf8')).toBe('attempt one\nattempt two\n');
    expect(ev.lines.get(second.id)).toEqual(['attempt two']);
    expect(existsSync(`${first.spec.logPath}.offset`)).toBe(false);
  });

  it('hands complete log lines to listeners, in order, the last one without a newline included, before the finish', async () => {
    const d = env.dispatcher();
    const ev = recordEvents(d);
    await d.start();
    const script = `printf '::metric name=rmse value=0.41 step=3\\n'; sleep 0.1; printf 'héllo '; sleep 0.1; printf 'wörld\\r\\nno newline at the end'`;
    const job = await d.enqueue(env.job(script), 'local');
    await ev.finished(job.id);
    expect(ev.lines.get(job.id)).toEqual(['::metric name=rmse value=0.41 step=3', 'héllo wörld', 'no newline at the end']);
    expect(ev.log.at(-1)).toBe(`finished:${job.id}`);
  });
});
