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

describe.each(BACKENDS)('logged models API on %s', (backend) => {
  let server: TestServer;
  let http: Http;
  beforeAll(async () => {
    server = await startTestServer(backend);
    http = new Http(server.url);
  });
  afterAll(async () => server?.close());

  const create = async (body: object = {}) => {
    const r = await http.post(ml('/logged-models'), { experiment_id: '0', ...body });
    expect(r.status).toBe(200);
    return r.body.model as { info: Record<string, any>; data: Record<string, any> };
  };
  const lm = (id: string, rest = '') => ml(`/logged-models/${id}${rest}`);

  it('creates a pending model with an id, artifact location, params and tags', async () => {
    const model = await create({
      name: 'model',
      model_type: 'sklearn',
      params: [{ key: 'alpha', value: '0.5' }],
      tags: [{ key: 'mlflow.user', value: 'me' }],
    });
    expect(model.info.model_id).toMatch(/^m-[0-9a-f]{32}$/);
    expect(model.info).toMatchObject({
      experiment_id: '0',
      name: 'model',
      model_type: 'sklearn',
      status: 'LOGGED_MODEL_PENDING',
      artifact_uri: `mlflow-artifacts:/0/models/${model.info.model_id}/artifacts`,
      tags: [{ key: 'mlflow.user', value: 'me' }],
    });
    expect(model.info.creation_timestamp_ms).toBe(model.info.last_updated_timestamp_ms);
    expect(model.data).toEqual({ params: [{ key: 'alpha', value: '0.5' }] });
    const got = await http.get(lm(model.info.model_id));
    expect(got.body.model).toEqual(model);
  });

  it('generates a name when none is given and puts the model under its experiment', async () => {
    const exp = (await http.post(ml('/experiments/create'), { name: 'lm-exp' })).body.experiment_id;
    const model = await create({ experiment_id: exp });
    expect(model.info.name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    expect(model.info.artifact_uri).toBe(`mlflow-artifacts:/${exp}/models/${model.info.model_id}/artifacts`);
  });

  it('refuses bad creates: unknown or deleted experiment, missing experiment, bad name, bad keys', async () => {
    expectError(await http.post(ml('/logged-models'), { experiment_id: '999' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'No Experiment with id=999 exists');
    expectError(await http.post(ml('/logged-models'), {}), 400, 'INVALID_PARAMETER_VALUE', "'experiment_id'");
    const exp = (await http.post(ml('/experiments/create'), { name: 'lm-deleted' })).body.experiment_id;
    await http.post(ml('/experiments/delete'), { experiment_id: exp });
    expectError(await http.post(ml('/logged-models'), { experiment_id: exp }), 400, 'INVALID_PARAMETER_VALUE', "must be in the 'active' state");
    expectError(await http.post(ml('/logged-models'), { experiment_id: '0', name: 'a/b' }), 400, 'INVALID_PARAMETER_VALUE', 'Invalid model name');
    expectError(await http.post(ml('/logged-models'), { experiment_id: '0', params: [{ key: '../p', value: '1' }] }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await http.post(ml('/logged-models'), { experiment_id: '0', tags: [{ key: '', value: '1' }] }), 400, 'INVALID_PARAMETER_VALUE');
  });

  it('answers unknown ids with 404 and the exact message', async () => {
    const id = 'm-00000000000000000000000000000000';
    const msg = `Logged model with ID '${id}' not found.`;
    expectError(await http.get(lm(id)), 404, 'RESOURCE_DOES_NOT_EXIST', msg);
    expectError(await http.patch(lm(id), { model_id: id, status: 'LOGGED_MODEL_READY' }), 404, 'RESOURCE_DOES_NOT_EXIST', msg);
    expectError(await http.delete(lm(id), { model_id: id }), 404, 'RESOURCE_DOES_NOT_EXIST', msg);
    expectError(await http.patch(lm(id, '/tags'), { tags: [{ key: 'k', value: 'v' }] }), 404, 'RESOURCE_DOES_NOT_EXIST', msg);
    expectError(await http.post(lm(id, '/params'), { model_id: id, params: [{ key: 'k', value: 'v' }] }), 404, 'RESOURCE_DOES_NOT_EXIST', msg);
    expectError(await http.get(lm(id, '/artifacts/directories')), 404, 'RESOURCE_DOES_NOT_EXIST', msg);
  });

  it('finalizes with a status name or number, any number of times', async () => {
    const { info } = await create();
    const ready = await http.patch(lm(info.model_id), { model_id: info.model_id, status: 'LOGGED_MODEL_READY' });
    expect(ready.status).toBe(200);
    expect(ready.body.model.info.status).toBe('LOGGED_MODEL_READY');
    expect(ready.body.model.info.last_updated_timestamp_ms).toBeGreaterThanOrEqual(info.last_updated_timestamp_ms);
    const failed = await http.patch(lm(info.model_id), { model_id: info.model_id, status: 3 });
    expect(failed.body.model.info.status).toBe('LOGGED_MODEL_UPLOAD_FAILED');
    expectError(await http.patch(lm(info.model_id), { model_id: info.model_id, status: 'DONE' }), 400, 'INVALID_PARAMETER_VALUE', "'status'");
    expectError(await http.patch(lm(info.model_id), { model_id: info.model_id }), 400, 'INVALID_PARAMETER_VALUE', "'status'");
    expect((await http.get(lm(info.model_id))).body.model.info.status).toBe('LOGGED_MODEL_UPLOAD_FAILED');
  });

  it('soft-deletes: hidden unless allow_deleted, and further writes are 404', async () => {
    const { info } = await create();
    expect((await http.delete(lm(info.model_id), { model_id: info.model_id })).status).toBe(200);
    expectError(await http.get(lm(info.model_id)), 404, 'RESOURCE_DOES_NOT_EXIST');
    const kept = await http.get(lm(info.model_id), { allow_deleted: 'true' });
    expect(kept.status).toBe(200);
    expect(kept.body.model.info.model_id).toBe(info.model_id);
    expectError(await http.delete(lm(info.model_id), { model_id: info.model_id }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await http.patch(lm(info.model_id, '/tags'), { tags: [{ key: 'k', value: 'v' }] }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('upserts and deletes tags; deleting a missing tag is 404', async () => {
    const { info } = await create({ tags: [{ key: 'a', value: '1' }] });
    expect((await http.patch(lm(info.model_id, '/tags'), { tags: [{ key: 'a', value: '2' }, { key: 'b', value: '3' }] })).status).toBe(200);
    expect((await http.get(lm(info.model_id))).body.model.info.tags).toEqual([
      { key: 'a', value: '2' },
      { key: 'b', value: '3' },
    ]);
    expect((await http.delete(lm(info.model_id, '/tags/a'))).status).toBe(200);
    expect((await http.get(lm(info.model_id))).body.model.info.tags).toEqual([{ key: 'b', value: '3' }]);
    expectError(await http.delete(lm(info.model_id, '/tags/a')), 404, 'RESOURCE_DOES_NOT_EXIST', `No tag with key 'a' found for model with ID '${info.model_id}'.`);
    expectError(await http.patch(lm(info.model_id, '/tags'), { tags: [{ key: 'bad//key', value: 'x' }] }), 400, 'INVALID_PARAMETER_VALUE');
  });

  it('logs params: new keys are added, the same value again is fine, a changed value is refused', async () => {
    const { info } = await create({ params: [{ key: 'a', value: '1' }] });
    const id = info.model_id;
    expect((await http.post(lm(id, '/params'), { model_id: id, params: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] })).status).toBe(200);
    expectError(await http.post(lm(id, '/params'), { model_id: id, params: [{ key: 'c', value: '3' }, { key: 'a', value: 'other' }] }), 400, 'INVALID_PARAMETER_VALUE', 'Changing param values is not allowed');
    // The refused request wrote nothing.
    expect((await http.get(lm(id))).body.model.data.params).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
  });

  it('attaches run metrics that carry model_id (log-metric and log-batch) to the model', async () => {
    const { info } = await create();
    const id = info.model_id;
    const run = (await http.post(ml('/runs/create'), { experiment_id: '0' })).body.run.info.run_id;
    const lmr = await http.post(ml('/runs/log-metric'), {
      run_id: run,
      key: 'acc',
      value: 0.9,
      timestamp: 1000,
      step: 1,
      model_id: id,
      dataset_name: 'train',
      dataset_digest: 'abc',
    });
    expect(lmr.status).toBe(200);
    const batch = await http.post(ml('/runs/log-batch'), {
      run_id: run,
      metrics: [
        { key: 'loss', value: 'NaN', timestamp: 1001, step: 1, model_id: id },
        { key: 'plain', value: 1, timestamp: 1001, step: 1 },
        { key: 'loss', value: 'NaN', timestamp: 1001, step: 1, model_id: id },
      ],
    });
    expect(batch.status).toBe(200);
    const metrics = (await http.get(lm(id))).body.model.data.metrics;
    expect(metrics).toEqual([
      { key: 'acc', value: 0.9, timestamp: 1000, step: 1, dataset_name: 'train', dataset_digest: 'abc', model_id: id, run_id: run },
      { key: 'loss', value: 'NaN', timestamp: 1001, step: 1, model_id: id, run_id: run },
    ]);
    // The run's own history has every point, attached or not.
    const runMetrics = (await http.get(ml('/runs/get'), { run_id: run })).body.run.data.metrics.map((m: { key: string }) => m.key).sort();
    expect(runMetrics).toEqual(['acc', 'loss', 'plain']);

    const unknown = await http.post(ml('/runs/log-metric'), { run_id: run, key: 'x', value: 1, timestamp: 1, model_id: 'm-nope' });
    expectError(unknown, 404, 'RESOURCE_DOES_NOT_EXIST', "Logged model with ID 'm-nope' not found.");
    const history = await http.get(ml('/metrics/get-history'), { run_id: run, metric_key: 'x' });
    expect(history.body.metrics).toBeUndefined();
  });

  it('lists artifact directories with model-relative paths and refuses traversal', async () => {
    const { info } = await create();
    const id = info.model_id;
    const root = `0/models/${id}/artifacts`;
    await server.services.artifacts.put(`${root}/MLmodel`, Readable.from([Buffer.from('flavors: {}\n')]));
    await server.services.artifacts.put(`${root}/data/model.pkl`, Readable.from([Buffer.from('12345')]));
    const top = await http.get(lm(id, '/artifacts/directories'));
    expect(top.status).toBe(200);
    expect(top.body).toEqual({
      root_uri: info.artifact_uri,
      files: [
        { path: 'MLmodel', is_dir: false, file_size: 12 },
        { path: 'data', is_dir: true },
      ],
    });
    const sub = await http.get(lm(id, '/artifacts/directories'), { artifact_directory_path: 'data' });
    expect(sub.body.files).toEqual([{ path: 'data/model.pkl', is_dir: false, file_size: 5 }]);
    const empty = await http.get(lm(id, '/artifacts/directories'), { artifact_directory_path: 'nothing-here' });
    expect(empty.body).toEqual({ root_uri: info.artifact_uri });
    expectError(await http.get(lm(id, '/artifacts/directories'), { artifact_directory_path: '../../other' }), 400, 'INVALID_PARAMETER_VALUE');

    // The UI's file download.
    const files = `/ajax-api/2.0/mlflow/logged-models/${id}/artifacts/files`;
    const file = await http.get(files, { artifact_file_path: 'data/model.pkl' });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toContain('model.pkl');
    expect(file.body).toBe('12345');
    expectError(await http.get(files), 400, 'BAD_REQUEST', 'artifact_file_path');
    expectError(await http.get(files, { artifact_file_path: 'missing.txt' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await http.get(files, { artifact_file_path: '../secret' }), 400, 'INVALID_PARAMETER_VALUE');
  });

  it('searches logged models by attributes, params, tags and metrics (on datasets), ordered and paged', async () => {
    const exp = (await http.post(ml('/experiments/create'), { name: 'lm-search' })).body.experiment_id;
    const pause = () => new Promise((r) => setTimeout(r, 3));
    const a = (await create({ experiment_id: exp, name: 'alpha', model_type: 'sklearn', params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 't', value: 'x' }] })).info.model_id;
    await pause();
    const b = (await create({ experiment_id: exp, name: 'beta', params: [{ key: 'lr', value: '0.2' }] })).info.model_id;
    await pause();
    const c = (await create({ experiment_id: exp, name: 'gamma' })).info.model_id;
    await pause();
    const d = (await create({ experiment_id: exp, name: 'deleted' })).info.model_id;
    await http.delete(lm(d), { model_id: d });
    await create({ name: 'other-experiment' });
    const run = (await http.post(ml('/runs/create'), { experiment_id: exp })).body.run.info.run_id;
    await http.post(ml('/runs/log-batch'), {
      run_id: run,
      metrics: [
        { key: 'acc', value: 0.9, timestamp: 10, step: 1, model_id: a, dataset_name: 'train', dataset_digest: 'd1' },
        { key: 'acc', value: 0.5, timestamp: 20, step: 2, model_id: a, dataset_name: 'train', dataset_digest: 'd1' },
        { key: 'acc', value: 0.7, timestamp: 10, step: 1, model_id: b, dataset_name: 'eval', dataset_digest: 'd2' },
      ],
    });

    const search = (body: object) => http.post(ml('/logged-models/search'), { experiment_ids: [exp], ...body });
    const ids = (r: Reply) => (r.body.models ?? []).map((m: { info: { model_id: string } }) => m.info.model_id);

    const all = await search({});
    expect(all.status).toBe(200);
    expect(ids(all)).toEqual([c, b, a]);
    expect(all.body.models[2].data.metrics).toHaveLength(2);
    expect(ids(await search({ filter: "name = 'alpha'" }))).toEqual([a]);
    expect(ids(await search({ filter: "attributes.model_type LIKE 'sk%'" }))).toEqual([a]);
    expect(ids(await search({ filter: "params.lr = '0.2'" }))).toEqual([b]);
    expect(ids(await search({ filter: "tags.t = 'x'" }))).toEqual([a]);
    expect(ids(await search({ filter: 'metrics.acc > 0.8' }))).toEqual([a]);
    expect(ids(await search({ filter: 'metrics.acc > 0.6' }))).toEqual([b, a]);
    expect(ids(await search({ filter: 'metrics.acc > 0.6', datasets: [{ dataset_name: 'eval' }] }))).toEqual([b]);
    expect(ids(await search({ datasets: [{ dataset_name: 'train', dataset_digest: 'd1' }] }))).toEqual([a]);
    expect(ids(await search({ datasets: [{ dataset_name: 'train', dataset_digest: 'other' }] }))).toEqual([]);
    expect(ids(await search({ filter: 'creation_timestamp > 0 AND last_updated_timestamp > 0' }))).toEqual([c, b, a]);

    expect(ids(await search({ order_by: [{ field_name: 'metrics.acc', ascending: false }] }))).toEqual([b, a, c]);
    expect(ids(await search({ order_by: [{ field_name: 'metrics.acc', ascending: true }] }))).toEqual([a, b, c]);
    expect(ids(await search({ order_by: [{ field_name: 'metrics.acc', dataset_name: 'eval' }] }))).toEqual([b, c, a]);
    expect(ids(await search({ order_by: [{ field_name: 'name' }] }))).toEqual([a, b, c]);
    expect(ids(await search({ order_by: [{ field_name: 'creation_time', ascending: true }] }))).toEqual([a, b, c]);

    const page1 = await search({ max_results: 2 });
    expect(ids(page1)).toEqual([c, b]);
    const page2 = await search({ max_results: 2, page_token: page1.body.next_page_token });
    expect(ids(page2)).toEqual([a]);
    expect(page2.body.next_page_token).toBeUndefined();
    expectError(await search({ max_results: 2, filter: "name = 'alpha'", page_token: page1.body.next_page_token }), 400, 'INVALID_PARAMETER_VALUE', 'page token');

    expectError(await http.post(ml('/logged-models/search'), {}), 400, 'INVALID_PARAMETER_VALUE', "'experiment_ids'");
    expectError(await search({ filter: 'metric.acc > 1' }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await search({ filter: "params.lr > '1'" }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await search({ filter: "metrics.acc = 'high'" }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await search({ order_by: [{ field_name: 'params.lr' }] }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await search({ datasets: [{ dataset_digest: 'd1' }] }), 400, 'INVALID_PARAMETER_VALUE', 'dataset_name');
  });

  it('serves the same RPCs under /ajax-api/2.0', async () => {
    const { info } = await create();
    const r = await http.get(`/ajax-api/2.0/mlflow/logged-models/${info.model_id}`);
    expect(r.status).toBe(200);
    expect(r.body.model.info.model_id).toBe(info.model_id);
  });
});
