import { describe, expect, it } from 'vitest';
import { JobQueue } from '../../src/jobs/queue.js';
import { BACKENDS } from '../support/backends.js';
import { useJobTestEnv } from './harness.js';

const handle = { executor: 'local', ref: { pid: 1 } };

describe.each(BACKENDS)('job queue on %s', (backend) => {
  const env = useJobTestEnv(backend);

  it('enqueues a job as queued with its spec, and lists it by owner and state', async () => {
    const job = await env.queue.enqueue(env.job('true', { id: 'job-1', owner: { kind: 'pipeline-task', id: 'p1' } }), 'local');
    expect(job).toMatchObject({ id: 'job-1', state: 'queued', executor: 'local', worker: null, cancelRequested: false });
    expect(job.spec).toMatchObject({ id: 'job-1', argv: ['/bin/sh', '-c', 'true'], gpuIds: [] });
    expect((await env.queue.list({ ownerKind: 'pipeline-task', ownerId: 'p1', states: ['queued'] })).map((j) => j.id)).toEqual(['job-1']);
    expect(await env.queue.list({ ownerKind: 'training' })).toEqual([]);
  });

  it('refuses a malformed job, listing every problem', async () => {
    const bad = { ...env.job('true'), argv: [], cwd: 'relative', requests: { millicores: -1, bytes: 0, gpus: 0.5 } };
    await expect(env.queue.enqueue(bad, '')).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      problems: expect.arrayContaining([
        { field: 'executor', message: 'must name an executor' },
        { field: 'argv', message: 'must be a non-empty list of strings' },
        { field: 'cwd', message: 'must be an absolute path' },
        { field: 'requests.millicores', message: 'must be a whole number ≥ 0' },
        { field: 'requests.gpus', message: 'must be a whole number ≥ 0' },
      ]),
    });
    expect(await env.queue.list({})).toEqual([]);
  });

  it('lets exactly one of several workers claim a job, even over separate connections', async () => {
    const job = await env.queue.enqueue(env.job('true'), 'local');
    const others = await Promise.all([env.openStore(), env.openStore(), env.openStore()]);
    const queues = [env.queue, ...others.map((s) => new JobQueue(s.db))];
    const claims = await Promise.all(queues.map((q, i) => q.claim(job, `w${i}`, ['0'])));
    const winners = claims.filter((c) => c !== undefined);
    expect(winners).toHaveLength(1);
    const stored = await env.queue.require(job.id);
    expect(stored).toMatchObject({ state: 'starting', worker: winners[0]!.worker });
    expect(stored.spec.gpuIds).toEqual(['0']);
  });

  it('moves a job through running to its final state for its own worker only', async () => {
    const job = await env.queue.enqueue(env.job('true'), 'local');
    await env.queue.claim(job, 'w1', []);
    expect(await env.queue.markRunning(job.id, 'w2', handle)).toBe(false);
    expect(await env.queue.markRunning(job.id, 'w1', handle, 1234)).toBe(true);
    expect(await env.queue.require(job.id)).toMatchObject({ state: 'running', handle, startedAt: 1234 });
    expect(await env.queue.finish(job.id, 'w2', { exitCode: 0, reason: 'completed', message: 'ok' })).toBeUndefined();
    const done = await env.queue.finish(job.id, 'w1', { exitCode: 3, reason: 'failed', message: 'exited with code 3' });
    expect(done).toMatchObject({ state: 'failed', exitCode: 3, reason: 'failed', message: 'exited with code 3' });
    expect(done!.finishedAt).toEqual(expect.any(Number));
    expect(await env.queue.finish(job.id, 'w1', { exitCode: 0, reason: 'completed', message: 'again' })).toBeUndefined();
  });

  it('cancels a queued job at once and flags a running one for its dispatcher', async () => {
    const events: string[] = [];
    const off = env.queue.subscribe((e) => events.push(`${e.type}:${e.id}`));
    const queued = await env.queue.enqueue(env.job('true', { id: 'q' }), 'local');
    const running = await env.queue.enqueue(env.job('true', { id: 'r' }), 'local');
    await env.queue.claim(running, 'w1', []);
    const a = await env.queue.requestCancel(queued.id);
    expect(a).toMatchObject({ cancelledWhileQueued: true, job: { state: 'cancelled', reason: 'cancelled', message: 'cancelled before it started' } });
    const b = await env.queue.requestCancel(running.id);
    expect(b).toMatchObject({ cancelledWhileQueued: false, job: { state: 'starting', cancelRequested: true } });
    expect(await env.queue.cancelRequested('w1')).toEqual(['r']);
    expect(await env.queue.cancelRequested('w2')).toEqual([]);
    off();
    expect(events).toEqual(['enqueued:q', 'enqueued:r', 'cancel-requested:r']);
    await expect(env.queue.requestCancel('nope')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('hands a job whose worker went quiet to one other worker, unless the owner woke up', async () => {
    let now = 1000;
    const queue = new JobQueue(env.store.db, { now: () => now });
    const job = await queue.enqueue(env.job('true'), 'local');
    await queue.claim(job, 'w1', []);
    now = 5000;
    expect(await queue.stale('w1', 4000)).toEqual([]);
    const [stale] = await queue.stale('w2', 4000);
    expect(stale).toMatchObject({ id: job.id, worker: 'w1', heartbeatAt: 1000 });
    await queue.heartbeat('w1'); // the owner is alive after all
    expect(await queue.takeOver(stale!, 'w2')).toBeUndefined();
    now = 20_000;
    const [again] = await queue.stale('w2', 10_000);
    expect(await queue.takeOver(again!, 'w2')).toMatchObject({ worker: 'w2' });
    expect(await queue.takeOver(again!, 'w3')).toBeUndefined();
  });
});
