import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { launchChromium, screenshot, type Browser } from './browser.js';
import { PNG, seedTracking, type Seeded } from './seed.js';
import { ensureWebBuilt } from './web-build.js';

describe('web UI: the run page, themes and error states', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let seed: Seeded;

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startTestServer('sqlite');
    seed = await seedTracking(server.url, 2);
    browser = await launchChromium();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const open = (path: string) => page.goto(`${server.url}${path}`);

  it('shows the overview: status, params, tags, latest metrics and child runs', async () => {
    await open(`/runs/${seed.baseline}`);
    await page.getByRole('heading', { name: 'baseline' }).waitFor();
    const params = page.getByRole('table', { name: 'Parameters' });
    expect(await params.innerText()).toMatch(/lr\s+0\.1/);
    expect(await params.innerText()).toMatch(/optimizer\s+adam/);
    expect(await page.getByRole('table', { name: 'Tags' }).innerText()).toMatch(/team\s+vision/);
    expect(await page.getByRole('table', { name: 'Latest metrics' }).innerText()).toMatch(/loss\s+0\.0569/);
    await page.getByRole('list', { name: 'Child runs' }).getByRole('link', { name: 'child' }).click();
    await page.waitForURL(`**/runs/${seed.child}`);
    await page.getByRole('table', { name: 'Run overview' }).getByRole('link', { name: seed.baseline }).waitFor();
    await open(`/runs/${seed.baseline}`);
    await page.getByRole('heading', { name: 'baseline' }).waitFor();
    await screenshot(page, 'run-overview');
  });

  it('charts metrics with the settings in the URL: axis, smoothing, log scale, several on one chart', async () => {
    await open(`/runs/${seed.baseline}?tab=metrics`);
    for (const key of ['loss', 'accuracy']) await page.locator(`[data-testid=metric-chart][data-title=${key}] canvas`).waitFor();
    await page.getByRole('checkbox', { name: 'Log scale' }).check();
    await page.getByRole('combobox', { name: 'X axis' }).selectOption('relative');
    await page.getByRole('slider', { name: 'Smoothing' }).fill('0.6');
    await page.getByRole('checkbox', { name: 'All on one chart' }).check();
    const q = new URL(page.url()).searchParams;
    expect([q.get('log'), q.get('x'), q.get('smooth'), q.get('overlay')]).toEqual(['1', 'relative', '0.6', '1']);
    const combined = page.locator('[data-testid=metric-chart]');
    await expect.poll(() => combined.count()).toBe(1);
    const legend = await combined.locator('.u-legend').innerText();
    for (const s of ['loss', 'accuracy', 'loss (smoothed)', 'accuracy (smoothed)']) expect(legend).toContain(s);
    await screenshot(page, 'run-metrics');

    // A shared link draws the same view.
    await page.reload();
    await page.locator('[data-testid=metric-chart] canvas').waitFor();
    expect(await page.getByRole('checkbox', { name: 'Log scale' }).isChecked()).toBe(true);
    expect(await page.getByRole('combobox', { name: 'X axis' }).inputValue()).toBe('relative');
    expect(await page.locator('[data-testid=metric-chart] .u-legend').innerText()).toContain('accuracy (smoothed)');
  });

  it('draws points logged after the page opened: new steps of a metric and new metrics', async () => {
    await open(`/runs/${seed.baseline}?tab=metrics`);
    const loss = page.locator('[data-testid=metric-chart][data-title=loss]');
    await loss.locator('canvas').waitFor();
    expect(await loss.getAttribute('data-points')).toBe('200');
    // Only the new steps are fetched, not the whole history again.
    const increment = page.waitForRequest((r) => r.url().includes('/get-history-bulk-interval?') && new URL(r.url()).searchParams.get('start_step') === '200', { timeout: 15_000 });
    await seed.client.tracking.logBatch(seed.baseline, { metrics: [200, 201, 202].map((step) => ({ key: 'loss', value: 0.01, step })) });
    await increment;
    await expect.poll(() => loss.getAttribute('data-points'), { timeout: 15_000 }).toBe('203');
    await seed.client.tracking.logMetric(seed.baseline, 'late_metric', 3.5, { step: 1 });
    await page.getByRole('checkbox', { name: 'late_metric' }).waitFor({ timeout: 15_000 });
  });

  it('browses artifacts with previews and downloads', async () => {
    await open(`/runs/${seed.baseline}?tab=artifacts`);
    const files = page.getByRole('navigation', { name: 'Artifact files' });
    const preview = page.getByTestId('artifact-preview');

    await files.getByRole('button', { name: /data\.csv/ }).click();
    const csv = page.getByTestId('csv-table');
    await csv.waitFor();
    expect(await csv.locator('th').allInnerTexts()).toEqual(['size', 'rent', 'city, region']);
    expect(await csv.locator('tbody tr').first().locator('td').allInnerTexts()).toEqual(['40', '700', 'Lisbon, PT']);
    await screenshot(page, 'run-artifacts-csv');

    await files.getByRole('button', { name: /metrics\.json/ }).click();
    await expect.poll(() => preview.locator('pre').innerText()).toBe(JSON.stringify({ rmse: 0.41, folds: [1, 2, 3] }, null, 2));
    await files.getByRole('button', { name: /config\.yaml/ }).click();
    await expect.poll(() => preview.locator('pre').innerText()).toContain('  learning_rate: 0.1');
    await files.getByRole('button', { name: /notes\.txt/ }).click();
    await expect.poll(() => preview.locator('pre').innerText()).toBe('plain notes\nsecond line\n');

    await files.getByRole('button', { name: /plot\.png/ }).click();
    const img = preview.getByRole('img', { name: 'plot.png' });
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(8);
    await screenshot(page, 'run-artifacts-image');
    const href = await preview.getByRole('link', { name: 'Download' }).getAttribute('href');
    const bytes = await page.evaluate(async (u) => Array.from(new Uint8Array(await (await fetch(u!)).arrayBuffer())), href);
    expect(Buffer.from(bytes).equals(PNG)).toBe(true);

    await files.getByRole('button', { name: /sub\// }).click();
    await files.getByRole('button', { name: /inner\.txt/ }).click();
    await expect.poll(() => preview.locator('pre').innerText()).toBe('inside a folder\n');
    expect(new URL(page.url()).searchParams.get('file')).toBe('sub/inner.txt');
  });

  it('switches between light and dark themes', async () => {
    await open('/experiments');
    await page.getByRole('link', { name: 'web-e2e' }).waitFor();
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await background();
    await page.getByTestId('theme-toggle').click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    expect(await background()).not.toBe(light);
    await open(`/runs/${seed.baseline}?tab=metrics`);
    await page.locator('[data-testid=metric-chart] canvas').first().waitFor();
    await screenshot(page, 'run-metrics-dark');
    await page.getByTestId('theme-toggle').click();
    expect(await background()).toBe(light);
  });

  it('follows the system preference for dark mode', async () => {
    const dark = await browser.context.newPage();
    await dark.emulateMedia({ colorScheme: 'dark' });
    await dark.goto(`${server.url}/experiments`);
    // A theme picked with the toggle wins over the system's; forget the one picked above.
    await dark.evaluate(() => localStorage.removeItem('trainyard.theme'));
    await dark.reload();
    await dark.getByRole('link', { name: 'web-e2e' }).waitFor();
    expect(await dark.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(21, 23, 26)');
    await dark.close();
  });

  it('says what went wrong instead of showing a blank page', async () => {
    await open('/runs/0123456789abcdef0123456789abcdef');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toContain('RESOURCE_DOES_NOT_EXIST');
    await open('/no/such/page');
    expect(await page.getByRole('alert').innerText()).toContain('No page at /no/such/page');
  });

  it('says when the server cannot be reached', async () => {
    const other = await startTestServer('sqlite');
    const p = await browser.newPage();
    try {
      await p.goto(`${other.url}/experiments`);
      await p.getByRole('heading', { name: 'Experiments' }).waitFor();
      await other.close();
      await p.getByRole('link', { name: 'Models' }).click();
      const alert = p.getByRole('alert');
      await alert.waitFor({ timeout: 15_000 });
      expect(await alert.innerText()).toContain('Cannot reach the Trainyard server');
      await screenshot(p, 'server-unreachable');
    } finally {
      await p.close();
    }
  });
});
