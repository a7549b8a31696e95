import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/backends.js';
import { Http, ml } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe.each(BACKENDS)('experiments API on %s', (backend) => {
  let server: TestServer;
  let http: Http;
  beforeAll(async () => {
    server = await startTestServer(backend);
    http = new Http(server.url);
  });
  afterAll(async () => server?.close());

  it('has the Default experiment with id 0', async () => {
    const r = await http.get(ml('/experiments/get'), { experiment_id: '0' });
    expect(r.status).toBe(200);
    expect(r.body.experiment).toMatchObject({ experiment_id: '0', name: 'Default', lifecycle_stage: 'active', artifact_location: 'mlflow-artifacts:/0' });
  });

  it('creates an experiment and finds it by id and by name, with tags', async () => {
    const created = await http.post(ml('/experiments/create'), { name: 'iris', tags: [{ key: 'team', value: 'vision' }] });
    expect(created.status).toBe(200);
    const id = created.body.experiment_id;
    expect(id).toMatch(/^[1-9]\d*$/);
    const byName = await http.get(ml('/experiments/get-by-name'), { experiment_name: 'iris' });
    expect(byName.body.experiment).toMatchObject({
      experiment_id: id,
      name: 'iris',
      artifact_location: `mlflow-artifacts:/${id}`,
      lifecycle_stage: 'active',
      tags: [{ key: 'team', value: 'vision' }],
    });
    expect(typeof byName.body.experiment.creation_time).toBe('number');
    const byId = await http.get(ml('/experiments/get'), { experiment_id: id });
    expect(byId.body.experiment).toEqual(byName.body.experiment);
  });

  it('keeps an explicit artifact location', async () => {
    const r = await http.post(ml('/experiments/create'), { name: 'custom-loc', artifact_location: 's3://bucket/custom' });
    const e = await http.get(ml('/experiments/get'), { experiment_id: r.body.experiment_id });
    expect(e.body.experiment.artifact_location).toBe('s3://bucket/custom');
  });

  it('refuses a duplicate name with RESOURCE_ALREADY_EXISTS', async () => {
    await http.post(ml('/experiments/create'), { name: 'dup' });
    const r = await http.post(ml('/experiments/create'), { name: 'dup' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error_code: 'RESOURCE_ALREADY_EXISTS', message: expect.stringContaining('dup') });
  });

  it('answers unknown ids and names with 404 RESOURCE_DOES_NOT_EXIST', async () => {
    for (const r of [
      await http.get(ml('/experiments/get'), { experiment_id: '424242' }),
      await http.get(ml('/experiments/get'), { experiment_id: 'not-a-number' }),
      await http.get(ml('/experiments/get-by-name'), { experiment_name: 'nope' }),
    ]) {
      expect(r.status).toBe(404);
      expect(r.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    }
  });

  it('refuses a missing or empty name', async () => {
    const r = await http.post(ml('/experiments/create'), {});
    expect(r.status).toBe(400);
    expect(r.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(r.body.message).toContain("'name'");
  });

  it('renames, deletes with its runs, and restores them', async () => {
    const { body } = await http.post(ml('/experiments/create'), { name: 'lifecycle' });
    const id = body.experiment_id;
    const run = (await http.post(ml('/runs/create'), { experiment_id: id })).body.run.info.run_id;
    expect((await http.post(ml('/experiments/update'), { experiment_id: id, new_name: 'lifecycle-2' })).status).toBe(200);
    expect((await http.get(ml('/experiments/get'), { experiment_id: id })).body.experiment.name).toBe('lifecycle-2');

    expect((await http.post(ml('/experiments/delete'), { experiment_id: id })).status).toBe(200);
    expect((await http.get(ml('/experiments/get'), { experiment_id: id })).body.experiment.lifecycle_stage).toBe('deleted');
    expect((await http.get(ml('/runs/get'), { run_id: run })).body.run.info.lifecycle_stage).toBe('deleted');
    const inDeleted = await http.post(ml('/runs/create'), { experiment_id: id });
    expect(inDeleted.status).toBe(400);
    expect(inDeleted.body.message).toContain("must be in the 'active' state");

    expect((await http.post(ml('/experiments/restore'), { experiment_id: id })).status).toBe(200);
    expect((await http.get(ml('/runs/get'), { run_id: run })).body.run.info.lifecycle_stage).toBe('active');
  });

  it('sets and deletes experiment tags', async () => {
    const id = (await http.post(ml('/experiments/create'), { name: 'tagged' })).body.experiment_id;
    await http.post(ml('/experiments/set-experiment-tag'), { experiment_id: id, key: 'k', value: 'v1' });
    await http.post(ml('/experiments/set-experiment-tag'), { experiment_id: id, key: 'k', value: 'v2' });
    expect((await http.get(ml('/experiments/get'), { experiment_id: id })).body.experiment.tags).toEqual([{ key: 'k', value: 'v2' }]);
    expect((await http.post(ml('/experiments/delete-experiment-tag'), { experiment_id: id, key: 'k' })).status).toBe(200);
    expect((await http.get(ml('/experiments/get'), { experiment_id: id })).body.experiment.tags).toBeUndefined();
  });

  it('serves the same API under /ajax-api/2.0', async () => {
    const r = await http.get('/ajax-api/2.0/mlflow/experiments/get', { experiment_id: '0' });
    expect(r.status).toBe(200);
    expect(r.body.experiment.name).toBe('Default');
  });

  it('answers unknown endpoints with ENDPOINT_NOT_FOUND and malformed JSON with BAD_REQUEST', async () => {
    const missing = await http.get('/api/2.0/mlflow/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error_code).toBe('ENDPOINT_NOT_FOUND');
    const res = await fetch(server.url + ml('/experiments/create'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' });
    expect(res.status).toBe(400);
    expect((await res.json()).error_code).toBe('BAD_REQUEST');
  });
});
