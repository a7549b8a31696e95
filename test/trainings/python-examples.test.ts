/**
 * The Python examples through a real server with Debian's python3 and scikit-learn: what
 * Trainyard records must equal what the same script prints when run by hand.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http, ml } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { DEBIAN_PATH, EXAMPLES, exampleManifest, waitForState } from './support.js';

const PYTHON = '/usr/bin/python3';

/** Runs an example by hand (no tracking server) and reads the `name=value` metric lines it prints. */
function printedMetrics(example: string, args: string[]): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), `trainyard-${example}-`));
  try {
    cpSync(join(EXAMPLES, example), dir, { recursive: true });
    const env = { PATH: DEBIAN_PATH, HOME: dir, MPLBACKEND: 'Agg' };
    const out = execFileSync(PYTHON, ['train.py', ...args], { cwd: dir, env, encoding: 'utf8' });
    return Object.fromEntries([...out.matchAll(/^(\w+)=(-?[\d.e+-]+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Python examples through the server', () => {
  let server: TestServer;
  let http: Http;
  const savedPath = process.env.PATH;

  beforeAll(async () => {
    if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: install Debian's python3 python3-sklearn python3-pandas python3-matplotlib`);
    // Trainings inherit the server's PATH; put Debian's python3 (with scikit-learn) first.
    process.env.PATH = DEBIAN_PATH;
    server = await startTestServer('sqlite');
    http = new Http(server.url);
  });
  afterAll(async () => {
    process.env.PATH = savedPath;
    await server?.close();
  });

  async function latestMetrics(runId: string): Promise<Record<string, number>> {
    const run = (await http.get(ml('/runs/get'), { run_id: runId })).body.run;
    return Object.fromEntries(run.data.metrics.map((m: any) => [m.key, m.value]));
  }

  async function artifactPaths(runId: string, path = ''): Promise<string[]> {
    const files = (await http.get(ml('/artifacts/list'), { run_id: runId, path })).body.files ?? [];
    const out: string[] = [];
    for (const f of files) out.push(...(f.is_dir ? await artifactPaths(runId, f.path) : [f.path]));
    return out;
  }

  it('wine (MLproject, ElasticNet): recorded rmse/mae/r2 equal the printed ones; model and head samples kept', async () => {
    const t = server.services.trainings;
    const { manifest, baseDir } = exampleManifest('wine');
    await t.create(manifest, { localPaths: true, baseDir });
    const done = await waitForState(t, 'wine', undefined, 120_000);
    expect(done.status, JSON.stringify(done.status)).toMatchObject({ state: 'succeeded', exitCode: 0 });

    const expected = printedMetrics('wine', ['--alpha', '0.5', '--l1-ratio', '0.1']);
    expect(Object.keys(expected).sort()).toEqual(['mae', 'r2', 'rmse']);
    expect(await latestMetrics(done.status.runId!)).toEqual(expected);

    const paths = await artifactPaths(done.status.runId!);
    expect(paths).toEqual(expect.arrayContaining(['model/model.pkl', 'model/head_input.pkl', 'model/head_output.pkl', 'training.log']));
    expect(paths).toContain(`results/${done.status.artifacts[0]!.artifactName}`);
  }, 180_000);

  it('boston (MLPRegressor): recorded MSE/MAE/RMSE equal the printed ones; residual plot and .tar.gz archive', async () => {
    const t = server.services.trainings;
    const { manifest, baseDir } = exampleManifest('boston');
    await t.create(manifest, { localPaths: true, baseDir });
    const done = await waitForState(t, 'boston', undefined, 180_000);
    expect(done.status, JSON.stringify(done.status)).toMatchObject({ state: 'succeeded', exitCode: 0 });

    const expected = printedMetrics('boston', ['--hidden-layers', '64,32', '--max-iter', '500', '--alpha', '0.0001']);
    expect(Object.keys(expected).sort()).toEqual(['mae', 'mse', 'rmse']);
    expect(await latestMetrics(done.status.runId!)).toEqual(expected);

    const paths = await artifactPaths(done.status.runId!);
    expect(paths).toEqual(expect.arrayContaining(['model/model.pkl', 'plots/residuals.png']));
    expect(done.status.artifacts[0]!.artifactName).toMatch(/^boston-1\.0-.*\.tar\.gz$/);
  }, 240_000);
});
