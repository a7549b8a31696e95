import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, artifactProxyPath, collect, createClient, joinArtifactPath, type TrainyardClient } from '../../src/clients/index.js';
import { BACKENDS } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe.each(BACKENDS)('TypeScript logged-model and run input/output client on %s', (backend) => {
  let server: TestServer;
  let client: TrainyardClient;
  let expId: string;
  let runId: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    client = createClient(server.url);
    expId = await client.tracking.createExperiment('models-exp');
    runId = (await client.tracking.createRun({ experimentId: expId })).info.run_id;
  });
  afterAll(async () => server?.close());

  it('creates a logged model, tags it, adds params, finalizes and deletes it', async () => {
    const lm = client.loggedModels;
    const created = await lm.create(expId, { name: 'clf', modelType: 'sklearn', sourceRunId: runId, params: { C: '1.0' }, tags: { a: '1' } });
    const id = created.info.model_id;
    expect(id).toMatch(/^m-[0-9a-f]{32}$/);
    expect(created.info).toMatchObject({
      experiment_id: expId,
      name: 'clf',
      model_type: 'sklearn',
      source_run_id: runId,
      status: 'LOGGED_MODEL_PENDING',
      artifact_uri: `mlflow-artifacts:/${expId}/models/${id}/artifacts`,
    });

    await lm.setTags(id, { b: '2', a: 'one' });
    await lm.deleteTag(id, 'b');
    await lm.logParams(id, [{ key: 'penalty', value: 'l2' }]);
    const got = await lm.get(id);
    expect(got.info.tags).toEqual([{ key: 'a', value: 'one' }]);
    expect(got.data.params).toEqual([
      { key: 'C', value: '1.0' },
      { key: 'penalty', value: 'l2' },
    ]);
    expect(await lm.deleteTag(id, 'nope').catch((e: ApiError) => e.errorCode)).toBe('RESOURCE_DOES_NOT_EXIST');

    expect((await lm.finalize(id)).info.status).toBe('LOGGED_MODEL_READY');
    await lm.delete(id);
    expect(await lm.get(id).catch((e: ApiError) => e.status)).toBe(404);
    expect((await lm.get(id, { allowDeleted: true })).info.model_id).toBe(id);
  });

  it('lists a logged model\'s artifacts uploaded through the proxy', async () => {
    const model = await client.loggedModels.create(expId, { name: 'with-files' });
    const root = artifactProxyPath(model.info.artifact_uri);
    await client.artifacts.upload(joinArtifactPath(root, 'MLmodel'), 'flavors: {}\n');
    await client.artifacts.upload(joinArtifactPath(root, 'data/model.pkl'), new Uint8Array([1, 2, 3]));
    const listed = await client.loggedModels.listArtifacts(model.info.model_id);
    expect(listed.rootUri).toBe(model.info.artifact_uri);
    expect(listed.files.map((f) => [f.path, f.is_dir]).sort()).toEqual([
      ['MLmodel', false],
      ['data', true],
    ]);
    expect((await client.loggedModels.listArtifacts(model.info.model_id, 'data')).files).toEqual([{ path: 'data/model.pkl', is_dir: false, file_size: 3 }]);
  });

  it('searches logged models in experiments, page after page', async () => {
    const lm = client.loggedModels;
    const other = await client.tracking.createExperiment('models-search');
    for (const name of ['s1', 's2', 's3']) await lm.create(other, { name, modelType: 'search-me' });
    const all = await collect(lm.models({ experimentIds: [other], filter: "model_type = 'search-me'", orderBy: [{ field_name: 'name' }], maxResults: 2 }));
    expect(all.map((m) => m.info.name)).toEqual(['s1', 's2', 's3']);
  });

  it('records dataset and model inputs, model outputs and MLflow 2 model history on the run', async () => {
    const t = client.tracking;
    const model = await client.loggedModels.create(expId, { name: 'io' });
    await t.logInputs(
      runId,
      [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: { name: 'iris', digest: 'abc123', source_type: 'local', source: '{"uri": "/d/iris.csv"}' } }],
      [{ model_id: model.info.model_id }],
    );
    await t.logOutputs(runId, [{ model_id: model.info.model_id, step: 3 }]);
    await t.logModel(runId, { artifact_path: 'model', flavors: { python_function: {} }, utc_time_created: '2024-01-01 00:00:00.000000', run_id: runId });
    const run = await t.getRun(runId);
    expect(run.inputs.dataset_inputs).toMatchObject([{ dataset: { name: 'iris', digest: 'abc123' }, tags: [{ key: 'mlflow.data.context', value: 'training' }] }]);
    expect(run.inputs.model_inputs).toEqual([{ model_id: model.info.model_id }]);
    expect(run.outputs?.model_outputs).toEqual([{ model_id: model.info.model_id, step: 3 }]);
    const history = (run.data.tags ?? []).find((x) => x.key === 'mlflow.log-model.history');
    expect(JSON.parse(history!.value)).toMatchObject([{ artifact_path: 'model', run_id: runId }]);
  });
});
