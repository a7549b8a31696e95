/**
 * `npm run bench`: measures Trainyard against the budgets of DESIGN.md "Performance budgets".
 * Each backend gets a fresh database and a real server process; this process is the load client.
 *
 *   npm run bench                       all rows, SQLite (+ PostgreSQL when a URL is set)
 *   npm run bench -- --only log-batch   rows whose name contains the text
 *   npm run bench -- --backend sqlite   one backend
 *   npm run bench -- --profile          servers run with --cpu-prof; profiles land in bench-results/profiles
 *   npm run bench -- --tsx              run the server from source through tsx instead of compiling it
 *   npm run bench -- --entry DIR/cli/main.js   run an already compiled server (say, an older build, to compare)
 *
 * By default the server is compiled first (as `npm run build` does, into .bench-build-<pid>/: like dist/ it must sit in the
 * repository root, and each bench run has its own so that concurrent runs do not pull it from under each other),
 * because that is what ships: tsx's loader alone adds some 45 MB to the server's memory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createTestDatabase, type BackendName } from '../test/support/backends.js';
import type { BenchContext } from './context.js';
import { fixtureDatabase, type Fixture } from './fixtures.js';
import { LoadClient } from './load-client.js';
import { formatResult, judge, writeResults, type Result, type Row } from './report.js';
import { buildServer, startServer, type ServerEntry, type ServerProcess } from './server-process.js';
import { trackingRows } from './tracking.js';
import { artifactRows } from './artifacts.js';
import { dockerRows } from './docker.js';
import { uiRows } from './ui.js';
import { pipelineRows } from './pipelines.js';
import { trainingRows } from './trainings.js';

/** Every figure, in the order they run. Later areas (trainings, pipelines, artifacts, UI) add their rows here. */
const ROWS: Row<BenchContext>[] = [...trackingRows, ...artifactRows, ...uiRows, ...trainingRows, ...dockerRows, ...pipelineRows];

const RESULTS_DIR = resolve('bench-results');

const { values: args } = parseArgs({
  options: {
    only: { type: 'string', multiple: true },
    backend: { type: 'string', multiple: true },
    profile: { type: 'boolean', default: false },
    tsx: { type: 'boolean', default: false },
    entry: { type: 'string' },
  },
});

function postgresUrl(): string | undefined {
  return process.env.TRAINYARD_BENCH_POSTGRES_URL || process.env.TRAINYARD_TEST_POSTGRES_URL || undefined;
}

async function benchBackend(backend: BackendName, rows: Row<BenchContext>[], entry: ServerEntry): Promise<Result[]> {
  const dir = mkdtempSync(join(tmpdir(), `trainyard-bench-${backend}-`));
  const nodeFlags = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(RESULTS_DIR, 'profiles')}`] : [];
  const databases: { drop(): Promise<void> }[] = [];
  const open = async (fixture?: Fixture) => {
    const database = fixture ? await fixtureDatabase(backend, fixture, dir) : await createTestDatabase(backend);
    databases.push(database);
    return startServer({ storeUri: database.uri, dir, entry, nodeFlags });
  };
  const servers: ServerProcess[] = [];
  const results: Result[] = [];
  try {
    const server = await open();
    servers.push(server);
    const client = new LoadClient(server.url);
    const ctx: BenchContext = {
      backend,
      dir,
      server,
      client,
      async withServer(fixture, use) {
        const other = await open(fixture);
        servers.push(other);
        const otherClient = new LoadClient(other.url);
        try {
          return await use(other, otherClient);
        } finally {
          otherClient.close();
          await other.stop();
        }
      },
    };
    for (const row of rows) {
      let result: Result;
      try {
        result = judge(backend, row, await row.measure(ctx));
      } catch (err) {
        result = { ...judge(backend, row, { unavailable: 'error' }), verdict: 'FAIL', note: `error: ${(err as Error).message}` };
      }
      results.push(result);
      console.log(formatResult(result));
    }
    client.close();
  } finally {
    for (const s of servers) await s.stop();
    for (const d of databases) await d.drop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

async function main(): Promise<void> {
  const rows = ROWS.filter((r) => !args.only || args.only.some((o) => r.name.includes(o)));
  const wanted = new Set(args.backend ?? ['sqlite', 'postgres']);
  const pg = postgresUrl();
  // The test helpers create PostgreSQL databases from this variable.
  if (pg) process.env.TRAINYARD_TEST_POSTGRES_URL = pg;
  // The load average says how much the neighbours were running: wall-clock figures move with it.
  const load = loadavg().map((l) => l.toFixed(1));
  console.log(
    `Trainyard bench: node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}), load average ${load.join(' ')}; budgets are for SQLite`,
  );
  const buildDir = resolve(`.bench-build-${process.pid}`);
  const entry: ServerEntry = args.entry ? { compiled: resolve(args.entry) } : args.tsx ? { source: true } : buildServer(buildDir);
  const results: Result[] = [];
  try {
    if (wanted.has('sqlite')) results.push(...(await benchBackend('sqlite', rows, entry)));
    if (wanted.has('postgres')) {
      if (pg) results.push(...(await benchBackend('postgres', rows, entry)));
      else {
        console.log(
          'PostgreSQL figures skipped: set TRAINYARD_BENCH_POSTGRES_URL (or TRAINYARD_TEST_POSTGRES_URL) to a server where the bench may create databases, ' +
            'e.g. postgresql://postgres@127.0.0.1:55432/postgres (start one with .ci/start-postgres.sh).',
        );
      }
    }
  } finally {
    rmSync(buildDir, { recursive: true, force: true });
  }
  const file = writeResults(RESULTS_DIR, results, {
    node: process.version,
    cpus: cpus().length,
    loadAverageAtStart: load,
    loadAverageAtEnd: loadavg().map((l) => l.toFixed(1)),
    server: args.entry ?? (args.tsx ? 'tsx' : 'compiled'),
    date: new Date().toISOString(),
  });
  console.log(`results: ${file}`);
  if (results.some((r) => r.verdict === 'FAIL')) process.exitCode = 1;
}

await main();
