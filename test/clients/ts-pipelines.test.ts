/** The TypeScript client's pipelines and schedules (what the web UI and the remote CLI use) against a real server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createClient, type PipelineRunView, type PipelinesClient } from '../../src/clients/index.js';
import { BACKENDS } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/server.js';

const manifest = {
  kind: 'Pipeline' as const,
  name: 'client',
  params: { greeting: 'hello' },
  tasks: {
    make: { command: 'echo {greeting} > out.txt; echo made it', outputs: ['out.txt'] },
    use: { command: 'cat out.txt', inputs: ['make'] },
  },
};

async function text(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  let out = '';
  for await (const chunk of chunks) out += Buffer.from(chunk).toString();
  return out;
}

describe.each(BACKENDS)('TypeScript pipelines client on %s', (backend) => {
  let server: TestServer;
  let client: PipelinesClient;
  beforeAll(async () => {
    server = await startTestServer(backend);
    client = createClient(server.url).pipelines;
  });
  afterAll(async () => server?.close());

  async function ended(id: string): Promise<PipelineRunView> {
    for (let i = 0; i < 300; i++) {
      const run = await client.getPipelineRun(id);
      if (run.state !== 'running') return run;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`pipeline run ${id} did not end`);
  }

  it('plans, submits with params, follows a task log to its end, reads and lists runs', async () => {
    const plan = await client.planPipeline({ pipeline: manifest, params: { greeting: 'bonjour' } });
    expect(plan.tasks.map((t) => [t.name, t.action])).toEqual([['make', 'run'], ['use', 'run']]);

    const created = await client.submitPipeline({ pipeline: manifest, params: { greeting: 'bonjour' } });
    expect(created).toMatchObject({ kind: 'PipelineRun', pipeline: 'client', state: 'running', params: { greeting: 'bonjour' } });
    const followed = await text(client.pipelineTaskLogs(created.id, 'use', { follow: true }));
    expect(followed).toContain('bonjour\n');
    const run = await ended(created.id);
    expect(run.tasks.map((t) => [t.name, t.state])).toEqual([['make', 'succeeded'], ['use', 'succeeded']]);
    expect(await text(client.pipelineTaskLogs(run.id, 'make'))).toContain('made it\n');

    const again = await ended((await client.submitPipeline({ pipeline: manifest, params: { greeting: 'bonjour' }, force: ['use'] })).id);
    expect(again.tasks.map((t) => t.state)).toEqual(['cached', 'succeeded']);
    expect((await client.listPipelineRuns({ pipeline: 'client' })).map((r) => r.id)).toEqual([again.id, run.id]);
    expect((await client.listPipelineRuns({ pipeline: 'client', limit: 1 })).map((r) => r.id)).toEqual([again.id]);
    expect(await client.listPipelineRuns({ pipeline: 'client', state: 'failed' })).toEqual([]);
  });

  it('cancels a run; an aborted follow ends quietly; errors are ApiErrors naming each field', async () => {
    const slow = await client.submitPipeline({ pipeline: { kind: 'Pipeline', name: 'slow', tasks: { nap: { command: 'echo napping; sleep 30' } } } });
    const stop = new AbortController();
    let seen = '';
    for await (const chunk of client.pipelineTaskLogs(slow.id, 'nap', { follow: true, signal: stop.signal })) {
      seen += Buffer.from(chunk).toString();
      if (seen.includes('napping\n')) stop.abort();
    }
    expect((await client.cancelPipelineRun(slow.id)).cancelRequested).toBe(true);
    expect((await ended(slow.id)).state).toBe('cancelled');

    const bad = await client.submitPipeline({ pipeline: { kind: 'Pipeline', name: 'Bad Name', tasks: { a: { command: 'true', needs: ['ghost'] } } } }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ApiError);
    expect(bad).toMatchObject({ status: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
    expect((bad as ApiError).details?.map((d) => d.field).sort()).toEqual(['name', 'tasks.a.needs[0]']);
    await expect(client.getPipelineRun('nope-0000')).rejects.toMatchObject({ status: 404 });
    await expect(text(client.pipelineTaskLogs(slow.id, 'ghost'))).rejects.toMatchObject({ status: 404 });
  });

  it('creates, reads, lists and deletes a schedule with its next firing', async () => {
    const created = await client.createSchedule({ kind: 'Schedule', id: 'client-nightly', spec: { cron: '30 2 * * *', timezone: 'UTC', pipeline: { spec: manifest, params: { greeting: 'hi' } } } });
    expect(created).toMatchObject({ kind: 'Schedule', id: 'client-nightly', spec: { cron: '30 2 * * *', timezone: 'UTC', overlap: 'skip', target: { kind: 'pipeline', params: { greeting: 'hi' } } } });
    const next = new Date(created.status.nextFireAt!);
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([2, 30]);
    expect((await client.getSchedule('client-nightly')).status).toMatchObject({ nextFireAt: created.status.nextFireAt, queued: 0, firings: [] });
    expect((await client.listSchedules()).map((s) => s.id)).toEqual(['client-nightly']);
    await client.deleteSchedule('client-nightly');
    await expect(client.getSchedule('client-nightly')).rejects.toMatchObject({ status: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    expect(await client.listSchedules()).toEqual([]);
  });
});
