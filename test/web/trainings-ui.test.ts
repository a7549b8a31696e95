import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { V1Client, type ModelTraining, type TrainingManifestInput } from '../../src/clients/index.js';
import { uploadSource } from '../../src/clients/v1-sources.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { EXAMPLES } from '../trainings/support.js';
import { launchChromium, screenshot, type Browser } from './browser.js';
import { ensureWebBuilt } from './web-build.js';

const QUICKSTART = join(EXAMPLES, 'quickstart');
const FINISHED = ['succeeded', 'failed', 'cancelled'];
// Prints a numbered line every 150 ms until the stop file appears (never, when there is none).
const TICKER = "const fs=require('fs');let i=0;const t=setInterval(()=>{console.log('tick '+(++i));if(fs.existsSync(process.env.STOP_FILE))clearInterval(t)},150)";

describe('web UI: trainings, models, connections, pipelines', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let client: V1Client;
  let snapshot: string;
  let scratch: string;

  /** The quickstart example under another id, its source uploaded through the API. */
  const manifest = (id: string, change: (m: any) => void = () => {}): TrainingManifestInput => {
    const m = parse(readFileSync(join(QUICKSTART, 'training.yaml'), 'utf8'));
    m.id = id;
    m.spec.hyperParameters.epochs = 5;
    m.spec.algorithmSource.local.snapshot = snapshot;
    change(m);
    return m;
  };
  /** The quickstart, after ticking until `stopFile` exists. */
  const ticking = (id: string, stopFile: string) =>
    manifest(id, (m) => {
      m.spec.command = `node -e "$TICKER" && ${m.spec.command}`;
      m.spec.envs = [
        { name: 'TICKER', value: TICKER },
        { name: 'STOP_FILE', value: stopFile },
      ];
    });
  const waitFor = async (id: string, states = FINISHED): Promise<ModelTraining> => {
    for (let i = 0; i < 600; i++) {
      const t = await client.getTraining(id);
      if (states.includes(t.status.state)) return t;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`training ${id} did not reach ${states.join('/')}`);
  };
  const open = (path: string) => page.goto(`${server.url}${path}`);
  const logText = () => page.getByTestId('log-view').innerText();

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startTestServer('sqlite');
    client = new V1Client(server.url);
    snapshot = (await uploadSource(client, QUICKSTART)).hash;
    scratch = mkdtempSync(join(tmpdir(), 'trainyard-web-trainings-'));
    browser = await launchChromium();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('shows a finished quickstart training: state, timeline, log, manifest and result archive', async () => {
    await client.createTraining(manifest('quickstart-web'));
    const done = await waitFor('quickstart-web');
    expect(done.status.state).toBe('succeeded');

    await open('/trainings');
    const row = page.getByRole('row', { name: /quickstart-web/ });
    await row.waitFor();
    expect(await row.innerText()).toContain('succeeded');
    await screenshot(page, 'trainings');

    await row.getByRole('link', { name: 'quickstart-web' }).click();
    await page.getByRole('heading', { name: 'quickstart-web' }).waitFor();
    const timeline = page.getByTestId('timeline');
    await expect.poll(() => timeline.innerText()).toContain('succeeded');
    expect(await timeline.innerText()).toMatch(/scheduling[\s\S]*running[\s\S]*succeeded/);
    await expect.poll(logText).toContain('Model: rent =');
    // JSON until the YAML library, loaded on first use, arrives.
    await expect.poll(() => page.getByTestId('manifest').innerText()).toContain('toolchain: command');
    const archive = page.getByRole('list', { name: 'Result archives' }).getByRole('link');
    const name = done.status.artifacts[0]!.artifactName;
    expect(await archive.innerText()).toBe(name);
    const res = await fetch(`${server.url}${await archive.getAttribute('href')}`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).subarray(0, 2).toString()).toBe('PK');
    await screenshot(page, 'training-detail');

    // The training's run keeps its log as an artifact.
    await page.getByRole('table', { name: 'Training status' }).getByRole('link', { name: done.status.runId! }).click();
    await page.getByRole('tab', { name: 'Log' }).click();
    await expect.poll(logText).toContain('Model: rent =');
    expect(await page.getByRole('link', { name: 'Download log' }).getAttribute('href')).toContain('training.log');
  });

  it('lists the registered model with its versions, each linked to its source run', async () => {
    const done = await waitFor('quickstart-web');
    await open('/models');
    await page.getByRole('link', { name: 'quickstart' }).click();
    const versions = page.getByRole('table', { name: 'Model versions' });
    await versions.waitFor();
    const row = versions.getByRole('row', { name: new RegExp(`^v${done.status.modelVersion}\\b`) });
    expect(await row.innerText()).toContain('READY');
    await row.getByRole('link').click();
    await page.waitForURL(`**/runs/${done.status.runId}`);
    await open('/models/quickstart');
    await versions.waitFor();
    await screenshot(page, 'model');
  });

  it('tails the log live while a training runs, on the training and on its run', async () => {
    const stop = join(scratch, 'stop-live');
    await client.createTraining(ticking('live-log', stop));
    await waitFor('live-log', ['running']);
    await open('/trainings/live-log');
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    await expect.poll(logText, { timeout: 20_000 }).toContain('tick 2\n');
    await expect.poll(logText, { timeout: 20_000 }).toContain('tick 12\n');
    await screenshot(page, 'training-live-log');

    const runId = (await client.getTraining('live-log')).status.runId!;
    const runPage = await browser.newPage();
    await runPage.goto(`${server.url}/runs/${runId}?tab=log`);
    await expect.poll(() => runPage.getByTestId('log-view').innerText(), { timeout: 20_000 }).toMatch(/tick \d+/);
    expect(await runPage.getByRole('status').filter({ hasText: 'live' }).count()).toBe(1);

    writeFileSync(stop, '');
    await expect.poll(() => page.locator('.page-head [data-status]').getAttribute('data-status'), { timeout: 30_000 }).toBe('succeeded');
    await expect.poll(logText, { timeout: 10_000 }).toContain('Model: rent =');
    // All of it without a reload.
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    await expect.poll(() => runPage.getByTestId('log-view').innerText(), { timeout: 20_000 }).toContain('Model: rent =');
    await runPage.close();
  }, 120_000);

  it('cancels a running training and runs it again', async () => {
    const stop = join(scratch, 'stop-cancel');
    await client.createTraining(ticking('cancel-me', stop));
    await waitFor('cancel-me', ['running']);
    await open('/trainings/cancel-me');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.locator('.page-head [data-status]').getAttribute('data-status'), { timeout: 30_000 }).toBe('cancelled');
    await expect.poll(() => page.getByTestId('timeline').innerText()).toContain('cancelled');

    writeFileSync(stop, '');
    await page.getByRole('button', { name: 'Re-run' }).click();
    await expect.poll(() => page.getByRole('table', { name: 'Training status' }).innerText(), { timeout: 15_000 }).toMatch(/Generation\s+2/);
    const rerun = await waitFor('cancel-me');
    expect(rerun.status).toMatchObject({ state: 'succeeded', generation: 2 });
    await expect.poll(() => page.locator('.page-head [data-status]').getAttribute('data-status'), { timeout: 30_000 }).toBe('succeeded');
    expect(existsSync(stop)).toBe(true);
  }, 120_000);

  it('lists connections with their secrets masked', async () => {
    await client.createConnection({ id: 'web-s3', spec: { type: 's3', uri: 's3://bucket/data', region: 'eu-west-1', keyID: 'AKIAWEB', keySecret: 'super-secret-value' } });
    await open('/connections');
    const row = page.getByRole('row', { name: /web-s3/ });
    await row.waitFor();
    const text = await row.innerText();
    expect(text).toContain('s3://bucket/data');
    expect(text).toContain('keySecret: *****');
    expect(await page.content()).not.toContain('super-secret-value');
    await screenshot(page, 'connections');
  });
});
