import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, collect, createClient, fromJsonDouble, type TrainyardClient } from '../../src/clients/index.js';
import { BACKENDS } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe.each(BACKENDS)('TypeScript tracking client on %s', (backend) => {
  let server: TestServer;
  let client: TrainyardClient;
  beforeAll(async () => {
    server = await startTestServer(backend);
    client = createClient(server.url);
  });
  afterAll(async () => server?.close());

  it('creates experiments, finds them by id and name, renames, tags, deletes and restores them', async () => {
    const t = client.tracking;
    const id = await t.createExperiment('client-exp', { tags: { team: 'vision' } });
    expect(await t.getExperiment(id)).toMatchObject({
      experiment_id: id,
      name: 'client-exp',
      lifecycle_stage: 'active',
      artifact_location: `mlflow-artifacts:/${id}`,
      tags: [{ key: 'team', value: 'vision' }],
    });
    expect((await t.getExperimentByName('client-exp'))?.experiment_id).toBe(id);
    expect(await t.getExperimentByName('no-such-experiment')).toBeUndefined();

    await t.renameExperiment(id, 'client-exp-renamed');
    await t.setExperimentTag(id, 'stage', 'dev');
    await t.deleteExperimentTag(id, 'team');
    expect(await t.getExperiment(id)).toMatchObject({ name: 'client-exp-renamed', tags: [{ key: 'stage', value: 'dev' }] });

    await t.deleteExperiment(id);
    expect((await t.getExperiment(id)).lifecycle_stage).toBe('deleted');
    await t.restoreExperiment(id);
    expect((await t.getExperiment(id)).lifecycle_stage).toBe('active');
  });

  it('getOrCreateExperiment returns one experiment even when called concurrently', async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => client.tracking.getOrCreateExperiment('shared-by-name')));
    const ids = new Set(results.map((e) => e.experiment_id));
    expect(ids.size).toBe(1);
    expect(results[0]!.name).toBe('shared-by-name');
  });

  it('turns MLflow error bodies into ApiError with status, error_code and message', async () => {
    await client.tracking.createExperiment('dup-exp');
    const dup = await client.tracking.createExperiment('dup-exp').catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(ApiError);
    expect(dup).toMatchObject({ status: 400, errorCode: 'RESOURCE_ALREADY_EXISTS', method: 'POST', path: '/api/2.0/mlflow/experiments/create' });
    expect((dup as ApiError).message).toContain('dup-exp');

    const missing = await client.tracking.getRun('0123456789abcdef0123456789abcdef').catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    expect((missing as ApiError).message).toContain('0123456789abcdef0123456789abcdef');

    const noRoute = await client.http.get('/api/2.0/mlflow/no-such-endpoint').catch((e: unknown) => e);
    expect(noRoute).toMatchObject({ status: 404, errorCode: 'ENDPOINT_NOT_FOUND' });

    const badKey = await client.tracking.createRun().then((r) => client.tracking.logParam(r.info.run_id, 'bad/../key', 1)).catch((e: unknown) => e);
    expect(badKey).toMatchObject({ status: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('logs params, tags and stepped metrics (NaN and infinities included) and ends the run', async () => {
    const t = client.tracking;
    const expId = await t.createExperiment('client-runs');
    const run = await t.createRun({ experimentId: expId, runName: 'first', tags: { owner: 'ana' }, startTime: 1_700_000_000_000 });
    const runId = run.info.run_id;
    expect(run.info).toMatchObject({ run_name: 'first', experiment_id: expId, status: 'RUNNING', start_time: 1_700_000_000_000 });
    expect(run.info.artifact_uri).toBe(`mlflow-artifacts:/${expId}/${runId}/artifacts`);

    await t.logParam(runId, 'lr', 0.01);
    await t.logParam(runId, 'layers', 3);
    await t.setTag(runId, 'phase', 'train');
    await t.setTag(runId, 'temp', 'x');
    await t.deleteTag(runId, 'temp');
    await t.logMetric(runId, 'loss', 0.9, { step: 0, timestamp: 1000 });
    await t.logMetric(runId, 'loss', Number.NaN, { step: 1, timestamp: 1001 });
    await t.logMetric(runId, 'loss', 0.5, { step: 2, timestamp: 1002 });
    await t.logMetric(runId, 'peak', Number.POSITIVE_INFINITY, { step: 0, timestamp: 1003 });
    await t.logMetric(runId, 'trough', Number.NEGATIVE_INFINITY);

    const got = await t.getRun(runId);
    expect(got.data.params).toEqual(
      expect.arrayContaining([
        { key: 'lr', value: '0.01' },
        { key: 'layers', value: '3' },
      ]),
    );
    const tags = Object.fromEntries((got.data.tags ?? []).map((x) => [x.key, x.value]));
    expect(tags).toMatchObject({ owner: 'ana', phase: 'train', 'mlflow.runName': 'first' });
    expect(tags.temp).toBeUndefined();
    const latest = Object.fromEntries((got.data.metrics ?? []).map((m) => [m.key, m]));
    expect(latest.loss).toMatchObject({ value: 0.5, step: 2, timestamp: 1002 });

    const history = await t.getMetricHistory(runId, 'loss');
    expect(history.map((m) => [m.step, m.timestamp, fromJsonDouble(m.value)])).toEqual([
      [0, 1000, 0.9],
      [1, 1001, Number.NaN],
      [2, 1002, 0.5],
    ]);
    expect(history[1]!.value).toBe('NaN');
    expect(fromJsonDouble((await t.getMetricHistory(runId, 'peak'))[0]!.value)).toBe(Number.POSITIVE_INFINITY);
    expect(fromJsonDouble((await t.getMetricHistory(runId, 'trough'))[0]!.value)).toBe(Number.NEGATIVE_INFINITY);

    const before = Date.now();
    const ended = await t.endRun(runId, 'FAILED');
    expect(ended).toMatchObject({ run_id: runId, status: 'FAILED' });
    expect(ended.end_time).toBeGreaterThanOrEqual(before);
    expect((await t.getRun(runId)).info).toMatchObject({ status: 'FAILED', end_time: ended.end_time });

    await t.updateRun(runId, { runName: 'renamed' });
    expect((await t.getRun(runId)).info.run_name).toBe('renamed');
    await t.deleteRun(runId);
    expect((await t.getRun(runId)).info.lifecycle_stage).toBe('deleted');
    await t.restoreRun(runId);
    expect((await t.getRun(runId)).info.lifecycle_stage).toBe('active');
  });

  it('splits a large logBatch into requests within MLflow limits and everything lands', async () => {
    const t = client.tracking;
    const run = await t.createRun();
    const runId = run.info.run_id;
    const params = Array.from({ length: 250 }, (_, i) => ({ key: `p${i}`, value: `v${i}` }));
    const tags = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`t${i}`, 'x'.repeat(7000)]));
    const metrics = Array.from({ length: 2500 }, (_, i) => ({ key: 'acc', value: i / 2500, step: i, timestamp: 5000 + i }));
    await t.logBatch(runId, { params, tags, metrics });

    const got = await t.getRun(runId);
    expect(got.data.params).toHaveLength(250);
    expect((got.data.tags ?? []).filter((x) => x.key.startsWith('t') && x.value.length === 7000)).toHaveLength(150);
    const history = await t.getMetricHistory(runId, 'acc');
    expect(history).toHaveLength(2500);
    expect(history[2499]).toMatchObject({ step: 2499, timestamp: 7499, value: 2499 / 2500 });
  });

  it('sends nothing for an empty batch and still fails on a missing run for a non-empty one', async () => {
    await expect(client.tracking.logBatch('0123456789abcdef0123456789abcdef', {})).resolves.toBeUndefined();
    await expect(client.tracking.logBatch('0123456789abcdef0123456789abcdef', { params: [{ key: 'a', value: 1 }] })).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
    });
  });

  it('follows metric history pages beyond one response', async () => {
    const t = client.tracking;
    const runId = (await t.createRun()).info.run_id;
    const n = 25_000 + 300;
    for (let start = 0; start < n; start += 1000) {
      const metrics = Array.from({ length: Math.min(1000, n - start) }, (_, i) => ({ key: 'long', value: start + i, step: start + i, timestamp: 1 }));
      await t.logBatch(runId, { metrics });
    }
    // The server pages at the client's 25,000: the client must have followed the token.
    const first = await client.http.get<{ next_page_token?: string }>('/api/2.0/mlflow/metrics/get-history', {
      run_id: runId,
      metric_key: 'long',
      max_results: 25_000,
    });
    expect(first.next_page_token).toBeTruthy();
    const history = await t.getMetricHistory(runId, 'long');
    expect(history).toHaveLength(n);
    expect(new Set(history.map((m) => m.step)).size).toBe(n);
  });

  it('searches runs with filter and order, and walks every page', async () => {
    const t = client.tracking;
    const expId = await t.createExperiment('client-search');
    for (let i = 0; i < 5; i++) {
      const id = (await t.createRun({ experimentId: expId, runName: `r${i}` })).info.run_id;
      await t.logBatch(id, { metrics: [{ key: 'acc', value: i / 10 }], params: [{ key: 'fold', value: i % 2 }] });
    }
    const best = await t.searchRuns({ experimentIds: [expId], filter: "params.fold = '0' and metrics.acc > 0", orderBy: ['metrics.acc DESC'] });
    expect(best.items.map((r) => r.info.run_name)).toEqual(['r4', 'r2']);
    expect(best.nextPageToken).toBeUndefined();

    const first = await t.searchRuns({ experimentIds: [expId], orderBy: ['attributes.run_name ASC'], maxResults: 2 });
    expect(first.items.map((r) => r.info.run_name)).toEqual(['r0', 'r1']);
    expect(first.nextPageToken).toBeTruthy();
    const all = await collect(t.runs({ experimentIds: [expId], orderBy: ['attributes.run_name ASC'], maxResults: 2 }));
    expect(all.map((r) => r.info.run_name)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);

    const bad = await t.searchRuns({ experimentIds: [expId], filter: 'metrics.acc >' }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('searches experiments by name and view type, page after page', async () => {
    const t = client.tracking;
    for (const n of ['find-a', 'find-b', 'find-c']) await t.createExperiment(n);
    const gone = await t.createExperiment('find-deleted');
    await t.deleteExperiment(gone);
    const active = await collect(t.experiments({ filter: "name LIKE 'find-%'", orderBy: ['name ASC'], maxResults: 2 }));
    expect(active.map((e) => e.name)).toEqual(['find-a', 'find-b', 'find-c']);
    const deleted = await t.searchExperiments({ filter: "name LIKE 'find-%'", viewType: 'DELETED_ONLY' });
    expect(deleted.items.map((e) => e.name)).toEqual(['find-deleted']);
  });

  it('samples several runs with getMetricHistoryBulkInterval', async () => {
    const t = client.tracking;
    const a = (await t.createRun()).info.run_id;
    const b = (await t.createRun()).info.run_id;
    for (const id of [a, b]) {
      await t.logBatch(id, { metrics: Array.from({ length: 50 }, (_, i) => ({ key: 'm', value: i, step: i, timestamp: 10 })) });
    }
    const all = await t.getMetricHistoryBulkInterval([a, b], 'm');
    expect(all.filter((m) => m.run_id === a)).toHaveLength(50);
    expect(all.filter((m) => m.run_id === b)).toHaveLength(50);
    const ranged = await t.getMetricHistoryBulkInterval([a], 'm', { startStep: 10, endStep: 19 });
    expect(ranged.map((m) => m.step)).toEqual(Array.from({ length: 10 }, (_, i) => 10 + i));
  });
});
