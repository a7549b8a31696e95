import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, collect, createClient, type TrainyardClient } from '../../src/clients/index.js';
import { BACKENDS } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe.each(BACKENDS)('TypeScript registry client on %s', (backend) => {
  let server: TestServer;
  let client: TrainyardClient;
  let runId: string;
  let source: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    client = createClient(server.url);
    const run = await client.tracking.createRun();
    runId = run.info.run_id;
    source = `${run.info.artifact_uri}/model`;
  });
  afterAll(async () => server?.close());

  it('creates a registered model, tolerates creating it again, and refuses a duplicate create', async () => {
    const r = client.registry;
    const created = await r.createRegisteredModel('iris', { tags: { team: 'vision' }, description: 'first' });
    expect(created).toMatchObject({ name: 'iris', description: 'first', tags: [{ key: 'team', value: 'vision' }] });
    expect((await r.ensureRegisteredModel('iris')).name).toBe('iris');
    const dup = await r.createRegisteredModel('iris').catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(ApiError);
    expect(dup).toMatchObject({ status: 400, errorCode: 'RESOURCE_ALREADY_EXISTS' });
    expect((await r.ensureRegisteredModel('fresh-model')).name).toBe('fresh-model');
    const raced = await Promise.all([1, 2, 3, 4].map(() => r.ensureRegisteredModel('raced-model')));
    expect(raced.map((m) => m.name)).toEqual(Array(4).fill('raced-model'));
  });

  it('creates versions, moves them through stages, and reads the latest per stage', async () => {
    const r = client.registry;
    const v1 = await r.createModelVersion('iris', source, { runId, tags: { k: 'v' }, description: 'v1' });
    expect(v1).toMatchObject({ name: 'iris', version: '1', status: 'READY', current_stage: 'None', source, run_id: runId });
    const v2 = await r.createModelVersion('iris', source, { runId });
    expect(v2.version).toBe('2');

    expect((await r.transitionModelVersionStage('iris', 1, 'Production')).current_stage).toBe('Production');
    expect((await r.transitionModelVersionStage('iris', '2', 'production', true)).current_stage).toBe('Production');
    expect((await r.getModelVersion('iris', 1)).current_stage).toBe('Archived');
    const latest = await r.getLatestVersions('iris', ['Production']);
    expect(latest.map((v) => v.version)).toEqual(['2']);

    expect((await r.updateModelVersion('iris', 2, 'better')).description).toBe('better');
    await r.setModelVersionTag('iris', 2, 'validated', 'yes');
    await r.deleteModelVersionTag('iris', 1, 'k');
    expect((await r.getModelVersion('iris', 2)).tags).toEqual([{ key: 'validated', value: 'yes' }]);
    expect((await r.getModelVersion('iris', 1)).tags ?? []).toEqual([]);
    expect(await r.getModelVersionDownloadUri('iris', 2)).toBe(source);
  });

  it('sets, reads and deletes aliases, and updates, tags and renames the model', async () => {
    const r = client.registry;
    await r.setAlias('iris', 'champion', 2);
    expect((await r.getModelVersionByAlias('iris', 'champion')).version).toBe('2');
    expect((await r.getRegisteredModel('iris')).aliases).toEqual([{ alias: 'champion', version: '2' }]);
    await r.deleteAlias('iris', 'champion');
    const gone = await r.getModelVersionByAlias('iris', 'champion').catch((e: unknown) => e);
    expect(gone).toMatchObject({ status: 400, errorCode: 'INVALID_PARAMETER_VALUE' });

    expect((await r.updateRegisteredModel('iris', 'flowers')).description).toBe('flowers');
    await r.setRegisteredModelTag('iris', 'owner', 'ana');
    await r.deleteRegisteredModelTag('iris', 'team');
    expect((await r.getRegisteredModel('iris')).tags).toEqual([{ key: 'owner', value: 'ana' }]);

    const renamed = await r.renameRegisteredModel('iris', 'iris-v2');
    expect(renamed.name).toBe('iris-v2');
    expect((await r.getModelVersion('iris-v2', 1)).name).toBe('iris-v2');
    expect(await r.getRegisteredModel('iris').catch((e: ApiError) => e.errorCode)).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('searches registered models and versions, page after page', async () => {
    const r = client.registry;
    for (const name of ['search-a', 'search-b', 'search-c']) {
      await r.createRegisteredModel(name);
      await r.createModelVersion(name, source, { runId });
    }
    const firstPage = await r.searchRegisteredModels({ filter: "name LIKE 'search-%'", maxResults: 2 });
    expect(firstPage.items.map((m) => m.name)).toEqual(['search-a', 'search-b']);
    expect(firstPage.nextPageToken).toBeTruthy();
    const all = await collect(r.registeredModels({ filter: "name LIKE 'search-%'", maxResults: 2 }));
    expect(all.map((m) => m.name)).toEqual(['search-a', 'search-b', 'search-c']);

    const versions = await collect(r.modelVersions({ filter: `run_id = '${runId}'`, maxResults: 2 }));
    expect(versions.filter((v) => v.name.startsWith('search-'))).toHaveLength(3);
    expect(versions.every((v) => v.run_id === runId)).toBe(true);
  });

  it('deletes versions and models', async () => {
    const r = client.registry;
    await r.deleteModelVersion('search-a', 1);
    expect(await r.getModelVersion('search-a', 1).catch((e: ApiError) => e.errorCode)).toBe('RESOURCE_DOES_NOT_EXIST');
    await r.deleteRegisteredModel('search-a');
    expect(await r.getRegisteredModel('search-a').catch((e: ApiError) => e.errorCode)).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});
