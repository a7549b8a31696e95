/**
 * Metric points as logged and read back over HTTP: history order and identity, paging, special
 * doubles, and the latest value per key that runs/get reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/backends.js';
import { Http, ml } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe.each(BACKENDS)('metric history on %s', (backend) => {
  let server: TestServer;
  let http: Http;
  beforeAll(async () => {
    server = await startTestServer(backend);
    http = new Http(server.url);
  });
  afterAll(async () => server?.close());

  async function newRun(): Promise<string> {
    return (await http.post(ml('/runs/create'), { experiment_id: '0' })).body.run.info.run_id;
  }

  it('returns points ordered by step, timestamp and value, each identical point once', async () => {
    const runId = await newRun();
    const m = (step: number, timestamp: number, value: number | string) => ({ key: 'loss', step, timestamp, value });
    expect((await http.post(ml('/runs/log-batch'), { run_id: runId, metrics: [m(2, 20, 0.2), m(0, 30, 1), m(0, 30, 1)] })).status).toBe(200);
    expect((await http.post(ml('/runs/log-batch'), { run_id: runId, metrics: [m(1, 10, 'NaN'), m(0, 5, 3), m(2, 20, 0.2)] })).status).toBe(200);
    expect((await http.post(ml('/runs/log-metric'), { run_id: runId, ...m(1, 10, 'NaN') })).status).toBe(200);
    expect((await http.post(ml('/runs/log-metric'), { run_id: runId, ...m(3, 1, 'Infinity') })).status).toBe(200);
    expect((await http.post(ml('/runs/log-metric'), { run_id: runId, ...m(3, 1, '-Infinity') })).status).toBe(200);

    const history = await http.get(ml('/metrics/get-history'), { run_id: runId, metric_key: 'loss' });
    expect(history.status).toBe(200);
    expect(history.headers.get('content-type')).toMatch(/application\/json/);
    expect(history.body).toEqual({
      metrics: [m(0, 5, 3), m(0, 30, 1), m(1, 10, 'NaN'), m(2, 20, 0.2), m(3, 1, '-Infinity'), m(3, 1, 'Infinity')],
    });
  });

  it('pages through a long history with max_results and page_token', async () => {
    const runId = await newRun();
    const metrics = Array.from({ length: 250 }, (_, i) => ({ key: 'acc', value: i / 250, timestamp: 1_700_000_000_000 + i, step: 249 - i }));
    expect((await http.post(ml('/runs/log-batch'), { run_id: runId, metrics })).status).toBe(200);
    const seen: number[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await http.get(ml('/metrics/get-history'), { run_id: runId, metric_key: 'acc', max_results: 100, page_token: pageToken });
      expect(page.status).toBe(200);
      seen.push(...page.body.metrics.map((x: { step: number }) => x.step));
      pageToken = page.body.next_page_token;
      pages++;
    } while (pageToken);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => i));
    const all = await http.get(ml('/metrics/get-history'), { run_id: runId, metric_key: 'acc' });
    expect(all.body.metrics).toHaveLength(250);
    expect(all.body.next_page_token).toBeUndefined();
  });

  it('answers {} for a key the run never logged, and 404 for an unknown run', async () => {
    const runId = await newRun();
    const none = await http.get(ml('/metrics/get-history'), { run_id: runId, metric_key: 'never' });
    expect(none.status).toBe(200);
    expect(none.body).toEqual({});
    const missing = await http.get(ml('/metrics/get-history'), { run_id: 'f'.repeat(32), metric_key: 'loss' });
    expect(missing.status).toBe(404);
    expect(missing.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('keeps as latest value the highest step, then the latest timestamp, then the largest value, across requests', async () => {
    const runId = await newRun();
    const log = (step: number, timestamp: number, value: number) =>
      http.post(ml('/runs/log-batch'), { run_id: runId, metrics: [{ key: 'a', value, timestamp, step }, { key: 'b', value: -value, timestamp, step }] });
    await log(5, 100, 1);
    await log(4, 900, 2); // older step logged later: not latest
    await log(5, 100, 0.5); // same step and time, smaller value: not latest
    await log(5, 50, 9); // same step, earlier time: not latest
    const run = await http.get(ml('/runs/get'), { run_id: runId });
    const latest = Object.fromEntries(run.body.run.data.metrics.map((x: { key: string }) => [x.key, x]));
    expect(latest.a).toEqual({ key: 'a', value: 1, timestamp: 100, step: 5 });
    expect(latest.b).toEqual({ key: 'b', value: -0.5, timestamp: 100, step: 5 });
    await log(6, 1, 0);
    const later = await http.get(ml('/runs/get'), { run_id: runId });
    expect(later.body.run.data.metrics.find((x: { key: string }) => x.key === 'a')).toEqual({ key: 'a', value: 0, timestamp: 1, step: 6 });
  });
});
