/**
 * examples/boston-pipeline through a real server with Debian's python3 and scikit-learn: what the
 * cache keys, content-addressed outputs and nested runs promise, on the real app.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http, ml } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { DEBIAN_PATH, finished, states, task } from './support.js';

const EXAMPLE = resolve(import.meta.dirname, '../../examples/boston-pipeline');
// Fewer epochs than the example's default keep the test quick; the model is still a fair one.
const PARAMS = { epochs: 60 };

describe('examples/boston-pipeline with real Python', { timeout: 300_000 }, () => {
  let server: TestServer;
  let http: Http;
  let dir: string;
  let manifest: unknown;
  const savedPath = process.env.PATH;

  beforeAll(async () => {
    if (!existsSync('/usr/bin/python3')) throw new Error('/usr/bin/python3 is missing: install Debian python3 python3-sklearn python3-pandas python3-matplotlib');
    // Tasks inherit the server's PATH; put Debian's python3 (with scikit-learn) first.
    process.env.PATH = DEBIAN_PATH;
    server = await startTestServer('sqlite');
    http = new Http(server.url);
    dir = mkdtempSync(join(tmpdir(), 'trainyard-boston-pipeline-'));
    cpSync(EXAMPLE, dir, { recursive: true });
    manifest = parse(readFileSync(join(dir, 'pipeline.yaml'), 'utf8'));
  });
  afterAll(async () => {
    process.env.PATH = savedPath;
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const run = async (params: Record<string, unknown> = {}, force: string[] = []) => {
    const p = server.services.pipelines;
    const submitted = await p.submit(manifest, { localPaths: true, baseDir: dir, params: { ...PARAMS, ...params }, force });
    return finished(p, submitted.id, 180_000);
  };
  const runData = async (runId: string) => (await http.get(ml('/runs/get'), { run_id: runId })).body.run;
  const edit = (file: string, change: (text: string) => string) => writeFileSync(join(dir, file), change(readFileSync(join(dir, file), 'utf8')));

  let first: Awaited<ReturnType<typeof run>>;

  it('runs ingest → train → evaluate → deploy: nested runs with params, metrics, log, outputs, and a registered version', async () => {
    first = await run();
    expect(first.state, JSON.stringify(first.tasks.map((t) => [t.name, t.message]))).toBe('succeeded');
    expect(states(first)).toEqual({ ingest: 'succeeded', train: 'succeeded', evaluate: 'succeeded', deploy: 'succeeded' });

    const parent = await runData(first.runId!);
    expect(parent.data.params).toEqual(expect.arrayContaining([{ key: 'l2', value: '0.0001' }, { key: 'epochs', value: '60' }]));
    const evaluate = await runData(task(first, 'evaluate').runId!);
    const tags = Object.fromEntries(evaluate.data.tags.map((t: any) => [t.key, t.value]));
    expect(tags).toMatchObject({ 'mlflow.parentRunId': first.runId, 'trainyard.task': 'evaluate', 'trainyard.cache': 'miss', 'trainyard.pipeline_run_id': first.id });
    const metrics = Object.fromEntries(evaluate.data.metrics.map((m: any) => [m.key, m.value]));
    const report = JSON.parse(readFileSync(join(server.home, 'pipelines', first.id, 'evaluate', 'src', 'report', 'metrics.json'), 'utf8'));
    expect(metrics).toEqual({ mse: report.mse, mae: report.mae, rmse: report.rmse });
    const train = await runData(task(first, 'train').runId!);
    // Each task's run holds the params it reads: train reads l2 and epochs, evaluate none.
    expect(train.data.params.map((p: any) => p.key).sort()).toEqual(['epochs', 'l2']);
    expect(evaluate.data.params ?? []).toEqual([]);

    const listed = (await http.get(ml('/artifacts/list'), { run_id: task(first, 'evaluate').runId, path: 'outputs/report' })).body.files.map((f: any) => f.path);
    expect(listed).toEqual(['outputs/report/metrics.json', 'outputs/report/residuals.png']);
    const log = (await http.get(ml('/artifacts/list'), { run_id: task(first, 'evaluate').runId })).body.files.map((f: any) => f.path);
    expect(log).toContain('task.log');

    const deployed = JSON.parse(readFileSync(join(server.home, 'pipelines', first.id, 'deploy', 'src', 'deployed.json'), 'utf8'));
    const version = (await http.get(ml('/model-versions/get'), { name: 'boston-pipeline', version: deployed.version })).body.model_version;
    expect(version.run_id).toBe(task(first, 'deploy').runId);
  });

  it('runs again with the same inputs: every task is a cache hit linked to the run that produced it', async () => {
    const again = await run();
    expect(states(again)).toEqual({ ingest: 'cached', train: 'cached', evaluate: 'cached', deploy: 'cached' });
    for (const name of ['ingest', 'train', 'evaluate', 'deploy']) {
      expect(task(again, name).cachedFrom).toEqual({ runId: task(first, name).runId, pipelineRunId: first.id });
      expect(task(again, name).cacheKey).toBe(task(first, name).cacheKey);
    }
    const hit = await runData(task(again, 'train').runId!);
    const tags = Object.fromEntries(hit.data.tags.map((t: any) => [t.key, t.value]));
    expect(tags).toMatchObject({ 'mlflow.parentRunId': again.runId, 'trainyard.cache': 'hit', 'trainyard.cache.source_run_id': task(first, 'train').runId });
    expect(hit.info.status).toBe('FINISHED');
  });

  it("changing only evaluate's code re-runs evaluate, and deploy when evaluate's output changes", async () => {
    edit('evaluate.py', (t) => t.replace('def residual_plot(', '# A comment changes the code, not the result.\ndef residual_plot('));
    const plan = await server.services.pipelines.plan(manifest, { localPaths: true, baseDir: dir, params: PARAMS });
    expect(plan.tasks.map((t) => [t.name, t.action])).toEqual([['ingest', 'cached'], ['train', 'cached'], ['evaluate', 'run'], ['deploy', 'run']]);
    expect(plan.tasks[2]).toMatchObject({ changed: ['code'], reason: 'not in the cache: code changed' });

    const commentOnly = await run();
    // Same report bytes: deploy's inputs have the same digests, so it stays cached.
    expect(states(commentOnly)).toEqual({ ingest: 'cached', train: 'cached', evaluate: 'succeeded', deploy: 'cached' });

    edit('evaluate.py', (t) => t.replace('"rmse": float(np.sqrt(mse))}', '"rmse": float(np.sqrt(mse)), "n": int(len(y))}'));
    const changed = await run();
    expect(states(changed)).toEqual({ ingest: 'cached', train: 'cached', evaluate: 'succeeded', deploy: 'succeeded' });
  });

  it('changing l2 re-runs train and everything after it; --force train does the same with the old value', async () => {
    const l2 = await run({ l2: '0.01' });
    expect(states(l2)).toEqual({ ingest: 'cached', train: 'succeeded', evaluate: 'succeeded', deploy: 'succeeded' });
    expect(task(l2, 'train').keyParts!.params).not.toBe(task(first, 'train').keyParts!.params);

    const forced = await run({}, ['train']);
    expect(states(forced)).toEqual({ ingest: 'cached', train: 'succeeded', evaluate: 'succeeded', deploy: 'succeeded' });
    expect(task(forced, 'train').cacheKey).toBe(task(first, 'train').cacheKey);
    const tags = Object.fromEntries((await runData(task(forced, 'train').runId!)).data.tags.map((t: any) => [t.key, t.value]));
    expect(tags['trainyard.cache']).toBe('forced');
  });
});
