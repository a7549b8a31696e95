/**
 * Docker executor figures, measured on the executors themselves (no server): how long from
 * start() until a trivial program runs, in a container and as a local process, and how long
 * finding an already built image by its content hash takes (the "nothing to build" path every
 * run of an unchanged project goes through).
 *
 * They do not depend on the metadata backend: measured once, in the SQLite pass.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DockerClient } from '../src/executors/docker/client.js';
import { DockerExecutor, type LogSink } from '../src/executors/docker/index.js';
import { LocalExecutor } from '../src/executors/local.js';
import type { ExecJob, Executor } from '../src/executors/types.js';
import type { BenchContext } from './context.js';
import type { Measurement, Row } from './report.js';

const IMAGE = process.env.TRAINYARD_BENCH_DOCKER_IMAGE || process.env.TRAINYARD_TEST_DOCKER_IMAGE || 'trainyard/python-base:bookworm';
const TRIALS = 7;
const HOW_TO_GET_DOCKER = `as root: apt-get install docker.io debootstrap, then .ci/docker-base-image.sh (starts dockerd, builds ${IMAGE} without a registry)`;

interface Figures {
  localMs: number;
  dockerMs: number;
  cacheHitMs: number;
}

let figures: Promise<Figures | { skipped: string }> | undefined;

/** One measured round per bench process, shared by the rows below. */
function measured(): Promise<Figures | { skipped: string }> {
  figures ??= measure();
  return figures;
}

async function measure(): Promise<Figures | { skipped: string }> {
  const client = new DockerClient();
  try {
    await client.ping();
  } catch {
    return { skipped: `no Docker daemon answers at ${client.address}; ${HOW_TO_GET_DOCKER}` };
  }
  try {
    await (await client.api()).getImage(IMAGE).inspect();
  } catch {
    return { skipped: `the Docker daemon has no image ${IMAGE}; ${HOW_TO_GET_DOCKER}` };
  }
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-bench-docker-'));
  const docker = new DockerExecutor();
  try {
    const localMs = await startLatency(new LocalExecutor(), dir, 'local');
    const dockerMs = await startLatency(docker, dir, 'docker');
    const cacheHitMs = await cacheHit(docker, dir);
    return { localMs, dockerMs, cacheHitMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let jobs = 0;

/** Median ms from start() to the program's first output line, after one warm-up run. */
async function startLatency(executor: Executor, dir: string, name: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i <= TRIALS; i++) {
    const workspace = join(dir, `${name}-${++jobs}`);
    mkdirSync(workspace, { recursive: true });
    const job: ExecJob = {
      id: `bench-${process.pid}-${jobs}`,
      owner: { kind: 'training', id: 'bench' },
      argv: ['/bin/sh', '-c', 'echo started'],
      cwd: workspace,
      workspace,
      env: { PATH: '/usr/bin:/bin' },
      logPath: join(workspace, 'job.log'),
      limits: { millicores: 1000, bytes: 256 * 2 ** 20, gpus: 0 },
      requests: { millicores: 1000, bytes: 256 * 2 ** 20, gpus: 0 },
      gpuIds: [],
      image: IMAGE,
    };
    const t0 = performance.now();
    const handle = await executor.start(job);
    // The Docker executor copies output into the log only while someone waits.
    const ended = executor.wait(handle);
    while (!(existsSync(job.logPath) && readFileSync(job.logPath, 'utf8').includes('started\n'))) await sleep(1);
    const ms = performance.now() - t0;
    await ended;
    await executor.cleanup?.(handle, false);
    if (i > 0) times.push(ms);
  }
  return median(times);
}

const quiet: LogSink = { write: async () => {}, note: async () => {} };

/** Median ms to resolve an image built from a Dockerfile that is already in the cache. */
async function cacheHit(docker: DockerExecutor, dir: string): Promise<number> {
  const context = join(dir, 'context');
  mkdirSync(join(context, 'app'), { recursive: true });
  writeFileSync(join(context, 'Dockerfile'), `FROM ${IMAGE}\nCOPY app/ /opt/app/\nRUN echo bench-${process.pid}\n`);
  for (let i = 0; i < 20; i++) writeFileSync(join(context, 'app', `module${i}.py`), `VALUE = ${i}\n`.repeat(200));
  const source = { kind: 'dockerfile' as const, context, dockerfile: 'Dockerfile' };
  const built = await docker.images.resolve(source, quiet);
  try {
    const times: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const t0 = performance.now();
      const again = await docker.images.resolve(source, quiet);
      times.push(performance.now() - t0);
      if (!again.cacheHit) throw new Error(`expected a cache hit for ${built.ref}`);
    }
    return median(times);
  } finally {
    await (await docker.client.api()).getImage(built.ref).remove().catch(() => undefined);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function row(name: string, budget: number, unit: string, pick: (f: Figures) => Measurement): Row<BenchContext> {
  return {
    name,
    budget,
    unit,
    better: 'lower',
    async measure(ctx) {
      if (ctx.backend !== 'sqlite') return { unavailable: 'does not depend on the backend: see the sqlite row' };
      const f = await measured();
      return 'skipped' in f ? { unavailable: `skipped: ${f.skipped}` } : pick(f);
    },
  };
}

/**
 * Budgets (DESIGN.md names none for Docker): a container start costs the daemon's create + start
 * + runc, some 0.4 s on the 2-core machine, against tens of ms for a local process, so about 12×;
 * the ratio's budget is a loose bound, as a faster local start alone would raise it. The cache
 * hit reads and hashes the copied files and asks the daemon for one tag.
 */
export const dockerRows: Row<BenchContext>[] = [
  row('docker executor: start → trivial program running', 1000, 'ms', (f) => ({ value: f.dockerMs, note: `local executor: ${f.localMs.toFixed(1)} ms` })),
  row('docker executor start overhead vs local, same trivial task', 100, '×', (f) => ({
    value: f.dockerMs / f.localMs,
    note: `docker ${f.dockerMs.toFixed(0)} ms / local ${f.localMs.toFixed(1)} ms`,
  })),
  row('docker image cache hit (built image found by content hash, nothing built)', 250, 'ms', (f) => ({ value: f.cacheHitMs })),
];
