/**
 * Schedules fired by the server: at their cron times (a seconds field keeps these tests short),
 * with their overlap policy, across a restart, and after downtime (a test clock stands in for
 * hours passing).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ScheduleService } from '../../src/pipelines/schedules/service.js';
import type { Services } from '../../src/services.js';
import { openServices } from '../../src/services.js';
import { BACKENDS, createTestDatabase } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { finished, sourceFolder } from './support.js';

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const quick = { kind: 'Pipeline', name: 'tick', tasks: { t: { command: 'true', cache: false } } };
const blocking = (release: string) => ({ kind: 'Pipeline', name: 'blocked', tasks: { wait: { command: `while [ ! -f ${release} ]; do sleep 0.05; done`, cache: false } } });
const schedule = (id: string, spec: Record<string, unknown>) => ({ kind: 'Schedule', id, spec });

describe.each(BACKENDS)('schedules on %s', { timeout: 90_000 }, (backend) => {
  let server: TestServer;
  let scratch: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    scratch = mkdtempSync(join(tmpdir(), 'trainyard-schedules-'));
  });
  afterAll(async () => {
    await server?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('fires at its cron times, each firing starting a pipeline run that carries the schedule id', async () => {
    const s = server.services.schedules;
    const created = await s.create(schedule('every-second', { cron: '* * * * * *', pipeline: { spec: quick } }));
    expect(created.spec).toMatchObject({ cron: '* * * * * *', timezone: 'UTC', overlap: 'skip', catchUp: true, target: { kind: 'pipeline' } });
    expect(created.status.nextFireAt! % 1000).toBe(0);
    const firings = await until('two firings', async () => {
      const f = (await s.get('every-second')).status.firings.filter((x) => x.state === 'started');
      return f.length >= 2 && f;
    });
    await s.delete('every-second');
    for (const f of firings) {
      expect(f.fireAt % 1000).toBe(0);
      const run = await server.services.pipelines.get(f.target!);
      expect(run.scheduleId).toBe('every-second');
      expect(run.createdAt).toBeGreaterThanOrEqual(f.fireAt);
    }
    await expect(s.get('every-second')).rejects.toThrow("Schedule 'every-second' does not exist");
  });

  it('skips firings while its previous run is still going', async () => {
    const release = join(scratch, `release-skip-${backend}`);
    const s = server.services.schedules;
    await s.create(schedule('skipper', { cron: '* * * * * *', overlap: 'skip', pipeline: { spec: blocking(release) } }));
    await until('two skipped firings', async () => (await s.get('skipper')).status.firings.filter((x) => x.state === 'skipped').length >= 2);
    const runs = await server.services.pipelines.list({ scheduleId: 'skipper' });
    expect(runs).toHaveLength(1);
    expect((await s.get('skipper')).status.firings.find((f) => f.state === 'skipped')!.message).toBe('the previous run is still going: skipped');
    writeFileSync(release, '');
    await finished(server.services.pipelines, runs[0]!.id);
    await until('a new run once the first ended', async () => (await server.services.pipelines.list({ scheduleId: 'skipper' })).length >= 2);
    await s.delete('skipper');
  });

  it('queues firings while its previous run is going, and starts them one after another', async () => {
    const release = join(scratch, `release-queue-${backend}`);
    const s = server.services.schedules;
    await s.create(schedule('queuer', { cron: '* * * * * *', overlap: 'queue', pipeline: { spec: blocking(release) } }));
    await until('two queued firings', async () => (await s.get('queuer')).status.queued >= 2);
    expect(await server.services.pipelines.list({ scheduleId: 'queuer' })).toHaveLength(1);
    writeFileSync(release, '');
    const runs = await until('three runs', async () => {
      const r = await server.services.pipelines.list({ scheduleId: 'queuer' });
      return r.length >= 3 && r;
    });
    await s.delete('queuer');
    const ordered = [...runs].reverse();
    for (const r of ordered) await finished(server.services.pipelines, r.id);
    const done = await Promise.all(ordered.map((r) => server.services.pipelines.get(r.id)));
    // Never two at once: each run was created after the one before it had ended.
    for (let i = 1; i < done.length; i++) expect(done[i]!.createdAt).toBeGreaterThanOrEqual(done[i - 1]!.finishedAt!);
  });

  it('runs a training target again at each firing, as a new generation', async () => {
    const dir = sourceFolder({ 'train.sh': 'echo trained\n' });
    const training = { kind: 'ModelTraining', id: 'scheduled', spec: { model: { name: 'scheduled', version: '1' }, toolchain: 'command', command: 'sh train.sh', algorithmSource: { local: { path: '.' } } } };
    const created = await server.services.schedules.create(schedule('retrain', { cron: '0 3 * * *', training }), { localPaths: true, baseDir: dir });
    expect(created.spec.target).toMatchObject({ kind: 'training', manifest: { spec: { algorithmSource: { local: { snapshot: expect.stringMatching(/^[0-9a-f]{64}$/) } } } } });
    // A scheduler with its own clock fires it twice, each time once the training before has ended.
    let clock = created.status.nextFireAt!;
    const scheduler = new ScheduleService({ ...server.services, db: server.services.store.db, now: () => clock });
    for (const generation of [1, 2]) {
      await scheduler.tick();
      await until(`generation ${generation} to end`, async () => {
        const t = await server.services.trainings.get('scheduled');
        return t.status.generation === generation && ['succeeded', 'failed', 'cancelled'].includes(t.status.state) && t;
      });
      clock = (await server.services.schedules.get('retrain')).status.nextFireAt!;
    }
    const firings = (await server.services.schedules.get('retrain')).status.firings;
    expect(firings.map((f) => [f.state, f.target])).toEqual([['started', 'scheduled#2'], ['started', 'scheduled#1']]);
    expect((await server.services.trainings.get('scheduled')).status.state).toBe('succeeded');
    await server.services.schedules.delete('retrain');
  });

  it('refuses a bad cron expression, time zone or target, naming each field', async () => {
    const s = server.services.schedules;
    const err = await s
      .create(schedule('bad', { cron: '61 * * * *', timezone: 'Mars/Olympus', pipeline: { spec: quick, params: { nope: 1 } } }))
      .then(() => undefined, (e: unknown) => e as { problems?: { field: string }[]; message: string });
    expect(err?.problems?.map((p) => p.field).sort()).toEqual(['spec.cron', 'spec.timezone']);
    expect((err as Error).message).toContain("spec.cron: '61 * * * *' is not a cron expression");
    expect((err as Error).message).toContain("spec.timezone: 'Mars/Olympus' is not an IANA time zone");
    const target = await s.create(schedule('bad', { cron: '0 3 * * *', pipeline: { spec: quick, params: { nope: 1 } } })).then(() => undefined, (e: unknown) => e as { problems?: { field: string }[] });
    expect(target?.problems?.map((p) => p.field)).toEqual(['spec.pipeline.spec.params.nope']);
    expect((await s.list()).map((x) => x.id)).not.toContain('bad');
  });
});

describe.each(BACKENDS)('schedules across a restart on %s', { timeout: 90_000 }, (backend) => {
  it('keep their next firing, fire after the restart, and fire once for what was missed while down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainyard-schedules-restart-'));
    const database = await createTestDatabase(backend);
    const open = async () => {
      const services = await openServices(loadConfig({ home: join(dir, 'home'), backendStoreUri: database.uri, port: 0 }, {}));
      await services.start();
      return services;
    };
    let services: Services | undefined;
    try {
      services = await open();
      await services.schedules.create(schedule('nightly', { cron: '0 3 * * *', timezone: 'Europe/Berlin', pipeline: { spec: quick } }));
      await services.schedules.create(schedule('strict', { cron: '0 3 * * *', catchUp: false, pipeline: { spec: quick } }));
      await services.schedules.create(schedule('secondly', { cron: '* * * * * *', pipeline: { spec: quick } }));
      const before = await services.schedules.get('nightly');
      await services.close();

      services = await open();
      const after = await services.schedules.get('nightly');
      expect(after.status.nextFireAt).toBe(before.status.nextFireAt);
      // 03:00 in Berlin is 01:00 or 02:00 UTC, depending on summer time.
      expect([1, 2]).toContain(new Date(after.status.nextFireAt!).getUTCHours());
      await until('a firing after the restart', async () => (await services!.schedules.get('secondly')).status.firings.some((f) => f.state === 'started'));
      await services.schedules.delete('secondly');

      // A scheduler with its own clock, over the same database: the server "was down" for three days.
      const due = after.status.nextFireAt!;
      let clock = due + 3 * 24 * 3600_000 + 60_000;
      const scheduler = new ScheduleService({ ...services, db: services.store.db, now: () => clock });
      await scheduler.tick();
      const nightly = await services.schedules.get('nightly');
      expect(nightly.status.firings).toHaveLength(1);
      const [catchUp] = nightly.status.firings;
      expect(catchUp).toMatchObject({ state: 'started', fireAt: due + 3 * 24 * 3600_000 });
      expect(catchUp!.message).toContain('catching up: the server was down at');
      expect(nightly.status.nextFireAt).toBeGreaterThan(clock);
      expect((await finished(services.pipelines, catchUp!.target!)).scheduleId).toBe('nightly');
      const strict = await services.schedules.get('strict');
      expect(strict.status.firings.map((f) => f.state)).toEqual(['missed']);
      expect(await services.pipelines.list({ scheduleId: 'strict' })).toHaveLength(0);

      clock = nightly.status.nextFireAt! + 500;
      await scheduler.tick();
      const firings = (await services.schedules.get('nightly')).status.firings;
      expect(firings.map((f) => f.state)).toEqual(['started', 'started']);
      // Its run ends before the services close: a task left running would write into the folder removed below.
      await finished(services.pipelines, firings[1]!.target!);
    } finally {
      await services?.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
