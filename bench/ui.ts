/**
 * Web UI figures, measured in Debian's Chromium (headless, fresh profile) against a real server:
 * the app emits performance marks (ty:*) and the page's own clock times them.
 *
 *   chart: a run with a 100,000-point metric; from the history's arrival in the page to the chart drawn.
 *   table: an experiment with 10,000 runs; from navigation start to the first rows of the table drawn.
 *   scroll: the same table scrolled to its last run, ten rows a frame (pages load on the way); the longest frame.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/web/browser.js';
import { ensureWebBuilt } from '../test/web/web-build.js';
import type { BenchContext } from './context.js';
import type { Fixture } from './fixtures.js';
import { ml, type LoadClient } from './load-client.js';
import type { Measurement, Row } from './report.js';
import { experimentIdByName, searchFixture, T0 } from './tracking-data.js';

const CHART_POINTS = 100_000;
const TABLE_RUNS = 10_000;
const LOADS = 5;

/** One run whose `loss` has CHART_POINTS points: a decaying, noisy curve with a few spikes. */
function chartFixture(): Fixture {
  return {
    name: `ui_chart_${CHART_POINTS}`,
    version: readFileSync(fileURLToPath(import.meta.url), 'utf8'),
    async seed(services) {
      const { experiments, runs } = services.tracking;
      const experimentId = await experiments.create('bench-ui-chart');
      const run = await runs.create({ experimentId, startTime: T0, runName: 'long-history' });
      for (let first = 0; first < CHART_POINTS; first += 1000) {
        const metrics = Array.from({ length: 1000 }, (_, k) => {
          const step = first + k;
          const value = Math.exp(-step / 20_000) + 0.05 * Math.sin(step / 37) + (step % 9973 === 0 ? 2 : 0);
          return { key: 'loss', value, timestamp: T0 + step * 10, step };
        });
        await runs.logBatch(run.info.run_id, { metrics });
      }
    },
  };
}

async function withPage<T>(use: (page: Page) => Promise<T>): Promise<T> {
  await ensureWebBuilt();
  const browser = await launchChromium({ viewport: { width: 1400, height: 900 } });
  try {
    return await use(await browser.newPage());
  } finally {
    await browser.close();
  }
}

/** Start times (ms since navigation) of the first mark of each name, once all have been made. */
async function marks(page: Page, names: string[]): Promise<Record<string, { at: number; detail: unknown }>> {
  const handle = await page.waitForFunction(
    `(() => {
      const found = {};
      for (const name of ${JSON.stringify(names)}) {
        const m = performance.getEntriesByName(name, 'mark')[0];
        if (!m) return null;
        found[name] = { at: m.startTime, detail: m.detail };
      }
      return found;
    })()`,
    undefined,
    { timeout: 120_000, polling: 20 },
  );
  return (await handle.jsonValue()) as Record<string, { at: number; detail: unknown }>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const fmt = (n: number) => n.toFixed(0);

async function runIdByName(client: LoadClient, experiment: string, name: string): Promise<string> {
  const experimentId = await experimentIdByName(client, experiment);
  const res = await client.call<{ runs: { info: { run_id: string } }[] }>('POST', ml('/runs/search'), {
    experiment_ids: [experimentId],
    filter: `attributes.run_name = '${name}'`,
  });
  return res.runs[0]!.info.run_id;
}

async function chartDrawn(ctx: BenchContext): Promise<Measurement> {
  return ctx.withServer(chartFixture(), async (server, client) => {
    const runId = await runIdByName(client, 'bench-ui-chart', 'long-history');
    return withPage(async (page) => {
      const draws: number[] = [];
      const fetches: number[] = [];
      let points = 0;
      for (let i = 0; i < LOADS; i++) {
        await page.goto(`${server.url}/runs/${runId}?tab=metrics&metrics=loss`);
        const m = await marks(page, ['ty:metric:data', 'ty:chart:drawn']);
        draws.push(m['ty:chart:drawn']!.at - m['ty:metric:data']!.at);
        fetches.push(m['ty:metric:data']!.at);
        points = (m['ty:metric:data']!.detail as { points: number }).points;
      }
      if (points !== CHART_POINTS) throw new Error(`the chart got ${points} points, not ${CHART_POINTS}`);
      return { value: median(draws), note: `median of ${LOADS} loads, range ${fmt(Math.min(...draws))}–${fmt(Math.max(...draws))} ms; page open → history in the page ${fmt(median(fetches))} ms` };
    });
  });
}

async function tableShown(ctx: BenchContext): Promise<Measurement> {
  return ctx.withServer(searchFixture('bench-ui', TABLE_RUNS), async (server, client) => {
    const experimentId = await experimentIdByName(client, 'bench-ui');
    return withPage(async (page) => {
      const shown: number[] = [];
      const asked: number[] = [];
      const answered: number[] = [];
      for (let i = 0; i < LOADS; i++) {
        await page.goto(`${server.url}/experiments/${experimentId}`);
        const m = await marks(page, ['ty:runs:request', 'ty:runs:first-page', 'ty:runs-table:rendered']);
        shown.push(m['ty:runs-table:rendered']!.at);
        asked.push(m['ty:runs:request']!.at);
        answered.push(m['ty:runs:first-page']!.at - m['ty:runs:request']!.at);
      }
      return {
        value: median(shown),
        note:
          `navigation start → rows drawn, median of ${LOADS} loads (the first, with a cold cache: ${fmt(shown[0]!)} ms); ` +
          `medians: app started and asked for runs at ${fmt(median(asked))} ms, the server answered in ${fmt(median(answered))} ms`,
      };
    });
  });
}

async function tableScrolled(ctx: BenchContext): Promise<Measurement> {
  return ctx.withServer(searchFixture('bench-ui', TABLE_RUNS), async (server, client) => {
    const experimentId = await experimentIdByName(client, 'bench-ui');
    return withPage(async (page) => {
      await page.goto(`${server.url}/experiments/${experimentId}`);
      await marks(page, ['ty:runs-table:rendered']);
      // Ten rows per frame (fast scrolling) to the end, loading the remaining pages on the way. Plain JavaScript in a
      // string: tsx would otherwise wrap the functions with helpers that do not exist in the page.
      const r = await page.evaluate<{ frames: number[]; rows: string; ms: number; tasks: number[] }>(`new Promise((resolve) => {
        const tasks = [];
        new PerformanceObserver((l) => { for (const e of l.getEntries()) tasks.push(e.duration); }).observe({ type: 'longtask' });
        const grid = document.querySelector('[role=grid]');
        const count = () => document.querySelector('[data-testid=runs-count]')?.textContent ?? '';
        const frames = [];
        const start = performance.now();
        let last = start;
        const step = (t) => {
          frames.push(t - last);
          last = t;
          grid.scrollTop += 300;
          const atEnd = grid.scrollTop + grid.clientHeight >= grid.scrollHeight - 2;
          if ((atEnd && !count().includes('more')) || t - start > 120000) resolve({ frames, rows: count(), ms: t - start, tasks });
          else requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      })`);
      if (!r.rows.startsWith(TABLE_RUNS.toLocaleString('en-US'))) throw new Error(`scrolling stopped at "${r.rows}"`);
      const sorted = [...r.frames].sort((a, b) => a - b);
      const p95 = sorted[Math.floor(sorted.length * 0.95)]!;
      const slow = r.frames.filter((f) => f > 50).length;
      return {
        value: sorted[sorted.length - 1]!,
        note:
          `${r.frames.length} frames over ${fmt(r.ms)} ms to row ${TABLE_RUNS.toLocaleString('en-US')}; median frame ${fmt(median(r.frames))} ms, p95 ${fmt(p95)} ms, ${slow} over 50 ms; ` +
          `${r.tasks.length} long tasks in the page (longest ${fmt(Math.max(0, ...r.tasks))} ms); ` +
          // Frame times follow the machine's load more than anything the page does: say what it was.
          `load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`,
      };
    });
  });
}

export const uiRows: Row<BenchContext>[] = [
  { name: `UI: chart of a ${CHART_POINTS.toLocaleString('en-US')}-point metric drawn after its data arrives`, budget: 300, unit: 'ms', better: 'lower', measure: chartDrawn },
  { name: `UI: runs table of ${TABLE_RUNS.toLocaleString('en-US')} runs shown after navigation`, budget: 500, unit: 'ms', better: 'lower', measure: tableShown },
  { name: `UI: runs table scrolled through ${TABLE_RUNS.toLocaleString('en-US')} runs, longest frame`, budget: 50, unit: 'ms', better: 'lower', measure: tableScrolled },
];
