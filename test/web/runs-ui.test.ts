import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/clients/index.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { launchChromium, screenshot, type Browser } from './browser.js';
import { seedTracking, type Seeded } from './seed.js';
import { ensureWebBuilt } from './web-build.js';

const rowNames = (page: Page) => page.locator('[role=grid] [role=row][aria-rowindex] [role=gridcell]:nth-child(2)').allInnerTexts();

describe('web UI: experiments, the runs table and comparing runs', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let seed: Seeded;

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startTestServer('sqlite');
    seed = await seedTracking(server.url);
    browser = await launchChromium();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const open = async (path: string) => {
    await page.goto(`${server.url}${path}`);
  };

  it('lists experiments and opens one', async () => {
    await open('/');
    const link = page.getByRole('link', { name: 'web-e2e' });
    await link.waitFor();
    await screenshot(page, 'experiments');
    await link.click();
    await page.waitForURL(`**/experiments/${seed.experimentId}`);
    await page.getByRole('heading', { name: 'web-e2e' }).waitFor();
    await page.getByRole('gridcell', { name: 'baseline', exact: true }).waitFor();
    expect(await page.getByTestId('runs-count').innerText()).toContain('33 runs');
    // Default columns: the metrics and params of the runs.
    for (const name of ['Run', 'Status', 'accuracy', 'loss', 'lr', 'optimizer']) await page.getByRole('columnheader', { name, exact: true }).waitFor();
    await screenshot(page, 'runs-table');
  });

  it('adds a tag column with the column chooser, kept in the URL', async () => {
    await open(`/experiments/${seed.experimentId}`);
    await page.getByRole('button', { name: /^Columns/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Choose columns' });
    await dialog.getByRole('checkbox', { name: 'team' }).check();
    await page.keyboard.press('Escape');
    await page.getByRole('columnheader', { name: 'team' }).waitFor();
    expect(new URL(page.url()).searchParams.get('cols')).toContain('tag:team');
    await page.reload();
    await page.getByRole('columnheader', { name: 'team' }).waitFor();
    const row = page.getByRole('row', { name: /baseline/ });
    await expect.poll(() => row.innerText()).toContain('vision');
  });

  it('sorts by a metric on the server, both ways', async () => {
    await open(`/experiments/${seed.experimentId}`);
    await page.getByRole('gridcell', { name: 'baseline', exact: true }).waitFor();
    await page.getByRole('columnheader', { name: 'loss' }).getByRole('button').click();
    await expect.poll(async () => (await rowNames(page))[0]).toBe('filler-29');
    expect(await page.getByRole('columnheader', { name: /loss/ }).getAttribute('aria-sort')).toBe('descending');
    await page.getByRole('columnheader', { name: /loss/ }).getByRole('button').click();
    await expect.poll(async () => (await rowNames(page)).slice(0, 3)).toEqual(['baseline', 'wider', 'child']);
    expect(new URL(page.url()).searchParams.get('dir')).toBe('asc');
  });

  it('filters with the search grammar and shows the server’s parse error inline', async () => {
    await open(`/experiments/${seed.experimentId}`);
    const box = page.getByRole('searchbox', { name: 'Filter runs' });
    await box.fill("params.optimizer = 'adam' and metrics.loss < 0.2");
    await box.press('Enter');
    await expect.poll(async () => (await rowNames(page)).sort()).toEqual(['baseline', 'wider']);
    expect(new URL(page.url()).searchParams.get('filter')).toBe("params.optimizer = 'adam' and metrics.loss < 0.2");

    const bad = 'metrics.loss <<< 1';
    const refused = await seed.client.tracking.searchRuns({ experimentIds: [seed.experimentId], filter: bad }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    await box.fill(bad);
    await box.press('Enter');
    const error = page.getByTestId('filter-error');
    await error.waitFor();
    expect(await error.innerText()).toBe((refused as ApiError).message);
    expect(await box.getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'runs-filter-error');
  });

  it('selects two runs and compares them: overlaid charts and highlighted differences', async () => {
    await open(`/experiments/${seed.experimentId}?filter=${encodeURIComponent("params.optimizer = 'adam'")}`);
    await page.getByRole('checkbox', { name: 'Select baseline' }).click();
    await page.getByRole('checkbox', { name: 'Select wider' }).click();
    await page.getByRole('button', { name: 'Compare (2)' }).click();
    await page.waitForURL('**/compare?runs=*');
    expect(new URL(page.url()).searchParams.get('runs')!.split(',').sort()).toEqual([seed.baseline, seed.wider].sort());
    const table = page.getByTestId('compare-table');
    await table.waitFor();
    expect(await table.getByRole('row', { name: /^lr/ }).getAttribute('data-differs')).toBe('true');
    expect(await table.getByRole('row', { name: /^optimizer/ }).getAttribute('data-differs')).toBeNull();
    const chart = page.locator('[data-testid=metric-chart][data-title=loss]');
    await chart.locator('canvas').waitFor();
    const legend = await chart.locator('.u-legend').innerText();
    expect(legend).toContain('baseline');
    expect(legend).toContain('wider');
    await screenshot(page, 'compare');

    await page.getByRole('checkbox', { name: 'Only rows that differ' }).check();
    await expect.poll(() => table.getByRole('row', { name: /^optimizer/ }).count()).toBe(0);
    expect(await table.getByRole('row', { name: /^lr/ }).count()).toBe(1);
  });

  it('deletes selected runs after a confirmation', async () => {
    await open(`/experiments/${seed.experimentId}`);
    await page.getByRole('checkbox', { name: 'Select filler-00' }).click();
    await page.getByRole('button', { name: 'Delete (1)' }).click();
    await page.getByRole('alertdialog', { name: 'Confirm deletion' }).getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.getByRole('gridcell', { name: 'filler-00', exact: true }).count()).toBe(0);
    expect((await seed.client.tracking.getRun(seed.fillers[0]!)).info.lifecycle_stage).toBe('deleted');
  });

  it('works from the keyboard: arrows move, Space selects, Enter opens', async () => {
    await open(`/experiments/${seed.experimentId}?sort=name&dir=asc`);
    await page.getByRole('gridcell', { name: 'baseline', exact: true }).waitFor();
    await page.getByRole('grid', { name: 'Runs' }).focus();
    await page.keyboard.press('Space');
    await expect.poll(() => new URL(page.url()).searchParams.get('sel')).toBe(seed.baseline);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/runs/${seed.child}`);
  });

  it('shows new runs without a reload', async () => {
    await open(`/experiments/${seed.experimentId}`);
    await page.getByRole('gridcell', { name: 'baseline', exact: true }).waitFor();
    await seed.client.tracking.createRun({ experimentId: seed.experimentId, runName: 'arrived-later' });
    await page.getByRole('gridcell', { name: 'arrived-later', exact: true }).waitFor({ timeout: 20_000 });
  });

  it('scrolls through many runs, loading further pages as it goes', async () => {
    const many = await seed.client.tracking.createExperiment('many-runs');
    const batch = Array.from({ length: 450 }, (_, i) => i);
    for (let i = 0; i < batch.length; i += 50) {
      await Promise.all(batch.slice(i, i + 50).map((n) => seed.client.tracking.createRun({ experimentId: many, runName: `r-${String(n).padStart(3, '0')}` })));
    }
    await open(`/experiments/${many}?sort=name&dir=asc`);
    await page.getByRole('gridcell', { name: 'r-000', exact: true }).waitFor();
    expect(await page.getByTestId('runs-count').innerText()).toContain('100 runs loaded, more below');
    const grid = page.getByRole('grid', { name: 'Runs' });
    for (let i = 0; i < 10; i++) {
      await grid.evaluate((el) => (el.scrollTop = el.scrollHeight));
      if ((await page.getByRole('gridcell', { name: 'r-449', exact: true }).count()) > 0) break;
      await page.waitForTimeout(200);
    }
    await page.getByRole('gridcell', { name: 'r-449', exact: true }).waitFor();
    expect(await page.getByTestId('runs-count').innerText()).toBe('450 runs');
    // Only the rows in view are in the page.
    expect(await page.locator('[role=grid] [role=row][aria-rowindex]').count()).toBeLessThan(100);
  });
});
