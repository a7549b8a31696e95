import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ApiError, V1Client, type ModelTraining, type TrainingManifestInput } from '../../src/clients/index.js';
import { uploadSource } from '../../src/clients/v1-sources.js';
import { trainingsRoot } from '../../src/trainings/workspace.js';
import { BACKENDS } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { EXAMPLES } from '../trainings/support.js';

const QUICKSTART = join(EXAMPLES, 'quickstart');
const FINISHED = ['succeeded', 'failed', 'cancelled'];

async function failure(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of chunks) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

describe.each(BACKENDS)('/api/v1/trainings on %s', (backend) => {
  let server: TestServer;
  let client: V1Client;
  let snapshot: string;

  /** The quickstart manifest under another id, its source the uploaded snapshot. */
  const manifest = (id: string, change: (m: any) => void = () => {}): TrainingManifestInput => {
    const m = parse(readFileSync(join(QUICKSTART, 'training.yaml'), 'utf8'));
    m.id = id;
    m.spec.hyperParameters.epochs = 5;
    m.spec.algorithmSource.local.snapshot = snapshot;
    change(m);
    return m;
  };

  const waitFor = async (id: string, states = FINISHED): Promise<ModelTraining> => {
    for (let i = 0; i < 600; i++) {
      const t = await client.getTraining(id);
      if (states.includes(t.status.state)) return t;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`training ${id} did not reach ${states.join('/')}`);
  };

  const post = (path: string, body: string, type: string) => fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

  beforeAll(async () => {
    server = await startTestServer(backend);
    client = new V1Client(server.url);
    snapshot = (await uploadSource(client, QUICKSTART)).hash;
  });
  afterAll(async () => server?.close());

  it('creates a training from JSON with an uploaded source, shows its defaults, and runs it', async () => {
    const created = await client.createTraining(manifest('from-json'));
    expect(created).toMatchObject({ kind: 'ModelTraining', id: 'from-json', status: { state: 'scheduling', generation: 1, sourceHash: snapshot } });
    const got = await client.getTraining('from-json');
    expect(got.spec).toMatchObject({
      toolchain: 'command',
      workDir: '.',
      executor: 'local',
      experiment: 'quickstart',
      model: { name: 'quickstart', version: '1.0', artifactNameTemplate: '{{ .Name }}-{{ .Version }}-{{ .RandomUUID }}.zip' },
      resources: { requests: { cpu: '500m', memory: '256Mi', gpu: 0 }, limits: { cpu: '1', memory: '1Gi', gpu: 0 } },
      hyperParameters: { epochs: '5', learning_rate: '0.1' },
    });
    const done = await waitFor('from-json');
    expect(done.status).toMatchObject({ state: 'succeeded', exitCode: 0, modelVersion: expect.any(String) });
    expect(done.status.artifacts).toHaveLength(1);
  });

  it.each(['application/yaml', 'application/x-yaml', 'text/yaml'])('creates a training from YAML sent as %s', async (type) => {
    const id = `yaml-${type.replace(/\W/g, '-')}`;
    const res = await post('/api/v1/trainings', stringify(manifest(id)), `${type}; charset=utf-8`);
    expect(res.status).toBe(201);
    const body = (await res.json()) as ModelTraining;
    expect(body).toMatchObject({ id, spec: { model: { name: 'quickstart' }, toolchain: 'command' }, status: { state: 'scheduling' } });
    expect((await waitFor(id)).status.state).toBe('succeeded');
  });

  it('refuses a malformed YAML body, a YAML alias bomb and more than one document, and keeps serving', async () => {
    const broken = await post('/api/v1/trainings', 'spec: [unclosed', 'application/yaml');
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error_code: 'BAD_REQUEST', message: expect.stringContaining('Malformed YAML body') });
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
    const exploded = await post('/api/v1/trainings', bomb, 'application/yaml');
    expect(exploded.status).toBe(400);
    expect(((await exploded.json()) as { message: string }).message).toMatch(/alias/i);
    const twoDocs = await post('/api/v1/trainings', `${stringify(manifest('two-a'))}---\n${stringify(manifest('two-b'))}`, 'application/yaml');
    expect(twoDocs.status).toBe(400);
    const huge = await post('/api/v1/trainings', `# ${'x'.repeat(2 * 1024 * 1024)}\n`, 'application/yaml');
    expect(huge.status).toBe(413);
    expect((await client.listTrainings()).map((t) => t.id)).not.toContain('two-a');
  });

  it('answers a manifest with five mistakes with one 400 naming each field', async () => {
    const res = await fetch(`${server.url}/api/v1/trainings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'ModelTraining',
        id: 'Bad_Id',
        spec: {
          model: { name: 'quickstart', version: '1.0' },
          toolchain: 'gradle',
          resources: { requests: { cpu: '4' }, limits: { cpu: '1' } },
          envs: [{ name: 'MLFLOW_RUN_ID', value: 'x' }],
          algorithmSource: { local: { path: '.', snapshot } },
          hyperParameter: { alpha: 1 },
        },
      }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error_code: string; message: string; details: { field: string; message: string }[] };
    expect(body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(body.details).toHaveLength(5);
    expect(body.details.map((d) => d.field).sort()).toEqual(['id', 'spec.envs[0].name', 'spec.hyperParameter', 'spec.resources.requests.cpu', 'spec.toolchain']);
    for (const d of body.details) expect(body.message).toContain(d.field);
    expect(body.details.find((d) => d.field === 'spec.hyperParameter')!.message).toBe('unknown field');
  });

  it('refuses a local source path without an uploaded snapshot, naming the field and the way to upload', async () => {
    const err = await failure(client.createTraining(manifest('server-path', (m) => delete m.spec.algorithmSource.local.snapshot)));
    expect(err.status).toBe(400);
    expect(err.errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect(err.message).toContain('spec.algorithmSource.local.path');
    expect(err.message).toContain('/api/v1/sources');
    const unknown = await failure(client.createTraining(manifest('bad-snapshot', (m) => (m.spec.algorithmSource.local.snapshot = 'f'.repeat(64)))));
    expect(unknown.message).toContain('spec.algorithmSource.local.snapshot');
    await expect(client.getTraining('server-path')).rejects.toMatchObject({ status: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('refuses a second create of the same id', async () => {
    const err = await failure(client.createTraining(manifest('from-json')));
    expect(err).toMatchObject({ status: 400, errorCode: 'RESOURCE_ALREADY_EXISTS' });
  });

  it('lists trainings filtered by model name, model version and state', async () => {
    await client.createTraining(manifest('other-model', (m) => (m.spec.model = { name: 'rent', version: '2.0' })));
    await waitFor('other-model');
    const all = (await client.listTrainings()).map((t) => t.id);
    expect(all).toEqual(expect.arrayContaining(['from-json', 'other-model']));
    expect((await client.listTrainings({ modelName: 'rent' })).map((t) => t.id)).toEqual(['other-model']);
    expect((await client.listTrainings({ modelVersion: '2.0' })).map((t) => t.id)).toEqual(['other-model']);
    expect((await client.listTrainings({ modelName: 'quickstart', modelVersion: '2.0' })).map((t) => t.id)).toEqual([]);
    const succeeded = (await client.listTrainings({ state: 'succeeded' })).map((t) => t.id);
    expect(succeeded).toEqual(expect.arrayContaining(['from-json', 'other-model']));
    expect(await client.listTrainings({ state: 'running' })).toEqual([]);
    const bad = await fetch(`${server.url}/api/v1/trainings?state=sleeping`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', details: [{ field: 'state' }] });
  });

  it('edits a training into a second generation that runs again; the body id must match the URL', async () => {
    const edited = await client.editTraining(manifest('from-json', (m) => (m.spec.hyperParameters.epochs = 3)));
    expect(edited.status).toMatchObject({ generation: 2, state: 'scheduling' });
    expect(edited.spec.hyperParameters.epochs).toBe('3');
    const done = await waitFor('from-json');
    expect(done.status).toMatchObject({ state: 'succeeded', generation: 2 });

    const withoutId = manifest('ignored') as Record<string, unknown>;
    delete withoutId.id;
    const res = await fetch(`${server.url}/api/v1/trainings/from-json`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(withoutId) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as ModelTraining).status.generation).toBe(3);
    await waitFor('from-json');

    const mismatch = await fetch(`${server.url}/api/v1/trainings/from-json`, { method: 'PUT', headers: { 'content-type': 'application/yaml' }, body: stringify(manifest('other-model')) });
    expect(mismatch.status).toBe(400);
    expect(await mismatch.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', details: [{ field: 'id' }] });
    expect((await client.getTraining('other-model')).status.generation).toBe(1);
    await expect(client.editTraining(manifest('never-created'))).rejects.toMatchObject({ status: 404 });
  });

  it('re-runs a training from its own read: GET output sent back as YAML is a valid edit', async () => {
    const read = await client.getTraining('other-model');
    const res = await fetch(`${server.url}/api/v1/trainings/other-model`, { method: 'PUT', headers: { 'content-type': 'application/yaml' }, body: stringify(read) });
    expect(res.status).toBe(200);
    const rerun = (await res.json()) as ModelTraining;
    expect(rerun.status.generation).toBe(read.status.generation + 1);
    expect(rerun.spec).toEqual(read.spec);
    expect((await waitFor('other-model')).status.state).toBe('succeeded');
  });

  it('shows the state timeline across generations', async () => {
    const events = await client.trainingEvents('from-json');
    const gen1 = events.filter((e) => e.generation === 1).map((e) => e.state);
    const gen2 = events.filter((e) => e.generation === 2).map((e) => e.state);
    expect(gen1).toEqual(['scheduling', 'running', 'succeeded']);
    expect(gen2).toEqual(['scheduling', 'running', 'succeeded']);
    expect(events.every((e) => typeof e.at === 'number')).toBe(true);
    await expect(client.trainingEvents('nope')).rejects.toMatchObject({ status: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('returns the log of a finished training, and streams a running one until it finishes', async () => {
    const log = await collect(client.trainingLogs('other-model'));
    expect(log).toContain('Training on 40 rows');
    expect(log).toContain('::metric name=rmse');

    await client.createTraining(manifest('followed', (m) => (m.spec.command = 'echo first; sleep 1; echo last-line')));
    const followed = await collect(client.trainingLogs('followed', { follow: true }));
    expect(followed).toContain('first');
    expect(followed).toContain('last-line');
    // The stream ends only once the training has finished.
    expect(FINISHED).toContain((await client.getTraining('followed')).status.state);

    const res = await fetch(`${server.url}/api/v1/trainings/followed/logs`);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toContain('last-line');
    await expect(collect(client.trainingLogs('nope'))).rejects.toMatchObject({ status: 404 });
  });

  it('keeps serving when a client following a log goes away, and cancels a running training', async () => {
    await client.createTraining(manifest('sleeper', (m) => (m.spec.command = 'echo sleeping; sleep 60')));
    const stop = new AbortController();
    let seen = '';
    for await (const chunk of client.trainingLogs('sleeper', { follow: true, signal: stop.signal })) {
      seen += new TextDecoder().decode(chunk);
      if (seen.includes('sleeping')) stop.abort();
    }
    expect(seen).toContain('sleeping');
    // A follower that stops by `break` ends its request too.
    for await (const chunk of client.trainingLogs('sleeper', { follow: true })) if (chunk.length > 0) break;

    // The program's first output can come before the dispatcher has recorded that it started.
    expect((await waitFor('sleeper', ['running', ...FINISHED])).status.state).toBe('running');
    const cancelled = await client.cancelTraining('sleeper');
    expect(['running', 'cancelled']).toContain(cancelled.status.state);
    const done = await waitFor('sleeper');
    expect(done.status).toMatchObject({ state: 'cancelled', reason: 'Cancelled' });
    expect((await client.trainingEvents('sleeper')).map((e) => e.state)).toEqual(['scheduling', 'running', 'cancelled']);
    await expect(client.cancelTraining('nope')).rejects.toMatchObject({ status: 404 });
  });

  it('deletes a training: 204, then 404 for it and for a second delete', async () => {
    const res = await fetch(`${server.url}/api/v1/trainings/other-model`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    await expect(client.getTraining('other-model')).rejects.toMatchObject({ status: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(client.deleteTraining('other-model')).rejects.toMatchObject({ status: 404 });
    expect((await client.listTrainings({ modelName: 'rent' })).map((t) => t.id)).toEqual([]);
  });

  it('deletes a training whose data is still downloading: the download is stopped and its folder removed for good', async () => {
    // A data source that sends a little and then stalls, the way a slow remote file does.
    let requested!: () => void;
    const downloading = new Promise<void>((resolve) => (requested = resolve));
    const closed: Promise<void>[] = [];
    const slow = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': String(1 << 30) });
      res.write('a,b\n1,2\n');
      closed.push(new Promise((resolve) => res.once('close', () => resolve())));
      requested();
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      await client.createConnection({ id: 'slow-http', spec: { type: 'http', uri: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/big.csv` } });
      await client.createTraining(manifest('downloading', (m) => (m.spec.data = [{ connName: 'slow-http', localPath: 'data/big.csv' }])));
      await downloading;
      const folder = join(trainingsRoot(server.home), 'downloading');
      expect(existsSync(folder)).toBe(true);

      await client.deleteTraining('downloading');
      // The preparation stopped before the delete answered: the download's connection is closed,
      // and the folder it was writing into is gone and stays gone.
      await Promise.all(closed);
      expect(existsSync(folder)).toBe(false);
      await new Promise((r) => setTimeout(r, 300));
      expect(existsSync(folder)).toBe(false);
      await expect(client.getTraining('downloading')).rejects.toMatchObject({ status: 404 });
    } finally {
      slow.closeAllConnections();
      await new Promise((resolve) => slow.close(resolve));
    }
  });
});
