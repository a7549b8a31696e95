import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/backends.js';
import { Http, ml } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { exampleManifest, waitForState } from './support.js';

describe.each(BACKENDS)('training lifecycle on %s', (backend) => {
  let server: TestServer;
  let http: Http;
  beforeAll(async () => {
    server = await startTestServer(backend);
    http = new Http(server.url);
  });
  afterAll(async () => server?.close());

  it('runs the quickstart end to end: run, ::metric lines, archive, registered version', async () => {
    const t = server.services.trainings;
    const { manifest, baseDir } = exampleManifest('quickstart', (m) => (m.spec.hyperParameters.epochs = 12));
    const created = await t.create(manifest, { localPaths: true, baseDir });
    expect(created.status.state).toBe('scheduling');
    expect(created.spec.resources.requests).toEqual({ cpu: '500m', memory: '256Mi', gpu: 0 });
    expect(created.status.sourceHash).toMatch(/^[0-9a-f]{64}$/);

    const done = await waitForState(t, 'quickstart');
    expect(done.status).toMatchObject({ state: 'succeeded', exitCode: 0, reason: 'Completed', modelVersion: '1' });
    const [artifact] = done.status.artifacts;
    expect(artifact!.runId).toBe(done.status.runId);
    expect(artifact!.artifactName).toMatch(/^quickstart-1\.0-[0-9a-f-]{36}\.zip$/);

    const run = (await http.get(ml('/runs/get'), { run_id: done.status.runId })).body.run;
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.params).toEqual(expect.arrayContaining([{ key: 'epochs', value: '12' }, { key: 'learning_rate', value: '0.1' }]));
    const tags = Object.fromEntries(run.data.tags.map((x: any) => [x.key, x.value]));
    expect(tags).toMatchObject({ training_id: 'quickstart', model_name: 'quickstart', model_version: '1.0' });
    const history = (await http.get(ml('/metrics/get-history'), { run_id: done.status.runId, metric_key: 'mse' })).body.metrics;
    expect(history.map((m: any) => m.step)).toEqual([...Array(12).keys()].map((i) => i + 1));

    const listed = (await http.get(ml('/artifacts/list'), { run_id: done.status.runId })).body.files.map((f: any) => f.path);
    expect(listed).toEqual(expect.arrayContaining(['output', 'results', 'training.log']));
    const results = (await http.get(ml('/artifacts/list'), { run_id: done.status.runId, path: 'results' })).body.files;
    expect(results.map((f: any) => f.path)).toEqual([`results/${artifact!.artifactName}`]);

    const version = (await http.get(ml('/model-versions/get'), { name: 'quickstart', version: '1' })).body.model_version;
    expect(version).toMatchObject({ run_id: done.status.runId, status: 'READY', source: `${run.info.artifact_uri}/output` });
    const events = await t.events('quickstart');
    expect(events.map((e) => e.state)).toEqual(['scheduling', 'running', 'succeeded']);
  });

  it('edits a training into a new generation and cancels a running one', async () => {
    const t = server.services.trainings;
    const { manifest, baseDir } = exampleManifest('quickstart', (m) => {
      m.id = 'sleeper';
      m.spec.command = 'sleep 30';
    });
    await t.create(manifest, { localPaths: true, baseDir });
    await waitForState(t, 'sleeper', ['running']);
    const cancelled = await t.cancel('sleeper');
    expect(['running', 'cancelled']).toContain(cancelled.status.state);
    const done = await waitForState(t, 'sleeper');
    expect(done.status).toMatchObject({ state: 'cancelled', reason: 'Cancelled' });
    expect((await http.get(ml('/runs/get'), { run_id: done.status.runId })).body.run.info.status).toBe('KILLED');

    manifest.spec.command = 'echo again';
    const edited = await t.edit(manifest, { localPaths: true, baseDir });
    expect(edited.status.generation).toBe(2);
    const again = await waitForState(t, 'sleeper');
    expect(again.status.state).toBe('succeeded');
    expect(again.status.runId).not.toBe(done.status.runId);
    let log = '';
    for await (const chunk of t.logs('sleeper')) log += chunk.toString();
    expect(log).toContain('again');
  });

  it('fails a training whose command exits non-zero, with its exit code', async () => {
    const t = server.services.trainings;
    const { manifest, baseDir } = exampleManifest('quickstart', (m) => {
      m.id = 'broken';
      m.spec.command = 'echo oops >&2; exit 3';
    });
    await t.create(manifest, { localPaths: true, baseDir });
    const done = await waitForState(t, 'broken');
    expect(done.status).toMatchObject({ state: 'failed', exitCode: 3, reason: 'Error' });
    expect(done.status.artifacts).toEqual([]);
    expect((await http.get(ml('/runs/get'), { run_id: done.status.runId })).body.run.info.status).toBe('FAILED');
  });

  it('copies data bindings into the work directory, and names binding, connection and path when one is missing', async () => {
    const t = server.services.trainings;
    const data = mkdtempSync(join(tmpdir(), 'trainyard-data-'));
    mkdirSync(join(data, 'train'));
    writeFileSync(join(data, 'train', 'rows.csv'), 'x,y\n1,2\n');
    await server.services.connections.create({ id: `${backend}-data`, spec: { type: 'local', uri: data } });
    const good = exampleManifest('quickstart', (m) => {
      m.id = 'with-data';
      m.spec.command = 'cat input/rows.csv';
      m.spec.data = [{ connName: `${backend}-data`, localPath: 'input/', remotePath: 'train' }];
    });
    await t.create(good.manifest, { localPaths: true, baseDir: good.baseDir });
    expect((await waitForState(t, 'with-data')).status.state).toBe('succeeded');
    let log = '';
    for await (const chunk of t.logs('with-data')) log += chunk.toString();
    expect(log).toContain('x,y');

    const bad = exampleManifest('quickstart', (m) => {
      m.id = 'missing-data';
      m.spec.data = [{ connName: `${backend}-data`, localPath: 'input/', remotePath: 'no-such-folder' }];
    });
    await t.create(bad.manifest, { localPaths: true, baseDir: bad.baseDir });
    const failed = await waitForState(t, 'missing-data');
    expect(failed.status).toMatchObject({ state: 'failed', reason: 'DataBindingFailed' });
    expect(failed.status.message).toContain('spec.data[0]');
    expect(failed.status.message).toContain(`${backend}-data`);
    expect(failed.status.message).toContain('no-such-folder');
  });

  it('stops a training at its timeout', async () => {
    const t = server.services.trainings;
    const { manifest, baseDir } = exampleManifest('quickstart', (m) => {
      m.id = 'slowpoke';
      m.spec.command = 'sleep 20';
      m.spec.timeout = 1;
    });
    await t.create(manifest, { localPaths: true, baseDir });
    const done = await waitForState(t, 'slowpoke');
    expect(done.status).toMatchObject({ state: 'failed', reason: 'Timeout' });
  });

  it('refuses a local folder on the server side unless asked to read local paths', async () => {
    const { manifest } = exampleManifest('quickstart', (m) => (m.id = 'remote-local'));
    await expect(server.services.trainings.create(manifest)).rejects.toThrow(/does not read folders from its own disk/);
  });
});
