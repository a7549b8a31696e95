/**
 * Pipelines through a real server's /api/v1: a 100-task pipeline that is entirely cached, from
 * submit to its end (budget: ≤ 1 s), and what the runner costs per trivial task when nothing is
 * cached (process start, job dispatch, state and tracking writes, output storage).
 */
import type { BenchContext } from './context.js';
import { median, type LoadClient } from './load-client.js';
import type { Measurement, Row } from './report.js';

const V1 = '/api/v1';

/** Ten layers of ten: each task takes the output of the task above it and of its left neighbour there. */
function layered(name: string, layers = 10, width = 10): Record<string, unknown> {
  const tasks: Record<string, unknown> = {};
  for (let l = 0; l < layers; l++) {
    for (let w = 0; w < width; w++) {
      const inputs = l === 0 ? [] : [...new Set([`t${l - 1}_${w}`, `t${l - 1}_${(w + width - 1) % width}`])];
      const cat = inputs.map((i) => `${i}.txt`).join(' ');
      tasks[`t${l}_${w}`] = {
        command: l === 0 ? `echo ${l}.${w} > t${l}_${w}.txt` : `cat ${cat} > t${l}_${w}.txt; echo ${l}.${w} >> t${l}_${w}.txt`,
        inputs: inputs.map((from) => ({ from, output: `${from}.txt` })),
        outputs: [`t${l}_${w}.txt`],
        resources: { requests: { cpu: '100m', memory: '32Mi' } },
      };
    }
  }
  return { kind: 'Pipeline', name, concurrency: 16, tasks };
}

/** A chain of `n` tasks that do nothing, never cached: each waits for the one before. */
function chain(name: string, n: number): Record<string, unknown> {
  const tasks: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) tasks[`s${i}`] = { command: 'true', cache: false, ...(i > 0 && { needs: [`s${i - 1}`] }), resources: { requests: { cpu: '100m', memory: '32Mi' } } };
  return { kind: 'Pipeline', name, tasks };
}

interface RunView {
  id: string;
  state: string;
  summary: Record<string, number>;
  message?: string;
}

/** Submits and polls until the run ends; returns it and the milliseconds from submit to seeing it ended. */
async function runToEnd(client: LoadClient, manifest: Record<string, unknown>, pollMs: number): Promise<{ run: RunView; ms: number }> {
  const start = performance.now();
  const reply = await client.post(`${V1}/pipelines`, manifest);
  if (reply.status !== 201) throw new Error(`POST ${V1}/pipelines answered ${reply.status}: ${reply.body.slice(0, 500)}`);
  const { id } = JSON.parse(reply.body) as RunView;
  for (;;) {
    const run = JSON.parse((await client.get(`${V1}/pipelines/${id}`)).body) as RunView;
    if (run.state !== 'running') return { run, ms: performance.now() - start };
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

function expectState(run: RunView, state: string, what: string): void {
  if (run.state !== state) throw new Error(`${what}: pipeline run ${run.id} ${run.state}: ${run.message ?? ''}`);
}

async function allCached(ctx: BenchContext): Promise<Measurement> {
  const manifest = layered(`bench-cached-${ctx.backend}`);
  const first = await runToEnd(ctx.client, manifest, 50);
  expectState(first.run, 'succeeded', 'the first (uncached) run');
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const { run, ms } = await runToEnd(ctx.client, manifest, 5);
    expectState(run, 'succeeded', 'a cached run');
    if (run.summary.cached !== 100) throw new Error(`expected 100 cache hits, got ${JSON.stringify(run.summary)}`);
    times.push(ms);
  }
  return { value: median(times), note: `median of 5; first run, nothing cached: ${(first.ms / 1000).toFixed(1)} s` };
}

async function overheadPerTask(ctx: BenchContext): Promise<Measurement> {
  const n = 30;
  const { run, ms } = await runToEnd(ctx.client, chain(`bench-chain-${ctx.backend}`, n), 5);
  expectState(run, 'succeeded', 'the chain');
  return { value: ms / n, note: `a chain of ${n} 'true' tasks, nothing cached: ${(ms / 1000).toFixed(2)} s in all` };
}

export const pipelineRows: Row<BenchContext>[] = [
  {
    name: 'pipeline of 100 tasks, all cached, submit → ended',
    budget: 1000,
    unit: 'ms',
    better: 'lower',
    measure: allCached,
  },
  {
    // DESIGN.md sets no budget for this; 100 ms matches the local executor's submit → start budget.
    name: 'pipeline runner overhead per trivial task (uncached chain)',
    budget: 100,
    unit: 'ms',
    better: 'lower',
    measure: overheadPerTask,
  },
];
