/** /api/v1/pipelines and /api/v1/schedules over HTTP against a real server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BACKENDS } from '../support/backends.js';
import { Http } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';

const V1 = '/api/v1';
const manifest = {
  kind: 'Pipeline',
  name: 'api',
  params: { greeting: 'hello' },
  tasks: {
    make: { command: 'echo {greeting} > out.txt; echo made it', outputs: ['out.txt'] },
    use: { command: 'cat out.txt', inputs: ['make'] },
  },
};

describe.each(BACKENDS)('/api/v1/pipelines on %s', (backend) => {
  let server: TestServer;
  let http: Http;
  beforeAll(async () => {
    server = await startTestServer(backend);
    http = new Http(server.url);
  });
  afterAll(async () => server?.close());

  async function ended(id: string): Promise<any> {
    for (let i = 0; i < 300; i++) {
      const run = (await http.get(`${V1}/pipelines/${id}`)).body;
      if (run.state !== 'running') return run;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`pipeline run ${id} did not end`);
  }

  // First: nothing has run on this server's home yet.
  it('plans a dry run before any pipeline has run', async () => {
    const plan = await http.post(`${V1}/pipelines/plan`, manifest);
    expect(plan.status, JSON.stringify(plan.body)).toBe(200);
    expect(plan.body.tasks.map((t: any) => [t.name, t.action])).toEqual([['make', 'run'], ['use', 'run']]);
  });

  it('submits a bare manifest, reads the run with each task, lists runs and streams a task log', async () => {
    const created = await http.post(`${V1}/pipelines`, manifest);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'PipelineRun', pipeline: 'api', state: 'running', params: { greeting: 'hello' } });
    const run = await ended(created.body.id);
    expect(run.state).toBe('succeeded');
    expect(run.tasks.map((t: any) => [t.name, t.state])).toEqual([['make', 'succeeded'], ['use', 'succeeded']]);
    expect(run.tasks[0].outputs).toEqual([expect.objectContaining({ name: 'out.txt', kind: 'file', files: 1 })]);

    const listed = await http.get(`${V1}/pipelines`, { pipeline: 'api', state: 'succeeded' });
    expect(listed.body.pipelineRuns.map((r: any) => r.id)).toContain(run.id);
    const log = await http.get(`${V1}/pipelines/${run.id}/tasks/make/logs`);
    expect(log.status).toBe(200);
    expect(log.headers.get('content-type')).toContain('text/plain');
    expect(log.body).toContain('made it');
    expect(log.body).toContain('[trainyard] command: echo hello > out.txt; echo made it');
  });

  it('takes an envelope with params (also as YAML), plans a dry run, and says why a task would run', async () => {
    const plan = await http.post(`${V1}/pipelines/plan`, { pipeline: manifest, params: { greeting: 'bonjour' } });
    expect(plan.status).toBe(200);
    expect(plan.body.tasks.map((t: any) => [t.name, t.action, t.changed])).toEqual([
      ['make', 'run', ['definition', 'params']],
      ['use', 'run', []],
    ]);
    expect(plan.body.tasks[1].reason).toBe("upstream 'make' runs");
    const res = await fetch(`${server.url}${V1}/pipelines`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: stringify({ pipeline: manifest, params: { greeting: 'bonjour' }, force: [] }) });
    expect(res.status).toBe(201);
    const run = await ended(((await res.json()) as { id: string }).id);
    expect(run.params).toEqual({ greeting: 'bonjour' });
    expect(run.tasks.map((t: any) => t.state)).toEqual(['succeeded', 'succeeded']);
    const again = await http.post(`${V1}/pipelines/plan`, { pipeline: manifest, params: { greeting: 'bonjour' } });
    expect(again.body.tasks.map((t: any) => t.action)).toEqual(['cached', 'cached']);
  });

  it('answers 400 listing every problem, 404 for a missing run or task, and cancels a run', async () => {
    const bad = await http.post(`${V1}/pipelines`, { kind: 'Pipeline', name: 'Bad Name', tasks: { a: { command: 'true', needs: ['ghost'] }, b: { needs: ['a'] } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(bad.body.details.map((d: any) => d.field).sort()).toEqual(['name', 'tasks.a.needs[0]', 'tasks.b']);
    expect((await http.get(`${V1}/pipelines/nope-0000`)).status).toBe(404);
    const run = (await http.post(`${V1}/pipelines`, manifest)).body;
    const missingTask = await http.get(`${V1}/pipelines/${run.id}/tasks/ghost/logs`);
    expect(missingTask.status).toBe(404);
    expect(missingTask.body.message).toBe(`Pipeline run '${run.id}' has no task 'ghost' (tasks: make, use)`);

    const slow = (await http.post(`${V1}/pipelines`, { kind: 'Pipeline', name: 'slow', tasks: { nap: { command: 'sleep 30' } } })).body;
    const cancelled = await http.post(`${V1}/pipelines/${slow.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.cancelRequested).toBe(true);
    expect((await ended(slow.id)).state).toBe('cancelled');
  });

  it('creates, lists, reads and deletes schedules with their next firing', async () => {
    const schedule = { kind: 'Schedule', id: 'api-nightly', spec: { cron: '30 2 * * 1-5', timezone: 'America/New_York', overlap: 'queue', pipeline: { spec: manifest, params: { greeting: 'hi' } } } };
    const created = await http.post(`${V1}/schedules`, schedule);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'Schedule', id: 'api-nightly', spec: { cron: '30 2 * * 1-5', timezone: 'America/New_York', overlap: 'queue', catchUp: true } });
    const next = new Date(created.body.status.nextFireAt);
    expect(next.getUTCMinutes()).toBe(30);
    expect([6, 7]).toContain(next.getUTCHours());
    expect((await http.post(`${V1}/schedules`, schedule)).status).toBe(400);
    expect((await http.get(`${V1}/schedules`)).body.schedules.map((s: any) => s.id)).toEqual(['api-nightly']);
    expect((await http.get(`${V1}/schedules/api-nightly`)).body.status).toMatchObject({ queued: 0, firings: [] });
    const bad = await http.post(`${V1}/schedules`, { kind: 'Schedule', id: 'x', spec: { cron: 'every day', pipeline: { file: 'p.yaml' } } });
    expect(bad.body.details.map((d: any) => d.field).sort()).toEqual(['spec.cron', 'spec.pipeline.spec']);
    expect((await http.delete(`${V1}/schedules/api-nightly`)).status).toBe(204);
    expect((await http.get(`${V1}/schedules/api-nightly`)).status).toBe(404);
  });

  it('describes the routes and their schemas in the OpenAPI document', async () => {
    const doc = (await http.get(`${V1}/openapi.json`)).body;
    for (const path of ['/api/v1/pipelines', '/api/v1/pipelines/plan', '/api/v1/pipelines/{id}', '/api/v1/pipelines/{id}/cancel', '/api/v1/pipelines/{id}/tasks/{task}/logs', '/api/v1/schedules', '/api/v1/schedules/{id}']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    for (const name of ['PipelineManifest', 'PipelineRun', 'PipelineTask', 'PipelinePlan', 'Schedule', 'ScheduleManifest']) expect(doc.components.schemas[name], name).toBeDefined();
    expect(doc.components.schemas.PipelineTask.properties.state.anyOf.flatMap((s: any) => s.enum ?? [s.const])).toEqual(['pending', 'running', 'succeeded', 'failed', 'cached', 'upstream-failed', 'cancelled']);
  });
});
