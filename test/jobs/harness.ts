/**
 * One database per backend for a job test file, cleaned between tests: dispatchers stopped,
 * every job's process group killed, the jobs table emptied.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { LocalExecutor } from '../../src/executors/local.js';
import { Dispatcher, type DispatcherOptions } from '../../src/jobs/dispatcher.js';
import { JobQueue } from '../../src/jobs/queue.js';
import type { JobRecord, NewJob } from '../../src/jobs/types.js';
import { openStore, type Store } from '../../src/store/open.js';
import { createTestDatabase, type BackendName, type TestDatabase } from '../support/backends.js';
import { killGroups } from '../support/processes.js';

export interface JobTestEnv {
  /** A store of its own, as another server process sharing the database would have. */
  openStore(): Promise<Store>;
  store: Store;
  queue: JobQueue;
  dir: string;
  /** The database's URI, for another process to open. */
  uri(): string;
  dispatcher(options?: Partial<DispatcherOptions>): Dispatcher;
  job(script: string, extra?: Partial<NewJob>): NewJob;
}

export function useJobTestEnv(backend: BackendName): JobTestEnv {
  let database: TestDatabase;
  const stores: Store[] = [];
  const dispatchers: Dispatcher[] = [];
  let counter = 0;
  const env = {
    dir: '',
    uri: () => database.uri,
    async openStore() {
      const s = await openStore(database.uri);
      stores.push(s);
      return s;
    },
    dispatcher(options: Partial<DispatcherOptions> = {}) {
      const d = new Dispatcher({
        queue: env.queue,
        workerId: 'worker-a',
        capacity: { millicores: 4000, bytes: 4 * 2 ** 30, gpuIds: [] },
        executors: [new LocalExecutor({ pollMs: 20 })],
        pollMs: 50,
        heartbeatMs: 100,
        graceMs: 300,
        tailPollMs: 20,
        log: { warn: () => {}, error: (obj, msg) => console.error(msg, obj) },
        ...options,
      });
      dispatchers.push(d);
      return d;
    },
    job(script: string, extra: Partial<NewJob> = {}): NewJob {
      const n = ++counter;
      return {
        owner: { kind: 'training', id: `t${n}` },
        argv: ['/bin/sh', '-c', script],
        cwd: env.dir,
        workspace: env.dir,
        env: { PATH: '/usr/bin:/bin' },
        logPath: join(env.dir, 'logs', `job${n}.log`),
        limits: { millicores: 1000, bytes: 2 ** 20, gpus: 0 },
        requests: { millicores: 1000, bytes: 2 ** 20, gpus: 0 },
        ...extra,
      };
    },
  } as JobTestEnv;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    env.store = await openStore(database.uri);
    env.queue = new JobQueue(env.store.db);
  });
  afterAll(async () => {
    await env.store.close();
    await database.drop();
  });
  beforeAll(() => {
    env.dir = mkdtempSync(join(tmpdir(), 'trainyard-jobs-'));
  });
  afterEach(async () => {
    await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
    const jobs = await env.queue.list({});
    await killGroups(jobs.flatMap((j) => (j.handle ? [Number(j.handle.ref.pgid)] : [])));
    await env.store.db.deleteFrom('jobs').execute();
    await Promise.all(stores.splice(0).map((s) => s.close()));
    rmSync(env.dir, { recursive: true, force: true });
    env.dir = mkdtempSync(join(tmpdir(), 'trainyard-jobs-'));
  });
  afterAll(() => rmSync(env.dir, { recursive: true, force: true }));
  return env;
}

/** What a dispatcher told its training listeners, with a way to wait for a job's end. */
export function recordEvents(d: Dispatcher) {
  const log: string[] = [];
  const lines = new Map<string, string[]>();
  const finished = new Map<string, JobRecord>();
  const waiters = new Map<string, (job: JobRecord) => void>();
  d.onJobStarted('training', (job) => void log.push(`started:${job.id}`));
  d.onJobLines('training', (job, batch) => {
    lines.set(job.id, [...(lines.get(job.id) ?? []), ...batch]);
    log.push(`lines:${job.id}`);
  });
  d.onJobFinished('training', (job) => {
    log.push(`finished:${job.id}`);
    finished.set(job.id, job);
    waiters.get(job.id)?.(job);
  });
  return {
    log,
    lines,
    finished(id: string): Promise<JobRecord> {
      const done = finished.get(id);
      return done ? Promise.resolve(done) : new Promise((resolve) => waiters.set(id, resolve));
    },
  };
}
