import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTime } from '../../web/src/format.js';
import { Http } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { launchChromium, screenshot, type Browser } from './browser.js';
import { ensureWebBuilt } from './web-build.js';

const V1 = '/api/v1';
const pipeline = {
  kind: 'Pipeline',
  name: 'web-pipe',
  params: { greeting: 'hello' },
  tasks: {
    ingest: { command: 'echo {greeting} > data.txt', outputs: ['data.txt'] },
    train: { command: 'cat data.txt > model.txt', inputs: ['ingest'], outputs: ['model.txt'] },
    evaluate: { command: 'cat model.txt', inputs: ['train'] },
    report: { command: 'echo report', needs: ['ingest'] },
  },
};

describe('web UI: pipelines and schedules', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let http: Http;

  const runPipeline = async (): Promise<any> => {
    const { id } = (await http.post(`${V1}/pipelines`, pipeline)).body;
    for (let i = 0; i < 300; i++) {
      const run = (await http.get(`${V1}/pipelines/${id}`)).body;
      if (run.state !== 'running') return run;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`pipeline run ${id} did not end`);
  };
  const nodeState = (name: string) => page.locator(`[data-testid=dag] [data-task=${name}]`).getAttribute('data-state');

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startTestServer('sqlite');
    http = new Http(server.url);
    browser = await launchChromium();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('draws a run’s DAG with each task’s state, cache hits marked, each task linked to its run', { timeout: 90_000 }, async () => {
    const first = await runPipeline();
    expect(first.state).toBe('succeeded');
    const second = await runPipeline();
    expect(second.tasks.map((t: any) => t.state)).toEqual(['cached', 'cached', 'cached', 'cached']);

    await page.goto(`${server.url}/pipelines`);
    const rows = page.getByRole('table', { name: 'Pipeline runs' }).getByRole('row', { name: /web-pipe/ });
    await expect.poll(() => rows.count()).toBe(2);
    await screenshot(page, 'pipelines');

    await page.getByRole('link', { name: first.id }).click();
    await page.getByTestId('dag').waitFor();
    for (const t of ['ingest', 'train', 'evaluate', 'report']) expect(await nodeState(t)).toBe('succeeded');
    await page.getByRole('link', { name: 'train: succeeded' }).click();
    await page.waitForURL(`**/runs/${first.tasks[1].runId}`);

    await page.goto(`${server.url}/pipelines/${second.id}`);
    await page.getByTestId('dag').waitFor();
    for (const t of ['ingest', 'train', 'evaluate', 'report']) expect(await nodeState(t)).toBe('cached');
    await screenshot(page, 'pipeline-dag');
    // A cache hit has its own run, which records the hit; the task table links the run that made the outputs.
    await page.getByRole('link', { name: 'evaluate: cached, cache hit' }).click();
    await page.waitForURL(`**/runs/${second.tasks[2].runId}`);
    await page.goBack();
    const evaluate = page.getByRole('table', { name: 'Tasks' }).getByRole('row', { name: /^evaluate/ });
    await evaluate.getByRole('link', { name: 'run' }).last().click();
    await page.waitForURL(`**/runs/${first.tasks[2].runId}`);
  });

  it('lists schedules with their target and next firing', async () => {
    const schedule = { kind: 'Schedule', id: 'web-nightly', spec: { cron: '30 2 * * 1-5', timezone: 'Europe/Lisbon', overlap: 'skip', pipeline: { spec: pipeline, params: { greeting: 'hi' } } } };
    const created = (await http.post(`${V1}/schedules`, schedule)).body;
    await page.goto(`${server.url}/schedules`);
    const table = page.getByRole('table', { name: 'Schedules' });
    const row = table.getByRole('row', { name: /web-nightly/ });
    await row.waitFor();
    // Each value under its own column: spec.* and status.* of the API's schedule view.
    const headers = await table.getByRole('columnheader').allInnerTexts();
    const cells = await row.getByRole('cell').allInnerTexts();
    expect(Object.fromEntries(headers.map((h, i) => [h, cells[i]]))).toEqual({
      ID: 'web-nightly',
      Cron: '30 2 * * 1-5',
      'Time zone': 'Europe/Lisbon',
      Target: 'pipeline web-pipe (greeting=hi)',
      Overlap: 'skip',
      // The browser and this process share the machine's time zone.
      'Next firing': formatTime(created.status.nextFireAt),
      'Last firing': '—',
    });
    expect(formatTime(created.status.nextFireAt)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:00$/);
    await screenshot(page, 'schedules');
  });
});
