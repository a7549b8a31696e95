/**
 * Submit → training process started, on the local executor, as a client sees it: from sending
 * POST /api/v1/trainings (its source already uploaded, as the CLI does first) until the training's
 * own process is running. The process reports its start itself: its first act is to write the
 * wall-clock time (`date +%s%N`) into a file the bench waits for, so no polling of the API sits
 * inside the figure.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { V1Client } from '../src/clients/index.js';
import { uploadSource } from '../src/clients/v1-sources.js';
import { FINISHED_STATES, type TrainingState } from '../src/trainings/resource.js';
import type { BenchContext } from './context.js';
import { median, type LoadClient } from './load-client.js';
import type { Measurement, Row } from './report.js';

const V1 = '/api/v1';
const TRIALS = 9;

function manifest(id: string, snapshot: string, mark: string): Record<string, unknown> {
  return {
    kind: 'ModelTraining',
    id,
    spec: {
      model: { name: 'bench-start', version: '1.0' },
      toolchain: 'command',
      command: 'date +%s%N > "$BENCH_MARK"',
      envs: [{ name: 'BENCH_MARK', value: mark }],
      algorithmSource: { local: { path: '.', snapshot } },
      executor: 'local',
    },
  };
}

async function waitEnded(client: LoadClient, id: string): Promise<string> {
  for (;;) {
    const reply = await client.get(`${V1}/trainings/${id}`);
    const state = (JSON.parse(reply.body) as { status?: { state?: string } }).status?.state ?? `HTTP ${reply.status}`;
    if (FINISHED_STATES.includes(state as TrainingState) || reply.status !== 200) return state;
    await sleep(20);
  }
}

async function submitToStart(ctx: BenchContext): Promise<Measurement> {
  const source = join(ctx.dir, 'start-source');
  mkdirSync(source, { recursive: true });
  writeFileSync(join(source, 'README'), 'a training whose only work is to say when it started\n');
  const { hash } = await uploadSource(new V1Client(ctx.server.url), source);
  const times: number[] = [];
  for (let i = 0; i <= TRIALS; i++) {
    const id = `bench-start-${ctx.backend}-${process.pid}-${i}`;
    const mark = join(ctx.dir, `${id}.started`);
    const sent = performance.timeOrigin + performance.now();
    const reply = await ctx.client.post(`${V1}/trainings`, manifest(id, hash, mark));
    if (reply.status !== 201) throw new Error(`POST ${V1}/trainings answered ${reply.status}: ${reply.body.slice(0, 500)}`);
    while (!existsSync(mark) || readFileSync(mark, 'utf8').trim() === '') await sleep(1);
    const startedMs = Number(readFileSync(mark, 'utf8').trim()) / 1e6;
    const state = await waitEnded(ctx.client, id);
    if (state !== 'succeeded') throw new Error(`training ${id} ended ${state}`);
    // The first one pays for cold code paths (module loading, prepared statements).
    if (i > 0) times.push(startedMs - sent);
  }
  return { value: median(times), note: `median of ${TRIALS}, each training run to its end before the next` };
}

export const trainingRows: Row<BenchContext>[] = [
  {
    name: 'submit → training process started (local executor)',
    budget: 100,
    unit: 'ms',
    better: 'lower',
    measure: submitToStart,
  },
];
