import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/backends.js';
import { Http, ml, type Reply } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';

function expectError(r: Reply, status: number, code: string, text?: string): void {
  expect(r.status).toBe(status);
  expect(r.body.error_code).toBe(code);
  if (text !== undefined) expect(r.body.message).toContain(text);
}

const dataset = (name: string, digest: string, extra: object = {}) => ({ name, digest, source_type: 'local', source: '{"uri": "/data/x.csv"}', ...extra });
const context = (value: string) => [{ key: 'mlflow.data.context', value }];

describe.each(BACKENDS)('run inputs, outputs and log-model on %s', (backend) => {
  let server: TestServer;
  let http: Http;
  beforeAll(async () => {
    server = await startTestServer(backend);
    http = new Http(server.url);
  });
  afterAll(async () => server?.close());

  const newRun = async (experimentId = '0') => (await http.post(ml('/runs/create'), { experiment_id: experimentId })).body.run.info.run_id as string;
  const getRun = async (runId: string) => (await http.get(ml('/runs/get'), { run_id: runId })).body.run;
  const newModel = async (extra: object = {}) => (await http.post(ml('/logged-models'), { experiment_id: '0', ...extra })).body.model.info.model_id as string;

  it('links datasets once per run with the first tags, deduplicating by name and digest', async () => {
    const run = await newRun();
    const r = await http.post(ml('/runs/log-inputs'), {
      run_id: run,
      datasets: [
        { tags: context('training'), dataset: dataset('iris', 'd1', { schema: '{"mlflow_colspec": []}', profile: '{"num_rows": 150}' }) },
        { tags: context('ignored-duplicate'), dataset: dataset('iris', 'd1') },
        { dataset: dataset('iris', 'd2') },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({});
    await http.post(ml('/runs/log-inputs'), { run_id: run, datasets: [{ tags: context('eval'), dataset: dataset('iris', 'd1') }] });
    const inputs = (await getRun(run)).inputs.dataset_inputs;
    expect(inputs).toHaveLength(2);
    const d1 = inputs.find((i: { dataset: { digest: string } }) => i.dataset.digest === 'd1');
    expect(d1).toEqual({
      tags: context('training'),
      dataset: { name: 'iris', digest: 'd1', source_type: 'local', source: '{"uri": "/data/x.csv"}', schema: '{"mlflow_colspec": []}', profile: '{"num_rows": 150}' },
    });
    expect(inputs.find((i: { dataset: { digest: string } }) => i.dataset.digest === 'd2').tags).toBeUndefined();

    // Another run of the same experiment reuses the stored dataset.
    const other = await newRun();
    await http.post(ml('/runs/log-inputs'), { run_id: other, datasets: [{ tags: context('eval'), dataset: dataset('iris', 'd1') }] });
    expect((await getRun(other)).inputs.dataset_inputs).toEqual([{ tags: context('eval'), dataset: d1.dataset }]);
    const rows = await server.services.store.db.selectFrom('datasets').select('dataset_uuid').where('name', '=', 'iris').where('digest', '=', 'd1').execute();
    expect(rows).toHaveLength(1);
  });

  it('refuses bad log-inputs without writing anything', async () => {
    const run = await newRun();
    const bad = await http.post(ml('/runs/log-inputs'), {
      run_id: run,
      datasets: [{ dataset: dataset('ok', 'd1') }, { dataset: { name: 'x', digest: 'y', source_type: 'local' } }],
    });
    expectError(bad, 400, 'INVALID_PARAMETER_VALUE', "'datasets[1].dataset.source'");
    expectError(await http.post(ml('/runs/log-inputs'), { run_id: run, datasets: [{ dataset: dataset('x', 'd'.repeat(37)) }] }), 400, 'INVALID_PARAMETER_VALUE', 'digest');
    expectError(await http.post(ml('/runs/log-inputs'), { run_id: run, datasets: [{ dataset: dataset('x', 'd') }], models: [{ model_id: 'm-missing' }] }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expect((await getRun(run)).inputs).toEqual({});
    expectError(await http.post(ml('/runs/log-inputs'), { run_id: 'f'.repeat(32), datasets: [] }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await http.post(ml('/runs/log-inputs'), { datasets: [] }), 400, 'INVALID_PARAMETER_VALUE', "'run_id'");
    await http.post(ml('/runs/delete'), { run_id: run });
    expectError(await http.post(ml('/runs/log-inputs'), { run_id: run, datasets: [{ dataset: dataset('x', 'd') }] }), 400, 'INVALID_PARAMETER_VALUE', "must be in the 'active' state");
  });

  it('records model inputs and outputs on the run', async () => {
    const run = await newRun();
    const a = await newModel();
    const b = await newModel();
    expect((await http.post(ml('/runs/log-inputs'), { run_id: run, models: [{ model_id: a }, { model_id: a }] })).status).toBe(200);
    expect((await http.post(ml('/runs/outputs'), { run_id: run, models: [{ model_id: b, step: 3 }] })).status).toBe(200);
    const r = await getRun(run);
    expect(r.inputs.model_inputs).toEqual([{ model_id: a }]);
    expect(r.outputs.model_outputs).toEqual([{ model_id: b, step: 3 }]);
    // Logging the same output again moves it to the new step.
    await http.post(ml('/runs/outputs'), { run_id: run, models: [{ model_id: b, step: '5' }] });
    expect((await getRun(run)).outputs.model_outputs).toEqual([{ model_id: b, step: 5 }]);

    expectError(await http.post(ml('/runs/outputs'), { run_id: run, models: [{ model_id: b }] }), 400, 'INVALID_PARAMETER_VALUE', 'models[0].step');
    expectError(await http.post(ml('/runs/outputs'), { run_id: run, models: [{ step: 1 }] }), 400, 'INVALID_PARAMETER_VALUE', 'models[0].model_id');
    expectError(await http.post(ml('/runs/outputs'), { run_id: run, models: [{ model_id: 'm-unknown', step: 1 }] }), 404, 'RESOURCE_DOES_NOT_EXIST', "Logged model with ID 'm-unknown' not found.");
    expectError(await http.post(ml('/runs/outputs'), { run_id: 'f'.repeat(32), models: [{ model_id: b, step: 1 }] }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('emits inputs and outputs as empty objects on a bare run', async () => {
    const r = await getRun(await newRun());
    expect(r.inputs).toEqual({});
    expect(r.outputs).toEqual({});
  });

  it('appends log-model entries to the mlflow.log-model.history tag and validates model_json', async () => {
    const run = await newRun();
    const model = (n: number) => ({ artifact_path: 'model', flavors: { python_function: {} }, run_id: run, utc_time_created: `2024-01-0${n} 00:00:00`, model_uuid: `u${n}` });
    for (const n of [1, 2]) {
      expect((await http.post(ml('/runs/log-model'), { run_id: run, model_json: JSON.stringify(model(n)) })).status).toBe(200);
    }
    const tag = (await getRun(run)).data.tags.find((t: { key: string }) => t.key === 'mlflow.log-model.history');
    expect(JSON.parse(tag.value)).toEqual([model(1), model(2)]);

    expectError(await http.post(ml('/runs/log-model'), { run_id: run, model_json: '{"artifact_path": "m"}' }), 400, 'INVALID_PARAMETER_VALUE', 'Model json is missing mandatory fields');
    expectError(await http.post(ml('/runs/log-model'), { run_id: run, model_json: '{not json' }), 400, 'INVALID_PARAMETER_VALUE', 'Malformed model info');
    expectError(await http.post(ml('/runs/log-model'), { run_id: run }), 400, 'INVALID_PARAMETER_VALUE', "'model_json'");
    expectError(await http.post(ml('/runs/log-model'), { run_id: 'f'.repeat(32), model_json: JSON.stringify(model(3)) }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('follows the MLflow 3 log_model + register sequence: get-download-uri gives the logged model location', async () => {
    const run = await newRun();
    await http.post(ml('/runs/log-batch'), { run_id: run, metrics: [{ key: 'acc', value: 0.8, timestamp: 10, step: 0 }] });
    // 2. create the logged model
    const created = await http.post(ml('/logged-models'), {
      experiment_id: '0',
      name: 'model',
      source_run_id: run,
      params: [{ key: 'C', value: '1.0' }],
      tags: [{ key: 'mlflow.user', value: 'me' }, { key: 'mlflow.source.type', value: 'LOCAL' }],
    });
    const info = created.body.model.info;
    expect(info).toMatchObject({ status: 'LOGGED_MODEL_PENDING', source_run_id: run });
    const modelId: string = info.model_id;
    // 3. outputs
    expect((await http.post(ml('/runs/outputs'), { run_id: run, models: [{ model_id: modelId, step: 0 }] })).status).toBe(200);
    // 4. copy the step's metrics onto the model
    await http.post(ml('/runs/log-batch'), { run_id: run, metrics: [{ key: 'acc', value: 0.8, timestamp: 10, step: 0, model_id: modelId }] });
    // 6. upload the files under the model's own folder
    const root = `0/models/${modelId}/artifacts`;
    await server.services.artifacts.put(`${root}/MLmodel`, Readable.from([Buffer.from(`model_id: ${modelId}\n`)]));
    // 7. finalize
    const fin = await http.patch(ml(`/logged-models/${modelId}`), { model_id: modelId, status: 'LOGGED_MODEL_READY' });
    expect(fin.body.model.info.status).toBe('LOGGED_MODEL_READY');
    // 8. register
    expect((await http.post(ml('/registered-models/create'), { name: 'm3' })).status).toBe(200);
    expectError(await http.post(ml('/registered-models/create'), { name: 'm3' }), 400, 'RESOURCE_ALREADY_EXISTS');
    const mv = await http.post(ml('/model-versions/create'), { name: 'm3', source: `models:/${modelId}`, model_id: modelId });
    expect(mv.status).toBe(200);
    expect(mv.body.model_version).toMatchObject({ name: 'm3', version: '1', status: 'READY', source: `models:/${modelId}`, run_id: run, model_id: modelId });
    const uri = await http.get(ml('/model-versions/get-download-uri'), { name: 'm3', version: '1' });
    expect(uri.body).toEqual({ artifact_uri: `mlflow-artifacts:/0/models/${modelId}/artifacts` });

    const model = (await http.get(ml(`/logged-models/${modelId}`))).body.model;
    const tagOf = (m: { info: { tags: { key: string; value: string }[] } }) => m.info.tags.find((t) => t.key === 'mlflow.modelVersions')?.value;
    expect(JSON.parse(tagOf(model)!)).toEqual([{ name: 'm3', version: '1' }]);
    expect(model.data).toEqual({
      params: [{ key: 'C', value: '1.0' }],
      metrics: [{ key: 'acc', value: 0.8, timestamp: 10, step: 0, model_id: modelId, run_id: run }],
    });
    // The client then writes the merged list itself; a second registration appends once.
    await http.patch(ml(`/logged-models/${modelId}/tags`), { tags: [{ key: 'mlflow.modelVersions', value: tagOf(model) }] });
    await http.post(ml('/model-versions/create'), { name: 'm3', source: `models:/${modelId}`, model_id: modelId });
    const again = (await http.get(ml(`/logged-models/${modelId}`))).body.model;
    expect(JSON.parse(tagOf(again)!)).toEqual([
      { name: 'm3', version: '1' },
      { name: 'm3', version: '2' },
    ]);
    expect((await getRun(run)).outputs.model_outputs).toEqual([{ model_id: modelId, step: 0 }]);

    // Registering an unknown logged model is refused and leaves no version behind.
    expectError(await http.post(ml('/model-versions/create'), { name: 'm3', source: 'models:/m-nope', model_id: 'm-nope' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await http.post(ml('/model-versions/create'), { name: 'm3', source: 'models:/m-nope' }), 400, 'INVALID_PARAMETER_VALUE', 'Unable to fetch model');
    expectError(await http.get(ml('/model-versions/get'), { name: 'm3', version: '3' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });
});
