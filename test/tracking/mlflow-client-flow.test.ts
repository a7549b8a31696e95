/**
 * The whole journey of an MLflow client, call for call as the mlflow 2.x and 3.x Python clients
 * make it, with a real scikit-learn model that is logged, registered and loaded back through
 * `models:/<name>/1` (see fixtures/mlflow_client_flow.py, which checks every answer).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/backends.js';
import { Http, ml } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PYTHON = '/usr/bin/python3';
const FLOW = fileURLToPath(new URL('./fixtures/mlflow_client_flow.py', import.meta.url));

describe.each(BACKENDS)('an MLflow client end to end on %s', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: install Debian's python3 and python3-sklearn`);
    server = await startTestServer(backend);
  });
  afterAll(async () => server?.close());

  for (const flavor of ['2', '3'] as const) {
    it(`mlflow ${flavor}.x: experiment, run, params, metrics, tags, batch, artifacts, model logged, registered and loaded`, async () => {
      const { stdout } = await promisify(execFile)(PYTHON, [FLOW, server.url, flavor], { env: { PATH: '/usr/bin:/bin' } });
      const summary = JSON.parse(stdout.trim().split('\n').pop()!);
      expect(summary.prediction).toBeCloseTo(7, 9);
      const run = (await new Http(server.url).get(ml('/runs/get'), { run_id: summary.run_id })).body.run;
      expect(run.data.params).toEqual(expect.arrayContaining([{ key: 'alpha', value: '0.5' }, { key: 'l1_ratio', value: '0.1' }]));
      expect(run.info.status).toBe('FINISHED');
    });
  }
});
