/**
 * The tracking figures: ingest (log-batch, log-metric), reads (get-history, search-runs) and the
 * server's memory, each timed from the load process over keep-alive HTTP.
 */
import { spawn } from 'node:child_process';
import type { BenchContext } from './context.js';
import { LoadClient, median, ml } from './load-client.js';
import type { Measurement, Row } from './report.js';
import {
  T0,
  createExperiment,
  createRun,
  logBatchBody,
  searchQuery,
  experimentIdByName,
  searchFixture,
  seedSearchRunsOverHttp,
} from './tracking-data.js';

const MB = 1024 * 1024;
const IDLE_SECONDS = 15;
const BATCH_POINTS = 1000;

/** Sequential log-batch requests of 1,000 points for `ms`; the next body is built while the server works. */
async function logBatchLoad(client: LoadClient, runId: string, ms: number, firstStep = 0, onReply?: () => void): Promise<{ points: number; seconds: number }> {
  const stepsPerBody = BATCH_POINTS / 10;
  let step = firstStep;
  let body = logBatchBody(runId, step, BATCH_POINTS);
  let points = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    const pending = client.post(ml('/runs/log-batch'), body);
    step += stepsPerBody;
    body = logBatchBody(runId, step, BATCH_POINTS);
    const reply = await pending;
    if (reply.status !== 200) throw new Error(`log-batch answered ${reply.status}: ${reply.body.slice(0, 300)}`);
    points += BATCH_POINTS;
    onReply?.();
  }
  return { points, seconds: (performance.now() - start) / 1000 };
}

/**
 * Server CPU time per request, from /proc: on a shared machine wall-clock figures swing with the
 * neighbours' load; this one shows whether the server itself got cheaper.
 */
function cpuNote(secondsPerRequest: number): string {
  const us = secondsPerRequest * 1e6;
  return us >= 10_000 ? `server CPU ${(us / 1000).toFixed(1)} ms/request` : `server CPU ${Math.round(us)} µs/request`;
}

/** Requests per second of `once` called one after another for `ms`, after 500 warm-up calls; `timing` is called as the timed part begins. */
async function sequentialRate(once: () => Promise<unknown>, ms: number, timing?: () => void): Promise<{ perSecond: number; requests: number }> {
  for (let i = 0; i < 500; i++) await once();
  timing?.();
  let requests = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await once();
    requests++;
  }
  return { perSecond: requests / ((performance.now() - start) / 1000), requests };
}

/**
 * What this machine allows a sequential client at all: the same requests answered `{}` by a bare
 * node:http server with no routing, parsing or storage, in its own process. Requests per second
 * below this are the server's own cost; on a busy two-core machine the ceiling itself moves.
 */
async function bareNodeRate(body: string): Promise<number> {
  const script =
    "require('node:http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.setHeader('content-type','application/json');s.end('{}')})})" +
    ".listen(0,'127.0.0.1',function(){console.log(this.address().port)})";
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(String(d).trim()));
      child.once('exit', (code) => reject(new Error(`the bare node:http server exited with ${code}`)));
    });
    const client = new LoadClient(`http://127.0.0.1:${port}`);
    try {
      return (await sequentialRate(() => client.post('/', body), 2000)).perSecond;
    } finally {
      client.close();
    }
  } finally {
    child.kill();
  }
}

const WARMUPS = 5;

/** Median latency of `times` identical calls after a few warm-ups; the response must be 200. */
async function medianLatency(times: number, call: () => Promise<{ status: number; body: string }>): Promise<number> {
  for (let i = 0; i < WARMUPS; i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    const reply = await call();
    samples.push(performance.now() - start);
    if (reply.status !== 200) throw new Error(`answered ${reply.status}: ${reply.body.slice(0, 300)}`);
  }
  return median(samples);
}

async function searchAvailable(client: LoadClient): Promise<boolean> {
  const reply = await client.post(ml('/runs/search'), { experiment_ids: ['0'], max_results: 1 });
  return reply.status !== 404 || !reply.body.includes('ENDPOINT_NOT_FOUND');
}

const SEARCH_MISSING = { unavailable: 'POST /runs/search is not served yet' };

async function searchMedian(client: LoadClient, experimentId: string, expectedRuns: number): Promise<Measurement> {
  if (!(await searchAvailable(client))) return SEARCH_MISSING;
  const body = JSON.stringify(searchQuery(experimentId));
  const first = await client.post(ml('/runs/search'), body);
  if (first.status !== 200) return { unavailable: `search answered ${first.status}: ${first.body.slice(0, 200)}` };
  const returned = (JSON.parse(first.body) as { runs?: unknown[] }).runs?.length ?? 0;
  const ms = await medianLatency(50, () => client.post(ml('/runs/search'), body));
  return { value: ms, note: `${expectedRuns.toLocaleString('en-US')} runs, ${returned} returned` };
}

export const trackingRows: Row<BenchContext>[] = [
  {
    name: 'server RSS, idle',
    budget: 120,
    unit: 'MB',
    better: 'lower',
    async measure({ server }) {
      // Idle means settled: V8 keeps start-up's young-generation space until its memory reducer
      // sees the process quiet, which takes some seconds.
      const atStart = server.rss();
      await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
      return { value: server.rss() / MB, note: `after ${IDLE_SECONDS} s idle; ${Math.round(atStart / MB)} MB just after start` };
    },
  },
  {
    name: 'log-batch, 1,000 points/request, one client',
    budget: 300_000,
    unit: 'points/s',
    better: 'higher',
    async measure({ client, server }) {
      const runId = await createRun(client, '0');
      await logBatchLoad(client, runId, 1000);
      const cpu = server.cpuSeconds();
      const { points, seconds } = await logBatchLoad(client, runId, 5000, 1_000_000);
      const cpuPerRequest = (server.cpuSeconds() - cpu) / (points / BATCH_POINTS);
      return { value: points / seconds, note: `${points.toLocaleString('en-US')} points in ${seconds.toFixed(1)} s; ${cpuNote(cpuPerRequest)}` };
    },
  },
  {
    name: 'server RSS, under the log-batch load',
    budget: 300,
    unit: 'MB',
    better: 'lower',
    async measure({ client, server }) {
      const runId = await createRun(client, '0');
      let peak = server.rss();
      let last = 0;
      await logBatchLoad(client, runId, 4000, 0, () => {
        const now = performance.now();
        if (now - last < 20) return;
        last = now;
        peak = Math.max(peak, server.rss());
      });
      return { value: peak / MB, note: 'peak VmRSS' };
    },
  },
  {
    name: 'log-metric, sequential, one keep-alive client',
    budget: 4000,
    unit: 'requests/s',
    better: 'higher',
    async measure({ client, server }) {
      const runId = await createRun(client, '0');
      const path = ml('/runs/log-metric');
      let step = 0;
      const once = async () => {
        step++;
        const reply = await client.post(path, `{"run_id":"${runId}","key":"loss","value":${1 / step},"timestamp":${T0 + step},"step":${step}}`);
        if (reply.status !== 200) throw new Error(`log-metric answered ${reply.status}: ${reply.body.slice(0, 300)}`);
      };
      let cpu = 0;
      const { perSecond, requests } = await sequentialRate(once, 4000, () => (cpu = server.cpuSeconds()));
      const ceiling = await bareNodeRate(`{"run_id":"${runId}","key":"loss","value":0.5,"timestamp":${T0},"step":1}`);
      return {
        value: perSecond,
        note: `${cpuNote((server.cpuSeconds() - cpu) / requests)}; a bare node:http server answering {} does ${ceiling.toFixed(0)} requests/s here`,
      };
    },
  },
  {
    name: 'get-history, 100,000 points',
    budget: 100,
    unit: 'ms',
    better: 'lower',
    async measure({ client, server }) {
      const runId = await createRun(client, '0');
      for (let i = 0; i < 100; i++) {
        const reply = await client.post(ml('/runs/log-batch'), logBatchBody(runId, i * 1000, 1000, 1));
        if (reply.status !== 200) throw new Error(`log-batch answered ${reply.status}: ${reply.body.slice(0, 300)}`);
      }
      const query = { run_id: runId, metric_key: 'loss' };
      const first = await client.get(ml('/metrics/get-history'), query);
      const count = (JSON.parse(first.body) as { metrics: unknown[] }).metrics.length;
      if (count !== 100_000) throw new Error(`get-history returned ${count} points, expected 100,000`);
      const cpu = server.cpuSeconds();
      const ms = await medianLatency(20, () => client.get(ml('/metrics/get-history'), query));
      return { value: ms, note: `median, full response received; ${cpuNote((server.cpuSeconds() - cpu) / (WARMUPS + 20))}` };
    },
  },
  {
    name: 'search-runs, 1,000 runs, filter + order by metric, 100 results',
    budget: 5,
    unit: 'ms',
    better: 'lower',
    async measure({ client }) {
      if (!(await searchAvailable(client))) return SEARCH_MISSING;
      const experimentId = await createExperiment(client, 'bench-search-1k');
      await seedSearchRunsOverHttp(client, experimentId, 1000);
      return searchMedian(client, experimentId, 1000);
    },
  },
  {
    name: 'search-runs, 100,000 runs, same query',
    budget: 50,
    unit: 'ms',
    better: 'lower',
    async measure(ctx) {
      if (!(await searchAvailable(ctx.client))) return SEARCH_MISSING;
      return ctx.withServer(searchFixture('bench-search', 100_000), async (_server, client) =>
        searchMedian(client, await experimentIdByName(client, 'bench-search'), 100_000),
      );
    },
  },
];
