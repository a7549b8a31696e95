/**
 * The dependency-free Python module (clients/python/trainyard.py), run by the real Debian
 * python3 against a real server; what landed is read back over HTTP.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http, ml } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startFlakyProxy, type FlakyProxy } from './flaky-proxy.js';

const PYTHON = '/usr/bin/python3';
const MODULE_DIR = resolve('clients/python');

interface PyResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The last stdout line, parsed as JSON when the script printed some. */
  out: any;
}

describe('Python client (trainyard.py) against a real server', () => {
  let server: TestServer;
  let proxy: FlakyProxy;
  let http: Http;
  let work: string;

  beforeAll(async () => {
    if (!existsSync(PYTHON)) {
      throw new Error(`${PYTHON} is missing: install Debian's python3 (apt-get install python3) to run the Python client tests`);
    }
    server = await startTestServer('sqlite');
    proxy = await startFlakyProxy(server.url);
    http = new Http(server.url);
    work = mkdtempSync(join(tmpdir(), 'trainyard-py-'));
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function py(script: string, env: Record<string, string> = {}): Promise<PyResult> {
    const file = join(work, `script-${randomBytes(4).toString('hex')}.py`);
    writeFileSync(file, script);
    // Only what the script is meant to see: no MLFLOW_* leaking in from the test's environment.
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MLFLOW_')));
    const child = spawn(PYTHON, [file], {
      cwd: work,
      env: { ...base, PYTHONPATH: MODULE_DIR, PYTHONDONTWRITEBYTECODE: '1', MLFLOW_TRACKING_URI: server.url, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolvePromise, reject) => {
      child.on('error', reject);
      child.on('close', (code) => {
        const last = stdout.trim().split('\n').pop() ?? '';
        let out: unknown;
        try {
          out = JSON.parse(last);
        } catch {
          out = undefined;
        }
        resolvePromise({ code, stdout, stderr, out });
      });
    });
  }

  async function getRun(runId: string) {
    const r = await http.get(ml('/runs/get'), { run_id: runId });
    expect(r.status).toBe(200);
    return r.body.run;
  }

  async function history(runId: string, key: string) {
    return (await http.get(ml('/metrics/get-history'), { run_id: runId, metric_key: key })).body.metrics ?? [];
  }

  const tagMap = (run: any): Record<string, string> => Object.fromEntries((run.data.tags ?? []).map((t: any) => [t.key, t.value]));

  it('logs params, stepped metrics with NaN and infinities, tags, and nested artifacts, then finishes the run', async () => {
    const outputs = join(work, 'outputs');
    mkdirSync(join(outputs, 'model', 'weights'), { recursive: true });
    writeFileSync(join(outputs, 'model', 'MLmodel'), 'flavors: {}\n');
    const big = randomBytes(3 * 1024 * 1024 + 17); // several upload blocks
    writeFileSync(join(outputs, 'model', 'weights', 'w.bin'), big);
    writeFileSync(join(outputs, 'summary.json'), '{"ok": true}');
    writeFileSync(join(work, 'notes.txt'), 'hello artifacts');

    const started = Date.now();
    const res = await py(`
import json, math, trainyard
with trainyard.start_run(run_name="py-run") as run:
    trainyard.log_param("lr", 0.01)
    trainyard.log_params({"p%d" % i: i for i in range(150)})
    for step, v in enumerate([1.0, 0.5, float("nan"), 0.25]):
        trainyard.log_metric("loss", v, step=step, timestamp=1000 + step)
    trainyard.log_metric("peak", math.inf, step=7)
    trainyard.log_metrics({"k%d" % i: i / 2 for i in range(1500)}, step=3, timestamp=4242)
    trainyard.set_tag("phase", "train")
    trainyard.set_tags({"t%d" % i: "v%d" % i for i in range(120)})
    trainyard.log_artifact(${JSON.stringify(join(work, 'notes.txt'))}, artifact_path="docs/a")
    trainyard.log_artifacts(${JSON.stringify(outputs)}, artifact_path="out")
    assert trainyard.active_run() is run
print(json.dumps({"run_id": run.run_id, "active_after": trainyard.active_run() is not None}))
`);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const runId: string = res.out.run_id;
    expect(res.out.active_after).toBe(false);

    const run = await getRun(runId);
    expect(run.info).toMatchObject({ run_name: 'py-run', experiment_id: '0', status: 'FINISHED' });
    expect(run.info.end_time).toBeGreaterThanOrEqual(started);
    expect(run.info.end_time).toBeLessThanOrEqual(Date.now());
    const params = Object.fromEntries(run.data.params.map((p: any) => [p.key, p.value]));
    expect(Object.keys(params)).toHaveLength(151);
    expect(params.lr).toBe('0.01');
    expect(params.p149).toBe('149');
    const tags = tagMap(run);
    expect(tags).toMatchObject({ phase: 'train', t0: 'v0', t119: 'v119', 'mlflow.runName': 'py-run', 'mlflow.source.type': 'LOCAL' });
    expect(tags['mlflow.source.name']).toMatch(/script-[0-9a-f]+\.py$/);

    expect(await history(runId, 'loss')).toEqual([
      { key: 'loss', value: 1, timestamp: 1000, step: 0 },
      { key: 'loss', value: 0.5, timestamp: 1001, step: 1 },
      { key: 'loss', value: 'NaN', timestamp: 1002, step: 2 },
      { key: 'loss', value: 0.25, timestamp: 1003, step: 3 },
    ]);
    expect(await history(runId, 'peak')).toMatchObject([{ value: 'Infinity', step: 7 }]);
    const batched = run.data.metrics.filter((m: any) => /^k\d+$/.test(m.key));
    expect(batched).toHaveLength(1500);
    expect(batched.find((m: any) => m.key === 'k1499')).toEqual({ key: 'k1499', value: 749.5, timestamp: 4242, step: 3 });

    const root = `0/${runId}/artifacts`;
    expect(await listProxy(root)).toEqual([
      { path: 'docs', is_dir: true },
      { path: 'out', is_dir: true },
    ]);
    expect(await listProxy(`${root}/out/model/weights`)).toEqual([{ path: 'w.bin', is_dir: false, file_size: big.length }]);
    expect((await readProxy(`${root}/docs/a/notes.txt`)).toString()).toBe('hello artifacts');
    expect((await readProxy(`${root}/out/summary.json`)).toString()).toBe('{"ok": true}');
    expect((await readProxy(`${root}/out/model/MLmodel`)).toString()).toBe('flavors: {}\n');
    expect((await readProxy(`${root}/out/model/weights/w.bin`)).equals(big)).toBe(true);
  });

  async function listProxy(path: string) {
    const r = await http.get('/api/2.0/mlflow-artifacts/artifacts', { path });
    expect(r.status).toBe(200);
    return [...(r.body.files ?? [])].sort((a: any, b: any) => a.path.localeCompare(b.path));
  }

  async function readProxy(path: string): Promise<Buffer> {
    const res = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${path}`);
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  }

  it('creates the experiment named by MLFLOW_EXPERIMENT_NAME once and reuses it', async () => {
    const script = `
import json, trainyard
run = trainyard.start_run()
trainyard.end_run()
print(json.dumps({"experiment_id": run.info.experiment_id}))
`;
    const first = await py(script, { MLFLOW_EXPERIMENT_NAME: 'py-experiment' });
    const second = await py(script, { MLFLOW_EXPERIMENT_NAME: 'py-experiment' });
    expect(first.code).toBe(0);
    expect(second.out.experiment_id).toBe(first.out.experiment_id);
    const exp = await http.get(ml('/experiments/get-by-name'), { experiment_name: 'py-experiment' });
    expect(exp.body.experiment.experiment_id).toBe(first.out.experiment_id);

    const byId = await py(script, { MLFLOW_EXPERIMENT_ID: first.out.experiment_id, MLFLOW_EXPERIMENT_NAME: 'ignored-when-id-set' });
    expect(byId.out.experiment_id).toBe(first.out.experiment_id);
    expect((await http.get(ml('/experiments/get-by-name'), { experiment_name: 'ignored-when-id-set' })).status).toBe(404);
  });

  it('attaches to MLFLOW_RUN_ID and leaves that run to its owner unless told to end it', async () => {
    const created = await http.post(ml('/runs/create'), { experiment_id: '0', run_name: 'platform-run' });
    const runId: string = created.body.run.info.run_id;
    const res = await py(
      `
import json, trainyard
trainyard.log_metric("epoch_loss", 0.3, step=1)
trainyard.set_tag("from", "script")
print(json.dumps({"run_id": trainyard.active_run().run_id}))
`,
      { MLFLOW_RUN_ID: runId },
    );
    expect(res.code).toBe(0);
    expect(res.out.run_id).toBe(runId);
    const run = await getRun(runId);
    expect(run.info.status).toBe('RUNNING');
    expect(run.info.end_time).toBeUndefined();
    expect(tagMap(run).from).toBe('script');
    expect(await history(runId, 'epoch_loss')).toMatchObject([{ value: 0.3, step: 1 }]);

    const ended = await py(`import trainyard\nwith trainyard.start_run():\n    pass\n`, { MLFLOW_RUN_ID: runId });
    expect(ended.code).toBe(0);
    expect((await getRun(runId)).info.status).toBe('FINISHED');
  });

  it('ends a run it started implicitly when the script exits: FINISHED, or FAILED after an uncaught error', async () => {
    const ok = await py(`import json, trainyard\ntrainyard.log_param("a", 1)\nprint(json.dumps({"run_id": trainyard.active_run().run_id}))\n`);
    expect(ok.code).toBe(0);
    const okRun = await getRun(ok.out.run_id);
    expect(okRun.info.status).toBe('FINISHED');
    expect(okRun.info.end_time).toBeGreaterThan(0);

    const crash = await py(`import json, trainyard\ntrainyard.log_param("a", 1)\nprint(json.dumps({"run_id": trainyard.active_run().run_id}))\nraise RuntimeError("boom")\n`);
    expect(crash.code).toBe(1);
    expect(crash.stderr).toContain('RuntimeError: boom');
    expect((await getRun(crash.out.run_id)).info.status).toBe('FAILED');
  });

  it('marks the run FAILED when the with-block raises, and lets the exception through', async () => {
    const res = await py(`
import json, trainyard
try:
    with trainyard.start_run() as run:
        raise ValueError("bad data")
except ValueError as err:
    print(json.dumps({"run_id": run.run_id, "error": str(err)}))
`);
    expect(res.code).toBe(0);
    expect(res.out.error).toBe('bad data');
    const run = await getRun(res.out.run_id);
    expect(run.info.status).toBe('FAILED');
    expect(run.info.end_time).toBeGreaterThan(0);
  });

  it('raises TrainyardError with the server error_code and message', async () => {
    const res = await py(`
import json, trainyard
out = {}
trainyard.log_param("lr", "0.1")
try:
    trainyard.log_param("lr", "0.2")
except trainyard.TrainyardError as err:
    out["changed"] = [err.error_code, err.status, err.message]
try:
    trainyard.start_run()
except trainyard.TrainyardError as err:
    out["twice"] = err.error_code
trainyard.end_run()
try:
    trainyard.start_run(run_id="0123456789abcdef0123456789abcdef")
except trainyard.TrainyardError as err:
    out["missing"] = [err.error_code, err.status]
print(json.dumps(out))
`);
    expect(res.code).toBe(0);
    expect(res.out.changed[0]).toBe('INVALID_PARAMETER_VALUE');
    expect(res.out.changed[1]).toBe(400);
    expect(res.out.changed[2]).toContain("'lr'");
    expect(res.out.twice).toBe('INVALID_STATE');
    expect(res.out.missing).toEqual(['RESOURCE_DOES_NOT_EXIST', 404]);
  });

  it('retries 503 answers and dropped connections, sending the token from MLFLOW_TRACKING_TOKEN', async () => {
    proxy.seen.length = 0;
    proxy.authorizations.length = 0;
    proxy.fail('503', 'drop', '503');
    const res = await py(`import json, trainyard\nwith trainyard.start_run() as run:\n    trainyard.log_metric("m", 1.5)\nprint(json.dumps({"run_id": run.run_id}))\n`, {
      MLFLOW_TRACKING_URI: proxy.url,
      MLFLOW_TRACKING_TOKEN: 'secret-token',
    });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(proxy.seen.slice(0, 4)).toEqual(Array(4).fill('POST /api/2.0/mlflow/runs/create'));
    expect(proxy.seen.filter((s) => s === 'POST /api/2.0/mlflow/runs/create')).toHaveLength(4);
    expect(new Set(proxy.authorizations)).toEqual(new Set(['Bearer secret-token']));
    expect(await history(res.out.run_id, 'm')).toMatchObject([{ value: 1.5 }]);
    expect((await getRun(res.out.run_id)).info.status).toBe('FINISHED');
  });

  it('reconnects at once when a kept-alive connection was closed, without using up a retry', async () => {
    proxy.seen.length = 0;
    // Three 503s use every retry: the drop on the reused connection must not have counted as one.
    proxy.fail('pass', 'drop', '503', '503', '503');
    const res = await py(`import json, trainyard\nrun = trainyard.start_run()\ntrainyard.log_param("after", "drop")\ntrainyard.end_run()\nprint(json.dumps({"run_id": run.run_id}))\n`, {
      MLFLOW_TRACKING_URI: proxy.url,
    });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(proxy.seen.filter((s) => s === 'POST /api/2.0/mlflow/runs/log-parameter')).toHaveLength(5);
    expect((await getRun(res.out.run_id)).data.params).toEqual([{ key: 'after', value: 'drop' }]);
  });

  it('says which server it cannot reach', async () => {
    const closed = await startFlakyProxy(server.url);
    const url = closed.url;
    await closed.close();
    const res = await py(`import trainyard\ntrainyard.start_run()\n`, { MLFLOW_TRACKING_URI: url });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('trainyard.TrainyardError: TEMPORARILY_UNAVAILABLE: cannot reach');
    expect(res.stderr).toContain(url);
  });
});
