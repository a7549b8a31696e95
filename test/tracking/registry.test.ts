import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/backends.js';
import { Http, ml, type Reply } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';

function expectError(r: Reply, status: number, code: string, text?: string): void {
  expect(r.status).toBe(status);
  expect(r.body.error_code).toBe(code);
  if (text !== undefined) expect(r.body.message).toContain(text);
}

describe.each(BACKENDS)('model registry API on %s', (backend) => {
  let server: TestServer;
  let http: Http;
  let runId: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    http = new Http(server.url);
    runId = (await http.post(ml('/runs/create'), { experiment_id: '0' })).body.run.info.run_id;
  });
  afterAll(async () => server?.close());

  const createModel = (name: string, extra: object = {}) => http.post(ml('/registered-models/create'), { name, ...extra });
  const createVersion = (name: string, extra: object = {}) =>
    http.post(ml('/model-versions/create'), { name, source: `mlflow-artifacts:/0/${runId}/artifacts/model`, run_id: runId, ...extra });

  it('creates a registered model with tags and description and gets it back', async () => {
    const r = await createModel('iris', { description: 'flowers', tags: [{ key: 'team', value: 'a' }, { key: 'team', value: 'b' }] });
    expect(r.status).toBe(200);
    const m = r.body.registered_model;
    expect(m).toMatchObject({ name: 'iris', description: 'flowers', tags: [{ key: 'team', value: 'b' }] });
    expect(m.creation_timestamp).toBe(m.last_updated_timestamp);
    expect(m.latest_versions).toBeUndefined();
    const got = await http.get(ml('/registered-models/get'), { name: 'iris' });
    expect(got.body.registered_model).toEqual(m);
  });

  it('refuses a duplicate model with 400 RESOURCE_ALREADY_EXISTS and a missing name with 400', async () => {
    await createModel('dup');
    expectError(await createModel('dup'), 400, 'RESOURCE_ALREADY_EXISTS', 'Registered Model (name=dup) already exists.');
    expectError(await http.post(ml('/registered-models/create'), {}), 400, 'INVALID_PARAMETER_VALUE', "'name'");
  });

  it('answers unknown models with 404 RESOURCE_DOES_NOT_EXIST on every endpoint', async () => {
    const msg = 'Registered Model with name=ghost not found';
    expectError(await http.get(ml('/registered-models/get'), { name: 'ghost' }), 404, 'RESOURCE_DOES_NOT_EXIST', msg);
    expectError(await http.patch(ml('/registered-models/update'), { name: 'ghost', description: 'x' }), 404, 'RESOURCE_DOES_NOT_EXIST', msg);
    expectError(await http.post(ml('/registered-models/rename'), { name: 'ghost', new_name: 'g2' }), 404, 'RESOURCE_DOES_NOT_EXIST', msg);
    expectError(await http.delete(ml('/registered-models/delete'), { name: 'ghost' }), 404, 'RESOURCE_DOES_NOT_EXIST', msg);
    expectError(await http.post(ml('/registered-models/set-tag'), { name: 'ghost', key: 'k', value: 'v' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await http.delete(ml('/registered-models/delete-tag'), { name: 'ghost', key: 'k' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await http.get(ml('/registered-models/get-latest-versions'), { name: 'ghost' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await createVersion('ghost'), 404, 'RESOURCE_DOES_NOT_EXIST', msg);
    expectError(await http.delete(ml('/registered-models/alias'), { name: 'ghost', alias: 'a' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('numbers versions from 1, READY at once, and never reuses a deleted number', async () => {
    await createModel('numbers');
    const v1 = await createVersion('numbers', { tags: [{ key: 'k', value: 'v' }], description: 'first', run_link: 'http://x' });
    expect(v1.status).toBe(200);
    expect(v1.body.model_version).toMatchObject({
      name: 'numbers',
      version: '1',
      current_stage: 'None',
      status: 'READY',
      source: `mlflow-artifacts:/0/${runId}/artifacts/model`,
      run_id: runId,
      run_link: 'http://x',
      description: 'first',
      tags: [{ key: 'k', value: 'v' }],
    });
    expect((await createVersion('numbers')).body.model_version.version).toBe('2');
    expect((await http.delete(ml('/model-versions/delete'), { name: 'numbers', version: '2' })).status).toBe(200);
    expect((await createVersion('numbers')).body.model_version.version).toBe('3');
    const model = (await http.get(ml('/registered-models/get'), { name: 'numbers' })).body.registered_model;
    expect(model.last_updated_timestamp).toBeGreaterThanOrEqual(model.creation_timestamp);
    expect(model.latest_versions.map((v: { version: string }) => v.version)).toEqual(['3']);
  });

  it('gets, updates and describes versions; bad version numbers are 400 and unknown ones 404', async () => {
    await createModel('versions');
    await createVersion('versions');
    const upd = await http.patch(ml('/model-versions/update'), { name: 'versions', version: '1', description: 'better' });
    expect(upd.body.model_version.description).toBe('better');
    expect((await http.get(ml('/model-versions/get'), { name: 'versions', version: '1' })).body.model_version.description).toBe('better');
    const cleared = await http.patch(ml('/model-versions/update'), { name: 'versions', version: 1 });
    expect(cleared.body.model_version.description).toBeUndefined();

    expectError(await http.get(ml('/model-versions/get'), { name: 'versions', version: 'one' }), 400, 'INVALID_PARAMETER_VALUE', "Parameter 'version' must be an integer, got 'one'.");
    expectError(await http.get(ml('/model-versions/get'), { name: 'versions', version: '-1' }), 400, 'INVALID_PARAMETER_VALUE');
    const missing = 'Model Version (name=versions, version=9) not found';
    expectError(await http.get(ml('/model-versions/get'), { name: 'versions', version: '9' }), 404, 'RESOURCE_DOES_NOT_EXIST', missing);
    expectError(await http.patch(ml('/model-versions/update'), { name: 'versions', version: '9' }), 404, 'RESOURCE_DOES_NOT_EXIST', missing);
    expectError(await http.get(ml('/model-versions/get-download-uri'), { name: 'versions', version: '9' }), 404, 'RESOURCE_DOES_NOT_EXIST', missing);
    expectError(await http.delete(ml('/model-versions/delete'), { name: 'versions', version: '9' }), 404, 'RESOURCE_DOES_NOT_EXIST', missing);
    expectError(await http.post(ml('/model-versions/set-tag'), { name: 'versions', version: '9', key: 'k', value: 'v' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('updates and clears a model description', async () => {
    await createModel('described');
    const r = await http.patch(ml('/registered-models/update'), { name: 'described', description: 'hello' });
    expect(r.body.registered_model.description).toBe('hello');
    const cleared = await http.patch(ml('/registered-models/update'), { name: 'described', description: '' });
    expect(cleared.body.registered_model.description).toBeUndefined();
    expect(cleared.body.registered_model.last_updated_timestamp).toBeGreaterThanOrEqual(r.body.registered_model.last_updated_timestamp);
  });

  it('renames a model with its versions, tags and aliases; a taken name is RESOURCE_ALREADY_EXISTS', async () => {
    await createModel('before', { tags: [{ key: 't', value: '1' }] });
    await createVersion('before', { tags: [{ key: 'vt', value: '2' }] });
    await http.post(ml('/registered-models/alias'), { name: 'before', alias: 'champion', version: '1' });
    await createModel('taken');
    expectError(await http.post(ml('/registered-models/rename'), { name: 'before', new_name: 'taken' }), 400, 'RESOURCE_ALREADY_EXISTS', 'Registered Model (name=taken) already exists.');
    expectError(await http.post(ml('/registered-models/rename'), { name: 'before', new_name: '' }), 400, 'INVALID_PARAMETER_VALUE', "'new_name'");

    const r = await http.post(ml('/registered-models/rename'), { name: 'before', new_name: 'after' });
    expect(r.status).toBe(200);
    expect(r.body.registered_model).toMatchObject({ name: 'after', tags: [{ key: 't', value: '1' }], aliases: [{ alias: 'champion', version: '1' }] });
    const v = (await http.get(ml('/model-versions/get'), { name: 'after', version: '1' })).body.model_version;
    expect(v).toMatchObject({ name: 'after', tags: [{ key: 'vt', value: '2' }], aliases: ['champion'] });
    expectError(await http.get(ml('/registered-models/get'), { name: 'before' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expect((await http.get(ml('/registered-models/alias'), { name: 'after', alias: 'champion' })).body.model_version.version).toBe('1');
  });

  it('deletes a model with everything under it; the name can be reused and versions restart at 1', async () => {
    await createModel('gone', { tags: [{ key: 't', value: '1' }] });
    await createVersion('gone');
    await http.post(ml('/registered-models/alias'), { name: 'gone', alias: 'a', version: '1' });
    expect((await http.delete(ml('/registered-models/delete'), { name: 'gone' })).status).toBe(200);
    expectError(await http.get(ml('/registered-models/get'), { name: 'gone' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    const again = await createModel('gone');
    expect(again.body.registered_model.tags).toBeUndefined();
    expect(again.body.registered_model.aliases).toBeUndefined();
    expect((await createVersion('gone')).body.model_version.version).toBe('1');
  });

  it('transitions stages case-insensitively and archives the others only for Staging/Production', async () => {
    await createModel('stages');
    for (let i = 0; i < 3; i++) await createVersion('stages');
    const t1 = await http.post(ml('/model-versions/transition-stage'), { name: 'stages', version: '1', stage: 'production', archive_existing_versions: false });
    expect(t1.body.model_version.current_stage).toBe('Production');
    const t2 = await http.post(ml('/model-versions/transition-stage'), { name: 'stages', version: '2', stage: 'PRODUCTION', archive_existing_versions: true });
    expect(t2.body.model_version.current_stage).toBe('Production');
    expect((await http.get(ml('/model-versions/get'), { name: 'stages', version: '1' })).body.model_version.current_stage).toBe('Archived');

    expectError(
      await http.post(ml('/model-versions/transition-stage'), { name: 'stages', version: '3', stage: 'Archived', archive_existing_versions: true }),
      400,
      'INVALID_PARAMETER_VALUE',
      'cannot archive existing model versions',
    );
    expectError(
      await http.post(ml('/model-versions/transition-stage'), { name: 'stages', version: '3', stage: 'Shipped', archive_existing_versions: false }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Invalid Model Version stage: Shipped.',
    );
    // Nothing was archived by the refused request.
    expect((await http.get(ml('/model-versions/get'), { name: 'stages', version: '2' })).body.model_version.current_stage).toBe('Production');

    const latest = await http.get(ml('/registered-models/get-latest-versions'), { name: 'stages' });
    expect(latest.body.model_versions.map((v: { version: string; current_stage: string }) => [v.current_stage, v.version])).toEqual([
      ['None', '3'],
      ['Production', '2'],
      ['Archived', '1'],
    ]);
    const prod = await http.post(ml('/registered-models/get-latest-versions'), { name: 'stages', stages: ['production'] });
    expect(prod.body.model_versions.map((v: { version: string }) => v.version)).toEqual(['2']);
    const prodGet = await http.get(ml('/registered-models/get-latest-versions'), { name: 'stages', stages: ['Staging'] });
    expect(prodGet.status).toBe(200);
    expect(prodGet.body).toEqual({});
    expectError(await http.get(ml('/registered-models/get-latest-versions'), { name: 'stages', stages: ['bogus'] }), 400, 'INVALID_PARAMETER_VALUE');
    const model = (await http.get(ml('/registered-models/get'), { name: 'stages' })).body.registered_model;
    expect(model.latest_versions).toHaveLength(3);
  });

  it('soft-deletes a version: redacted, hidden everywhere, aliases gone', async () => {
    await createModel('soft');
    await createVersion('soft');
    await createVersion('soft');
    await http.post(ml('/registered-models/alias'), { name: 'soft', alias: 'best', version: '2' });
    expect((await http.delete(ml('/model-versions/delete'), { name: 'soft', version: '2' })).status).toBe(200);
    expectError(await http.get(ml('/model-versions/get'), { name: 'soft', version: '2' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await http.get(ml('/model-versions/get-download-uri'), { name: 'soft', version: '2' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await http.post(ml('/model-versions/transition-stage'), { name: 'soft', version: '2', stage: 'Staging' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await http.delete(ml('/model-versions/delete'), { name: 'soft', version: '2' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await http.get(ml('/registered-models/alias'), { name: 'soft', alias: 'best' }), 400, 'INVALID_PARAMETER_VALUE', 'Registered model alias best not found.');
    const model = (await http.get(ml('/registered-models/get'), { name: 'soft' })).body.registered_model;
    expect(model.aliases).toBeUndefined();
    expect(model.latest_versions.map((v: { version: string }) => v.version)).toEqual(['1']);
    const row = await server.services.store.db.selectFrom('model_versions').selectAll().where('name', '=', 'soft').where('version', '=', 2).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ current_stage: 'Deleted_Internal', source: 'REDACTED-SOURCE-PATH', run_id: 'REDACTED-RUN-ID', run_link: 'REDACTED-RUN-LINK' });
  });

  it('sets, moves, reads and deletes aliases, and validates alias names', async () => {
    await createModel('aliased');
    await createVersion('aliased');
    await createVersion('aliased');
    expect((await http.post(ml('/registered-models/alias'), { name: 'aliased', alias: 'champion', version: '1' })).status).toBe(200);
    expect((await http.get(ml('/registered-models/alias'), { name: 'aliased', alias: 'champion' })).body.model_version).toMatchObject({
      version: '1',
      aliases: ['champion'],
    });
    await http.post(ml('/registered-models/alias'), { name: 'aliased', alias: 'champion', version: '2' });
    expect((await http.get(ml('/registered-models/alias'), { name: 'aliased', alias: 'champion' })).body.model_version.version).toBe('2');
    expect((await http.get(ml('/model-versions/get'), { name: 'aliased', version: '1' })).body.model_version.aliases).toBeUndefined();
    const m = (await http.get(ml('/registered-models/get'), { name: 'aliased' })).body.registered_model;
    expect(m.aliases).toEqual([{ alias: 'champion', version: '2' }]);

    for (const bad of ['latest', 'LATEST', 'v1', 'V12', 'has space', 'a/b', '', 'x'.repeat(256)]) {
      expectError(await http.post(ml('/registered-models/alias'), { name: 'aliased', alias: bad, version: '1' }), 400, 'INVALID_PARAMETER_VALUE');
    }
    expectError(await http.post(ml('/registered-models/alias'), { name: 'aliased', alias: 'ok', version: '7' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await http.post(ml('/registered-models/alias'), { name: 'aliased', alias: 'ok', version: 'x' }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await http.get(ml('/registered-models/alias'), { name: 'aliased', alias: 'nope' }), 400, 'INVALID_PARAMETER_VALUE', 'Registered model alias nope not found.');

    expect((await http.delete(ml('/registered-models/alias'), { name: 'aliased', alias: 'champion' })).status).toBe(200);
    expect((await http.delete(ml('/registered-models/alias'), { name: 'aliased', alias: 'champion' })).status).toBe(200);
    expectError(await http.get(ml('/registered-models/alias'), { name: 'aliased', alias: 'champion' }), 400, 'INVALID_PARAMETER_VALUE');
  });

  it('sets and deletes model and version tags; deleting a missing tag is fine', async () => {
    await createModel('tagged');
    await createVersion('tagged');
    await http.post(ml('/registered-models/set-tag'), { name: 'tagged', key: 'k', value: '1' });
    await http.post(ml('/registered-models/set-tag'), { name: 'tagged', key: 'k', value: '2' });
    expect((await http.get(ml('/registered-models/get'), { name: 'tagged' })).body.registered_model.tags).toEqual([{ key: 'k', value: '2' }]);
    expect((await http.delete(ml('/registered-models/delete-tag'), { name: 'tagged', key: 'k' })).status).toBe(200);
    expect((await http.delete(ml('/registered-models/delete-tag'), { name: 'tagged', key: 'k' })).status).toBe(200);
    expect((await http.get(ml('/registered-models/get'), { name: 'tagged' })).body.registered_model.tags).toBeUndefined();

    await http.post(ml('/model-versions/set-tag'), { name: 'tagged', version: '1', key: 'stage', value: 'qa' });
    await http.post(ml('/model-versions/set-tag'), { name: 'tagged', version: '1', key: 'stage', value: 'prod' });
    expect((await http.get(ml('/model-versions/get'), { name: 'tagged', version: '1' })).body.model_version.tags).toEqual([{ key: 'stage', value: 'prod' }]);
    expect((await http.delete(ml('/model-versions/delete-tag'), { name: 'tagged', version: '1', key: 'stage' })).status).toBe(200);
    expect((await http.delete(ml('/model-versions/delete-tag'), { name: 'tagged', version: '1', key: 'stage' })).status).toBe(200);
    expect((await http.get(ml('/model-versions/get'), { name: 'tagged', version: '1' })).body.model_version.tags).toBeUndefined();

    expectError(await http.post(ml('/registered-models/set-tag'), { name: 'tagged', key: '../x', value: 'v' }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await http.post(ml('/model-versions/set-tag'), { name: 'tagged', version: '1', key: '', value: 'v' }), 400, 'INVALID_PARAMETER_VALUE');
  });

  it('validates sources: relative references are refused, local paths need a run that contains them', async () => {
    await createModel('sources');
    for (const source of [
      'mlflow-artifacts:/0/../secret',
      's3://bucket/a/../b',
      'http://host/a/%2e%2e/b',
      'http://host/a/%252e%252e/b',
      'mlflow-artifacts:/0/./x',
    ]) {
      const r = await http.post(ml('/model-versions/create'), { name: 'sources', source });
      expectError(r, 400, 'INVALID_PARAMETER_VALUE', 'Invalid model version source');
    }
    expectError(await http.post(ml('/model-versions/create'), { name: 'sources', source: '/tmp/model' }), 400, 'INVALID_PARAMETER_VALUE', 'local path');
    expectError(await http.post(ml('/model-versions/create'), { name: 'sources', source: '/tmp/model', run_id: runId }), 400, 'INVALID_PARAMETER_VALUE', 'local path');
    expectError(await http.post(ml('/model-versions/create'), { name: 'sources' }), 400, 'INVALID_PARAMETER_VALUE', "'source'");
    // A local source inside the artifact folder of a run stored on local disk is fine.
    const root = `${server.home}/local-artifacts`;
    const exp = (await http.post(ml('/experiments/create'), { name: 'local-root', artifact_location: `file://${root}` })).body.experiment_id;
    const localRun = (await http.post(ml('/runs/create'), { experiment_id: exp })).body.run.info.run_id;
    await createModel('local-sources');
    for (const source of [`file://${root}/${localRun}/artifacts/model`, `${root}/${localRun}/artifacts/model`]) {
      const r = await http.post(ml('/model-versions/create'), { name: 'local-sources', source, run_id: localRun });
      expect(r.status).toBe(200);
    }
    expectError(await http.post(ml('/model-versions/create'), { name: 'local-sources', source: `${root}/elsewhere`, run_id: localRun }), 400, 'INVALID_PARAMETER_VALUE', 'local path');
    expectError(await http.post(ml('/model-versions/create'), { name: 'local-sources', source: `${root}/x`, run_id: 'f'.repeat(32) }), 404, 'RESOURCE_DOES_NOT_EXIST');
    // A remote source may name a run this server does not know (a registry shared by tracking servers).
    const remote = await http.post(ml('/model-versions/create'), { name: 'local-sources', source: 's3://bucket/model', run_id: 'f'.repeat(32) });
    expect(remote.body.model_version).toMatchObject({ version: '3', run_id: 'f'.repeat(32) });

    // Nothing was half-created by the refusals: the next version is still 1.
    const ok = await http.post(ml('/model-versions/create'), { name: 'sources', source: `runs:/${runId}/model`, run_id: runId });
    expect(ok.body.model_version.version).toBe('1');
    expect((await http.get(ml('/model-versions/get-download-uri'), { name: 'sources', version: '1' })).body).toEqual({ artifact_uri: `runs:/${runId}/model` });
  });

  it('resolves models:/<name>/<version> and models:/<name>@<alias> sources to that version’s location', async () => {
    await createModel('base');
    await createVersion('base');
    await http.post(ml('/registered-models/alias'), { name: 'base', alias: 'gold', version: '1' });
    await createModel('copy');
    await http.post(ml('/model-versions/create'), { name: 'copy', source: 'models:/base/1' });
    await http.post(ml('/model-versions/create'), { name: 'copy', source: 'models:/base@gold' });
    for (const version of ['1', '2']) {
      const r = await http.get(ml('/model-versions/get-download-uri'), { name: 'copy', version });
      expect(r.body.artifact_uri).toBe(`mlflow-artifacts:/0/${runId}/artifacts/model`);
    }
    expectError(await http.post(ml('/model-versions/create'), { name: 'copy', source: 'models:/base/5' }), 400, 'INVALID_PARAMETER_VALUE', 'Unable to fetch model');
  });

  it('searches registered models by name and tags, ordered and paged, hiding prompts', async () => {
    for (const n of ['search-a', 'search-b', 'search-c']) {
      await createModel(n, n === 'search-b' ? {} : { tags: [{ key: 'team', value: 'x' }] });
    }
    await createModel('search-prompt', { tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }] });
    await createVersion('search-a');
    const names = (r: Reply) => (r.body.registered_models ?? []).map((m: { name: string }) => m.name);
    const search = (query: Record<string, string | number | string[]>) => http.get(ml('/registered-models/search'), query);

    const all = await search({ filter: "name LIKE 'search-%'" });
    expect(all.status).toBe(200);
    expect(names(all)).toEqual(['search-a', 'search-b', 'search-c']);
    expect(all.body.registered_models[0].latest_versions[0]).toMatchObject({ name: 'search-a', version: '1' });
    expect(all.body.next_page_token).toBeUndefined();
    expect(names(await search({ filter: "name LIKE 'search-%' AND tags.team = 'x'" }))).toEqual(['search-a', 'search-c']);
    expect(names(await search({ filter: "name LIKE 'search-%' AND tag.team != 'x'" }))).toEqual([]);
    expect(names(await search({ filter: "name ILIKE 'SEARCH-B'" }))).toEqual(['search-b']);
    expect(names(await search({ filter: "name LIKE 'SEARCH-B'" }))).toEqual([]);
    expect(names(await search({ filter: "tags.`mlflow.prompt.is_prompt` = 'true'" }))).toEqual(['search-prompt']);
    expect(names(await search({ filter: "name LIKE 'search-%'", order_by: ['name DESC'] }))).toEqual(['search-c', 'search-b', 'search-a']);

    await http.patch(ml('/registered-models/update'), { name: 'search-b', description: 'touched last' });
    expect(names(await search({ filter: "name LIKE 'search-%'", order_by: ['timestamp DESC'] }))[0]).toBe('search-b');
    expect(names(await search({ filter: "name LIKE 'search-%'", order_by: ['last_updated_timestamp DESC'] }))[0]).toBe('search-b');

    const page1 = await search({ filter: "name LIKE 'search-%'", max_results: 2 });
    expect(names(page1)).toEqual(['search-a', 'search-b']);
    const page2 = await search({ filter: "name LIKE 'search-%'", max_results: 2, page_token: page1.body.next_page_token });
    expect(names(page2)).toEqual(['search-c']);
    expect(page2.body.next_page_token).toBeUndefined();
    expect((await search({ filter: "name = 'nothing-like-this'" })).body).toEqual({});

    expectError(await search({ filter: "name = 'a' OR name = 'b'" }), 400, 'INVALID_PARAMETER_VALUE', 'OR');
    expectError(await search({ filter: "description = 'a'" }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await search({ filter: "name > 'a'" }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await search({ order_by: ['creation_timestamp DESC'] }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await search({ max_results: 1001 }), 400, 'INVALID_PARAMETER_VALUE', 'max_results');
    expectError(await search({ page_token: 'not-a-token' }), 400, 'INVALID_PARAMETER_VALUE', 'page token');
  });

  it('searches model versions by name, number, run, source and tags; deleted versions never show', async () => {
    await createModel('sv');
    const otherRun = (await http.post(ml('/runs/create'), { experiment_id: '0' })).body.run.info.run_id;
    await createVersion('sv');
    await createVersion('sv', { run_id: otherRun, source: `mlflow-artifacts:/0/${otherRun}/artifacts/model` });
    await createVersion('sv', { tags: [{ key: 'flavor', value: 'sklearn' }] });
    await createVersion('sv');
    await http.delete(ml('/model-versions/delete'), { name: 'sv', version: '4' });
    const versions = (r: Reply) => (r.body.model_versions ?? []).map((v: { version: string }) => v.version);
    const search = (query: Record<string, string | number | string[]>) => http.get(ml('/model-versions/search'), query);

    const all = await search({ filter: "name = 'sv'" });
    expect(all.status).toBe(200);
    expect(versions(all)).toEqual(['3', '2', '1']);
    expect(versions(await search({ filter: "name = 'sv' AND version_number >= 2" }))).toEqual(['3', '2']);
    expect(versions(await search({ filter: `run_id IN ('${otherRun}', 'zzz')` }))).toEqual(['2']);
    expect(versions(await search({ filter: `run_id = '${otherRun}'` }))).toEqual(['2']);
    expect(versions(await search({ filter: `name = 'sv' AND source_path = 'mlflow-artifacts:/0/${otherRun}/artifacts/model'` }))).toEqual(['2']);
    expect(versions(await search({ filter: "name = 'sv' AND tags.flavor = 'sklearn'" }))).toEqual(['3']);
    expect(versions(await search({ filter: "name = 'sv'", order_by: ['version_number ASC'] }))).toEqual(['1', '2', '3']);
    expect(versions(await search({ filter: "name = 'sv' AND version_number = 4" }))).toEqual([]);

    const page1 = await search({ filter: "name = 'sv'", order_by: ['version_number ASC'], max_results: 2 });
    expect(versions(page1)).toEqual(['1', '2']);
    const page2 = await search({ filter: "name = 'sv'", order_by: ['version_number ASC'], max_results: 2, page_token: page1.body.next_page_token });
    expect(versions(page2)).toEqual(['3']);
    expect(page2.body.next_page_token).toBeUndefined();

    expectError(await search({ filter: "version_number = 'x'" }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await search({ filter: "current_stage = 'None'" }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await search({ filter: "name IN ('sv')" }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await search({ order_by: ['run_id'] }), 400, 'INVALID_PARAMETER_VALUE');
  });

  it('serves the same RPCs under /ajax-api/2.0', async () => {
    await createModel('ajax');
    const r = await http.get('/ajax-api/2.0/mlflow/registered-models/get', { name: 'ajax' });
    expect(r.status).toBe(200);
    expect(r.body.registered_model.name).toBe('ajax');
  });
});
